#!/usr/bin/env bash
# Stages the runtime image's whole file system in DEST, for an image built FROM scratch: the
# binary (without its debug information), the shared libraries it and ONNX Runtime link with
# the dynamic loader (glibc's too, all copied from this Debian 12, which must be the one the
# binary was built on), ONNX Runtime, the models, YuNet, MobileFaceNet (scripts/setup.sh
# fetches the last three), CA certificates for HTTPS sources, a passwd entry for the service's
# user 10001 and a /tmp. No shell, no package manager: nothing the service does not load.
#   docker/stage-rootfs.sh BINARY DEST
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$1
DEST=$2
ORT=third_party/onnxruntime/libonnxruntime.so.1.31.1
YUNET=third_party/face_detection_yunet_2023mar.onnx
FACENET=third_party/mobilefacenet.onnx
for f in "$BIN" "$ORT" "$YUNET" "$FACENET"; do
  [ -f "$f" ] || { echo "[image] missing $f: run scripts/setup.sh" >&2; exit 1; }
done
LIB=$DEST/usr/local/lib/emoscope
mkdir -p "$LIB" "$DEST/usr/local/bin" "$DEST/lib64" "$DEST/etc/ssl/certs" \
  "$DEST/opt/emoscope/third_party/onnxruntime" "$DEST/opt/emoscope/models" "$DEST/tmp"
chmod 1777 "$DEST/tmp"
# ONNX Runtime is opened at run time (dlopen), so its libraries are added to the binary's.
{ ldd "$BIN"; ldd "$ORT"; } | awk '/=> \// {print $3}' | sort -u | xargs -r cp -L -t "$LIB"
cp -L /lib64/ld-linux-x86-64.so.2 "$DEST/lib64/"
objcopy --strip-debug "$BIN" "$DEST/usr/local/bin/emoscope"
cp "$ORT" "$DEST/opt/emoscope/third_party/onnxruntime/"
cp "$YUNET" "$FACENET" "$DEST/opt/emoscope/third_party/"
cp models/*.onnx "$DEST/opt/emoscope/models/"
cp -L /etc/ssl/certs/ca-certificates.crt "$DEST/etc/ssl/certs/"
echo 'root:x:0:0:root:/:/nonexistent' >"$DEST/etc/passwd"
echo 'emoscope:x:10001:10001:emoscope:/data:/nonexistent' >>"$DEST/etc/passwd"
printf 'root:x:0:\nemoscope:x:10001:\n' >"$DEST/etc/group"

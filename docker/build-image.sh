#!/usr/bin/env bash
# Builds the Emoscope image with podman, reaching no registry: the base image is made from
# Debian's packages (mmdebstrap: a minimal bookworm with CA certificates) and imported once as
# emoscope-base:bookworm-minbase; docker/Dockerfile.prebuilt then adds a binary built on this
# machine, the shared libraries it links (copied from this machine, which must be Debian 12
# too), ONNX Runtime, the models, YuNet and MobileFaceNet (scripts/setup.sh fetches the last
# three). Only the libraries the binary loads go in, not the whole dependency trees of Debian's
# OpenCV and FFmpeg packages (Mesa, LLVM, GDAL's data, GUI toolkits…).
#   docker/build-image.sh [BINARY] [TAG]     (default: target/release/emoscope emoscope:latest)
# Needs root (or rootful podman), podman, runc, mmdebstrap and binutils.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/emoscope}
TAG=${2:-emoscope:latest}
BASE=emoscope-base:bookworm-minbase
PODMAN=docker/podman.sh
say() { echo "[image] $*" >&2; }

[ -x "$BIN" ] || { say "no binary at $BIN: cargo build --release --locked"; exit 1; }
ORT=third_party/onnxruntime/libonnxruntime.so.1.31.1
YUNET=third_party/face_detection_yunet_2023mar.onnx
FACENET=third_party/mobilefacenet.onnx
for f in "$ORT" "$YUNET" "$FACENET"; do
  [ -f "$f" ] || { say "missing $f: run scripts/setup.sh"; exit 1; }
done

if ! $PODMAN image exists "$BASE"; then
  say "making $BASE from Debian's packages (mmdebstrap)"
  tar=$(mktemp --suffix .tar)
  mmdebstrap --quiet --variant=minbase \
    --include=ca-certificates \
    --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/locale/*' \
    bookworm "$tar" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"
  $PODMAN import --quiet "$tar" "$BASE" >/dev/null
  rm -f "$tar"
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/models" "$ctx/third_party/onnxruntime" "$ctx/data" "$ctx/lib"
# The libraries the binary links, but glibc's own (the base has the same glibc: Debian 12).
ldd "$BIN" | awk '/=> \// {print $3}' |
  grep -vE '/(libc|libm|libpthread|libdl|librt|libresolv|ld-linux-x86-64)\.so' |
  sort -u | xargs -r cp -L -t "$ctx/lib"
# Debug information is most of a binary's size and nothing the service reads.
objcopy --strip-debug "$BIN" "$ctx/emoscope"
cp "$ORT" "$ctx/third_party/onnxruntime/"
cp "$YUNET" "$FACENET" "$ctx/third_party/"
cp models/*.onnx "$ctx/models/"
say "building $TAG"
$PODMAN build --quiet --pull=never --format docker -f docker/Dockerfile.prebuilt -t "$TAG" "$ctx" >/dev/null
say "built $TAG: $($PODMAN image inspect "$TAG" --format '{{.Size}}') bytes"

#!/usr/bin/env bash
# Installs what Emoscope needs on a fresh Debian/Ubuntu machine; skips what is already there.
#   - apt packages: OpenCV (its image modules for the service; its videoio and imgcodecs for the
#     tests' reference decoder), FFmpeg's libraries (video and picture decoding, the annotated
#     video's encoder), libjpeg-turbo's TurboJPEG (JPEG pictures), clang for the opencv and
#     ffmpeg-next crates' bindings, ffmpeg, opencv-data
#   - Rust (rustup) when cargo is missing
#   - ONNX Runtime 1.31.1 (libonnxruntime.so, from the onnxruntime wheel on PyPI) in third_party/
#   - the YuNet face detector in third_party/, from ../shared/models when present, else from the
#     OpenCV Model Zoo
#   - the MobileFaceNet face embedding (Apache-2.0) in third_party/, from ../shared/models when
#     present, else from its upstream repository (foamliu/MobileFaceNet), checked by its sha256
# With --test it also installs what the tests drive: Debian's Chromium and Node.js, Playwright
# (tests/e2e, from npm), the TypeScript client's packages (clients/typescript, from npm),
# openapi-spec-validator, schemathesis, openapi-python-client, pytest, kubectl and
# kubernetes-validate (PyPI) in third_party/venv, s3s-fs (crates.io: a real S3 server on a folder, for the object-storage tests), podman
# (the container test), and a local PostgreSQL server with a role `emoscope` that may create the
# tests' databases, serving TLS with a certificate from a CA of the tests' own (openssl).
#
# With --gpu it also fetches the GPU build of ONNX Runtime (the onnxruntime-gpu wheel of the same
# version) and the CUDA and cuDNN libraries it loads, all from PyPI (about 3 GB), into
# third_party/gpu, and prints the environment that selects them.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TESTS=0
WITH_GPU=0
for arg in "$@"; do
  case $arg in
    --test) WITH_TESTS=1 ;;
    --gpu) WITH_GPU=1 ;;
    *) echo "usage: scripts/setup.sh [--test] [--gpu]" >&2; exit 2 ;;
  esac
done

ORT_VERSION=1.31.1
ORT_DIR=third_party/onnxruntime
ORT_LIB=$ORT_DIR/libonnxruntime.so.$ORT_VERSION
YUNET=third_party/face_detection_yunet_2023mar.onnx
YUNET_URL=https://media.githubusercontent.com/media/opencv/opencv_zoo/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx
MOBILEFACENET=third_party/mobilefacenet.onnx
MOBILEFACENET_URL=https://raw.githubusercontent.com/foamliu/MobileFaceNet/a6cc9032a659b615f477833e1a70b5e7931bcccc/weights/MobileFaceNet.onnx
MOBILEFACENET_SHA256=b7120c095d60094f28a4a54ba6a8bf51b297a6273fb40ef6350dfec1f63d9507
SHARED_DIR=${EMOSCOPE_SHARED_DIR:-../shared}

say() { echo "[setup] $*" >&2; }
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(libopencv-dev libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libturbojpeg0-dev clang libclang-dev pkg-config ffmpeg opencv-data curl ca-certificates)
# pip fetches the ONNX Runtime wheel; any python3 with pip will do.
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3 python3-pip)
if [ "$WITH_TESTS" = 1 ]; then
  packages+=(chromium python3-venv postgresql openssl)
  # The container test: podman (with runc and catatonit for --init), objcopy, and
  # docker-compose to check the compose file.
  packages+=(podman runc catatonit binutils docker-compose)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing apt packages: ${missing[*]}"
  sudo_ apt-get update -q
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    say "installing Rust with rustup"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi

if [ ! -f "$ORT_LIB" ]; then
  say "fetching ONNX Runtime $ORT_VERSION from PyPI"
  tmp=$(mktemp -d)
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" "onnxruntime==$ORT_VERSION"
  mkdir -p "$ORT_DIR"
  python3 - "$tmp" "$ORT_DIR" <<'PY'
import glob, os, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "onnxruntime-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if name.startswith("onnxruntime/capi/") and base.startswith("libonnxruntime"):
            with z.open(name) as src, open(os.path.join(dest, base), "wb") as out:
                out.write(src.read())
PY
  rm -rf "$tmp"
  [ -f "$ORT_LIB" ] || { say "the wheel held no $ORT_LIB"; exit 1; }
fi

if [ ! -s "$YUNET" ]; then
  mkdir -p third_party
  if [ -f "$SHARED_DIR/models/face_detection_yunet.onnx" ]; then
    say "copying YuNet from $SHARED_DIR/models"
    cp "$SHARED_DIR/models/face_detection_yunet.onnx" "$YUNET"
  else
    say "downloading YuNet from the OpenCV Model Zoo"
    curl -fsSL --retry 3 -o "$YUNET.part" "$YUNET_URL"
    # A Git LFS pointer is a few hundred bytes; the model is about 230 KB.
    [ "$(stat -c %s "$YUNET.part")" -gt 100000 ] || { say "YuNet download is not the model"; exit 1; }
    mv "$YUNET.part" "$YUNET"
  fi
fi
if [ ! -s "$MOBILEFACENET" ]; then
  mkdir -p third_party
  if [ -f "$SHARED_DIR/models/mobilefacenet.onnx" ]; then
    say "copying MobileFaceNet from $SHARED_DIR/models"
    cp "$SHARED_DIR/models/mobilefacenet.onnx" "$MOBILEFACENET.part"
  else
    say "downloading MobileFaceNet from github.com/foamliu/MobileFaceNet"
    curl -fsSL --retry 3 -o "$MOBILEFACENET.part" "$MOBILEFACENET_URL"
  fi
  echo "$MOBILEFACENET_SHA256  $MOBILEFACENET.part" | sha256sum -c --quiet - \
    || { say "MobileFaceNet is not the expected file (sha256)"; rm -f "$MOBILEFACENET.part"; exit 1; }
  mv "$MOBILEFACENET.part" "$MOBILEFACENET"
fi
GPU_DIR=third_party/gpu
if [ "$WITH_GPU" = 1 ] && [ ! -f "$GPU_DIR/libonnxruntime.so.$ORT_VERSION" ]; then
  say "fetching onnxruntime-gpu $ORT_VERSION with its CUDA and cuDNN libraries from PyPI"
  tmp=$(mktemp -d)
  python3 -m pip install -q --no-cache-dir --target "$tmp" "onnxruntime-gpu[cuda,cudnn]==$ORT_VERSION"
  mkdir -p "$GPU_DIR.part"
  cp -a "$tmp"/onnxruntime/capi/libonnxruntime*.so* "$GPU_DIR.part/"
  find "$tmp/nvidia" -name 'lib*.so*' -exec cp -a {} "$GPU_DIR.part/" \;
  rm -rf "$tmp" "$GPU_DIR"
  mv "$GPU_DIR.part" "$GPU_DIR"
fi
if [ "$WITH_GPU" = 1 ]; then
  say "for the GPU: export EMOSCOPE_ONNXRUNTIME_LIB=$PWD/$GPU_DIR/libonnxruntime.so.$ORT_VERSION" \
      "LD_LIBRARY_PATH=$PWD/$GPU_DIR EMOSCOPE_EXECUTION_PROVIDER=cuda"
fi
if [ "$WITH_TESTS" = 1 ]; then
  VENV=third_party/venv
  if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-spec-validator" ] \
    || [ ! -x "$VENV/bin/openapi-python-client" ] || [ ! -x "$VENV/bin/pytest" ] \
    || [ ! -x "$VENV/bin/wheel" ] || [ ! -x "$VENV/bin/kubectl" ] \
    || [ ! -x "$VENV/bin/kubernetes-validate" ]; then
    say "installing schemathesis, openapi-spec-validator, openapi-python-client, pytest, kubectl and kubernetes-validate in $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r tests/requirements.txt
  fi
  node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$node_major" -lt 20 ]; then
    say "the browser test needs Node.js 20 or newer (found ${node_major}); Debian 13 and NodeSource have it"
    exit 1
  fi
  if [ ! -x "$HOME/.cargo/bin/s3s-fs" ]; then
    say "installing s3s-fs from crates.io (an S3 server for the object-storage tests)"
    cargo install -q --locked s3s-fs --version 0.14.1 --features binary
  fi
  if [ ! -x clients/typescript/node_modules/.bin/tsc ]; then
    say "installing the TypeScript client's packages (clients/typescript, from npm)"
    (cd clients/typescript && npm ci --no-audit --no-fund --silent)
  fi
  if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    say "installing playwright-core (tests/e2e); it drives Debian's chromium, it downloads no browser"
    (cd tests/e2e && npm ci --no-audit --no-fund --silent)
  fi
fi
if [ "$WITH_TESTS" = 1 ]; then
  as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
  if ! pg_isready -q -h 127.0.0.1; then
    say "starting PostgreSQL"
    version=$(ls /usr/lib/postgresql | sort -V | tail -1)
    [ -d "/etc/postgresql/$version/main" ] || sudo_ pg_createcluster "$version" main
    sudo_ pg_ctlcluster "$version" main start
    for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
  fi
  as_postgres psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = 'emoscope'" | grep -q 1 ||
    as_postgres psql -qc "CREATE ROLE emoscope LOGIN CREATEDB PASSWORD 'emoscope'"
  as_postgres psql -qtAc "SELECT 1 FROM pg_database WHERE datname = 'emoscope'" | grep -q 1 ||
    as_postgres psql -qc "CREATE DATABASE emoscope OWNER emoscope"
  # TLS for tests/it/postgres.rs: a CA of the tests' own and a certificate for localhost and
  # 127.0.0.1 signed by it, served by the local PostgreSQL. Made once per machine, beside the
  # server's (the tests read the CA there), so that checkouts side by side share them.
  pg_tls=/var/lib/postgresql/emoscope-tls
  served=$(as_postgres psql -qtAc "SHOW ssl_cert_file")
  if [ ! -f "$pg_tls/ca.crt" ] || [ "$served" != "$pg_tls/server.crt" ]; then
    say "making a test CA and PostgreSQL's certificate in $pg_tls"
    tls=$(mktemp -d)
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=Emoscope test CA" \
      -keyout "$tls/ca.key" -out "$tls/ca.crt" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
      -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >"$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" \
      -CAcreateserial -days 3650 -extfile "$tls/server.ext" -out "$tls/server.crt" 2>/dev/null
    sudo_ install -d -o postgres -m 755 "$pg_tls"
    sudo_ install -o postgres -m 644 "$tls/ca.crt" "$pg_tls/ca.crt"
    sudo_ install -o postgres -m 644 "$tls/server.crt" "$pg_tls/server.crt"
    sudo_ install -o postgres -m 600 "$tls/server.key" "$pg_tls/server.key"
    rm -rf "$tls"
    as_postgres psql -qc "ALTER SYSTEM SET ssl = on" \
      -c "ALTER SYSTEM SET ssl_cert_file = '$pg_tls/server.crt'" \
      -c "ALTER SYSTEM SET ssl_key_file = '$pg_tls/server.key'" -c "SELECT pg_reload_conf()" >/dev/null
  fi
fi
say "ready: $ORT_LIB, $YUNET, $MOBILEFACENET"

#!/usr/bin/env bash
# Builds the Emoscope image with podman, reaching no registry: docker/stage-rootfs.sh stages the
# whole file system (a binary built on this machine, the shared libraries it loads with glibc's
# and the dynamic loader, all copied from this Debian 12, ONNX Runtime, the models, YuNet and
# MobileFaceNet) and docker/Dockerfile.prebuilt puts it in an image FROM scratch: no shell and
# no package manager, and none of the dependency trees of Debian's OpenCV and FFmpeg packages
# beyond the libraries the binary links.
#   docker/build-image.sh [BINARY] [TAG]     (default: target/release/emoscope emoscope:latest)
# Needs root (or rootful podman), podman, runc and binutils.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/emoscope}
TAG=${2:-emoscope:latest}
PODMAN=docker/podman.sh
say() { echo "[image] $*" >&2; }

[ -x "$BIN" ] || { say "no binary at $BIN: cargo build --release --locked"; exit 1; }
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
docker/stage-rootfs.sh "$BIN" "$ctx/rootfs"
mkdir -p "$ctx/data"
say "building $TAG"
$PODMAN build --quiet --pull=never --format docker -f docker/Dockerfile.prebuilt -t "$TAG" "$ctx" >/dev/null
say "built $TAG: $($PODMAN image inspect "$TAG" --format '{{.Size}}') bytes"

#!/usr/bin/env bash
# podman with the settings this kind of host needs: the runc runtime (crun refuses hosts with
# mixed cgroups) and explicit ulimits (open files no higher than this shell's hard limit).
#   docker/podman.sh run ...   (any podman command)
set -euo pipefail
conf="${TMPDIR:-/tmp}/emoscope-containers.conf"
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] && hard=65536
nofile=$(( hard < 65536 ? hard : 65536 ))
cat > "$conf.$$" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
mv "$conf.$$" "$conf"
CONTAINERS_CONF="$conf" exec podman "$@"

#!/usr/bin/env bash
# Regenerates emoscope_api/ from the contract (openapi/openapi.json) with openapi-python-client
# (the version in tests/requirements.txt; scripts/setup.sh --test installs it in
# third_party/venv). tests/it/clients.rs fails while the committed package differs from this.
#   clients/python/generate.sh [OUT_DIR]      (default: clients/python/emoscope_api)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=$root/third_party/venv
out=${1:-$here/emoscope_api}
rm -rf "$out"
mkdir -p "$(dirname "$out")"
# The post hooks (ruff) run from the venv. The generator orders some imports by iterating sets:
# a fixed hash seed makes its output the same from one run to the next.
PYTHONHASHSEED=0 PATH="$venv/bin:$PATH" "$venv/bin/openapi-python-client" generate \
  --path "$root/openapi/openapi.json" --config "$here/generate.yaml" --meta none \
  --output-path "$out" >/dev/null 2>&1 \
  || { echo "openapi-python-client failed; run it by hand to see why" >&2; exit 1; }
rm -rf "$out/.ruff_cache"

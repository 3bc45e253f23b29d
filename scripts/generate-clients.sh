#!/usr/bin/env bash
# Regenerates the contract and what the clients generate from it, in one go:
# openapi/openapi.json (from the code), clients/typescript/src/schema.ts (openapi-typescript) and
# clients/python/emoscope_api/ (openapi-python-client). tests/it/contract.rs and clients.rs fail
# while any of them differs from what this writes. Needs scripts/setup.sh --test done.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --locked -- openapi > openapi/openapi.json
(cd clients/typescript && npm run --silent generate >/dev/null)
clients/python/generate.sh
git status --short openapi clients

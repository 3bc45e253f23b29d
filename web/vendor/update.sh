#!/usr/bin/env bash
# Refreshes the vendored Swagger UI from the npm registry (package swagger-ui-dist, Apache-2.0).
# Only the two files /docs needs are kept, with their licence texts; the source-map comment is
# dropped so that no browser asks for a file the binary does not serve.
set -euo pipefail
VERSION=${1:-5.35.0}
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null && tar xzf "swagger-ui-dist-$VERSION.tgz")
out=swagger-ui
mkdir -p "$out"
cp "$tmp"/package/{swagger-ui-bundle.js,swagger-ui-bundle.js.LICENSE.txt,LICENSE,NOTICE} "$out"/
sed '/sourceMappingURL/d' "$tmp/package/swagger-ui.css" > "$out/swagger-ui.css"
echo "$VERSION" > "$out/VERSION"
echo "swagger-ui-dist $VERSION vendored in $(pwd)/$out"

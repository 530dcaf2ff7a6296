#!/usr/bin/env bash
# Refreshes the Swagger UI 5 files the API docs page serves (app/web/static/swagger-ui/), from npm's
# swagger-ui-dist, unmodified, with its licence. Run by hand to move to a newer release; the files
# are committed, so running Vigil needs neither npm nor the internet.
set -euo pipefail

VERSION="${1:-5.36.0}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$REPO_ROOT/app/web/static/swagger-ui"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "swagger-ui-dist@$VERSION" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
mkdir -p "$DEST"
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui-standalone-preset.js \
         swagger-ui-standalone-preset.js.LICENSE.txt swagger-ui.css LICENSE NOTICE; do
    cp "$WORK/package/$f" "$DEST/$f"
done
echo "$VERSION" >"$DEST/VERSION"
echo "vendor-swagger-ui: swagger-ui-dist $VERSION -> $DEST"

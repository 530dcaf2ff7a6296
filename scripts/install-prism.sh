#!/usr/bin/env bash
# Installs the Prism mock server (a local stand-in for the Twilio REST API, see
# tests/support/twilio/README.md) into <repo>/.cache/prism, which is gitignored.
# Idempotent: does nothing when the binary is already there. Prints the binary's path.
set -euo pipefail

# prism-cli 5.15+ needs Node >= 24; the machines run Node 20, so pin the last release that works.
PRISM_VERSION="5.14.2"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$REPO_ROOT/.cache/prism"
PRISM_BIN="$PREFIX/node_modules/.bin/prism"

if [[ ! -x "$PRISM_BIN" ]]; then
    command -v npm >/dev/null || { echo "install-prism: npm not found (Node 20 is required)" >&2; exit 1; }
    mkdir -p "$PREFIX"
    # A package.json of its own keeps npm from walking up and treating the repo as the project.
    [[ -f "$PREFIX/package.json" ]] || echo '{"name": "vigil-prism", "private": true}' >"$PREFIX/package.json"
    npm install --prefix "$PREFIX" --save-exact --no-audit --no-fund --loglevel=error \
        "@stoplight/prism-cli@$PRISM_VERSION" >/dev/null
fi

echo "$PRISM_BIN"

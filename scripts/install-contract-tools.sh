#!/usr/bin/env bash
# Installs the tools the contract tests (tests/contract/) drive, into <repo>/.cache/contract-tools,
# which is gitignored:
#   node_modules/  Redocly CLI (lint), openapi-typescript + openapi-fetch + TypeScript (a typed TS
#                  client checked by strict tsc), FHIR.js (`fhir`, a second FHIR R4 validator)
#   pyvenv/        openapi-python-client, in a venv of its own: it needs pydantic 2 while the test
#                  venv keeps pydantic 1 for fhir.resources' R4 models.
# Idempotent: a stamp holding this script's pins skips the work when nothing changed.
# Prints the folder's path on stdout; progress goes to stderr.
set -euo pipefail

# Versions that run on Node 20 (the machines' Node): @redocly/cli 2.x needs >= 20.19;
# openapi-typescript 7 wants TypeScript 5 (TypeScript 7 is the Go rewrite, not yet its peer).
NPM_PINS=(
    "@redocly/cli@2.77.0"
    "openapi-typescript@7.13.0"
    "openapi-fetch@0.17.0"
    "typescript@5.9.3"
    "fhir@4.12.0"
)
PY_PINS=("openapi-python-client==0.29.1")

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$REPO_ROOT/.cache/contract-tools"
STAMP="$PREFIX/.installed"
WANT="${NPM_PINS[*]} ${PY_PINS[*]}"

if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
    command -v npm >/dev/null || { echo "install-contract-tools: npm not found (Node 20 is required)" >&2; exit 1; }
    mkdir -p "$PREFIX"
    # A package.json of its own keeps npm from walking up and treating the repo as the project.
    [[ -f "$PREFIX/package.json" ]] || echo '{"name": "vigil-contract-tools", "private": true}' >"$PREFIX/package.json"
    echo "install-contract-tools: npm ${NPM_PINS[*]}" >&2
    npm install --prefix "$PREFIX" --save-exact --no-audit --no-fund --loglevel=error "${NPM_PINS[@]}" >&2
    echo "install-contract-tools: pip ${PY_PINS[*]}" >&2
    [[ -x "$PREFIX/pyvenv/bin/python" ]] || python3 -m venv "$PREFIX/pyvenv"
    "$PREFIX/pyvenv/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_PINS[@]}" >&2
    echo "$WANT" >"$STAMP"
fi

echo "$PREFIX"

#!/usr/bin/env bash
# matrix-js-sdk, for the tests that run the client's own discovery code.
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
if [ ! -d node_modules/matrix-js-sdk ]; then
  npm install --no-audit --no-fund --loglevel=error
fi

#!/usr/bin/env bash
# matrix-js-sdk, for the tests that run the client's own discovery code; mermaid-cli (in its
# own folder, tests/mermaid), for the test that renders `--output-format mermaid`. Its
# puppeteer uses the system Chromium (tests/mermaid/puppeteer.json): no browser download.
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
if [ ! -d node_modules/matrix-js-sdk ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
cd ../mermaid
if [ ! -x node_modules/.bin/mmdc ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

#!/usr/bin/env bash
# The real client code the tests run (tests/js/package.json): matrix-js-sdk (discovery),
# livekit-client (which SFU paths it opens), @element-hq/element-call-embedded.
# Installs when any of them is missing or not at the pinned version.
# mermaid-cli (in its own folder, tests/mermaid), for the test that renders
# `--output-format mermaid`. Its
# puppeteer uses the system Chromium (tests/mermaid/puppeteer.json): no browser download.
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
missing=$(node -e '
  const deps = require("./package.json").dependencies;
  for (const [name, version] of Object.entries(deps)) {
    let have = null;
    try { have = require(`./node_modules/${name}/package.json`).version; } catch {}
    // an npm alias ("npm:@scope/pkg@1.2.3", an older version beside the current one) pins its version last
    if (have !== version.replace(/^npm:.+@/, "")) console.log(name);
  }')
if [ -n "$missing" ]; then
  npm install --no-audit --no-fund --loglevel=error
fi
cd ../mermaid
if [ ! -x node_modules/.bin/mmdc ]; then
  PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
fi

#!/usr/bin/env bash
# The real client code the tests run (tests/js/package.json): matrix-js-sdk (discovery),
# livekit-client (which SFU paths it opens), @element-hq/element-call-embedded.
# Installs when any of them is missing or not at the pinned version.
set -euo pipefail
cd "$(dirname "$0")/../tests/js"
missing=$(node -e '
  const deps = require("./package.json").dependencies;
  for (const [name, version] of Object.entries(deps)) {
    let have = null;
    try { have = require(`./node_modules/${name}/package.json`).version; } catch {}
    if (have !== version) console.log(name);
  }')
if [ -n "$missing" ]; then
  npm install --no-audit --no-fund --loglevel=error
fi

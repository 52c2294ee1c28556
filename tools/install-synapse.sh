#!/usr/bin/env bash
# Synapse's own config loader, in a separate venv (its pins must not shape ours).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv-synapse/bin/python ] || ! .venv-synapse/bin/python -c "import synapse.config.homeserver" 2>/dev/null; then
  python3 -m venv .venv-synapse
  .venv-synapse/bin/pip install -q matrix-synapse
fi
.venv-synapse/bin/python -c "import synapse; print('synapse', synapse.__version__)"

#!/usr/bin/env bash
# The one install step, shared by the README, CI and the Dockerfile.
# Creates a virtual environment (default .venv) and installs adaptmt into it.
#   scripts/install.sh            # development install (tests, linters)
#   EXTRAS= scripts/install.sh    # runtime only
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS-dev}
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [ -n "$EXTRAS" ]; then
  "$VENV/bin/python" -m pip install --quiet -e ".[${EXTRAS}]"
else
  "$VENV/bin/python" -m pip install --quiet -e .
fi
echo "adaptmt installed in $VENV (activate with: . $VENV/bin/activate)"

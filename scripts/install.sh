#!/usr/bin/env bash
# The one install step, shared by the README, CI and the Dockerfile.
# Creates a virtual environment (default .venv) and installs adaptmt into it.
#   scripts/install.sh                # development install: tests, linters, eval, COMET
#   EXTRAS= scripts/install.sh        # runtime only
#   EXTRAS=eval scripts/install.sh    # runtime and `adaptmt eval`, without COMET
#   EDITABLE=0 EXTRAS= VENV=/opt/adaptmt scripts/install.sh   # the Dockerfile: a copy, not a link
# With the comet extra, torch is installed first, pinned ($TORCH), so that pip keeps it
# instead of resolving unbabel-comet's bare `torch` to the newest build (with CUDA: GBs).
# On a GPU host, point TORCH at the build for its CUDA version, e.g.
#   TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cuXYZ" scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS-dev,eval,comet}
TORCH=${TORCH:-torch==2.13.0}
EDITABLE=${EDITABLE:-1}  # 1: the venv runs this checkout's code; 0: installs a copy of it
if [ "$EDITABLE" = 1 ]; then TARGET="-e ."; else TARGET=.; fi
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
if [[ ",$EXTRAS," == *",comet,"* ]]; then
  # shellcheck disable=SC2086  # TORCH may carry pip options
  "$VENV/bin/python" -m pip install --quiet $TORCH
fi
# shellcheck disable=SC2086  # TARGET is "-e ." or "."
if [ -n "$EXTRAS" ]; then
  "$VENV/bin/python" -m pip install --quiet $TARGET"[${EXTRAS}]"
else
  "$VENV/bin/python" -m pip install --quiet $TARGET
fi
if [[ ",$EXTRAS," == *",comet,"* ]]; then
  # unbabel-comet 2.2.7 declares numpy<2, which its inference does not need (the COMET tests
  # load and score under numpy 2); the fuzzy index wants numpy 2's native popcount.
  "$VENV/bin/python" -m pip install --quiet --no-warn-conflicts "numpy>=2"
fi
echo "adaptmt installed in $VENV (activate with: . $VENV/bin/activate)"

#!/usr/bin/env bash
# Create (or reuse) the virtualenv holding pyWATS for bench/pywats_bench.py and print
# its python path on stdout (progress goes to stderr), e.g.:
#   PY=$(bench/setup-pywats.sh) && "$PY" bench/pywats_bench.py
# Env: PYWATS_VENV (default ~/.cache/wats-bench/pywats-venv), PYTHON (default python3).
set -euo pipefail

PYWATS_SPEC="pywats-api==0.6.0rc1"
PYWATS_VERSION="${PYWATS_SPEC#*==}"
VENV="${PYWATS_VENV:-$HOME/.cache/wats-bench/pywats-venv}"
PYTHON="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "creating venv at $VENV" >&2
  mkdir -p "$(dirname "$VENV")"
  "$PYTHON" -m venv "$VENV" >&2
fi

installed="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pywats-api"))' 2>/dev/null || true)"
if [ "$installed" != "$PYWATS_VERSION" ]; then
  echo "installing $PYWATS_SPEC into $VENV" >&2
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$PYWATS_SPEC" >&2
fi

echo "$VENV/bin/python"

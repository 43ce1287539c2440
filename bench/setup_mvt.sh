#!/usr/bin/env bash
# Install the incumbent tool (MVT) into its own virtualenv, bench/.mvt-venv, for the
# check-backup speed benchmark (bench/bench_check_backup.py). It never shares perito's .venv.
#
# Usage: bash bench/setup_mvt.sh            (idempotent; PYTHON=python3.12 to pick another)
set -euo pipefail

MVT_VERSION="2026.10.26"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.mvt-venv"
python="${PYTHON:-python3}"

if [[ ! -x "$venv/bin/python" ]]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet "mvt==$MVT_VERSION"
# Report the version without letting MVT write ~/.config/mvt or ~/.local/share/mvt.
"$venv/bin/python" -m pip show mvt | sed -n '1,2p'

#!/usr/bin/env bash
# Set up the pinned environment in .venv/ and run the workflow on the bundled example.
# Usage: bash quickstart.sh [extra snakemake arguments]
set -euo pipefail
cd "$(dirname "$0")"

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "quickstart.sh: needs Python 3.11 (found $("$python" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock

.venv/bin/snakemake --cores "${CORES:-2}" "$@"
echo "Done: results are in results/ (figures in results/figures/)."

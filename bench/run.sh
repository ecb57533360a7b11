#!/usr/bin/env bash
# Run the benchmark (bench/run.py) with the project's virtualenv: bench/run.sh [run.py options]
# Uses $PYTHON if set, else .venv/bin/python at the repository root, else python3.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=${PYTHON:-$here/../.venv/bin/python}
[[ -x $python ]] || python=python3
exec "$python" "$here/run.py" "$@"

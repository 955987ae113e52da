#!/usr/bin/env bash
# featuremaps learn against the same pipeline in NumPy and against scikit-learn's KMeans (bench/learn.py).
#   bench/learn.sh [REPEATS]     (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
bench/.venv/bin/pip install --quiet numpy scikit-learn
swift build -c release --product featuremaps
bench/.venv/bin/python bench/learn.py "${1:-3}"

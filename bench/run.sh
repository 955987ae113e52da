#!/usr/bin/env bash
# The side-by-side benchmark: featuremaps against the Python script people would write (Pillow + ONNX
# Runtime + Pillow), on the workloads W1-W5 of the performance issues. Not part of `swift test`.
#   bench/run.sh [REPEATS]        (default 5; prints a table, the machine and the date)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time; }
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
bench/.venv/bin/pip install --quiet onnxruntime pillow numpy onnx
swift build -c release --product featuremaps
bench/.venv/bin/python bench/prepare.py 100
bench/.venv/bin/python bench/banks.py
bench/.venv/bin/python bench/bench.py "${1:-5}"

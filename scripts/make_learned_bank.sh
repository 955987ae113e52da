#!/usr/bin/env bash
# Writes Filters/learned-samples.json: 32 filters of 7x7 learned by `featuremaps learn` from the sample
# photos (seed 1, 100,000 patches). The same command gives the same file, byte for byte:
#   scripts/make_learned_bank.sh && git diff --stat Filters/
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product featuremaps >/dev/null
.build/release/featuremaps learn SampleImages --filters 32 --size 7 --seed 1 --name learned-samples \
  --description "32 filters of 7x7x3 that k-means learned from the three sample photos (featuremaps learn: spherical k-means on contrast-normalised, ZCA-whitened patches, Coates and Ng). Oriented edges and bars, colour-opponent blobs: what a network's first layer learns, without a network." \
  --source "license=CC0-1.0 (learned from public-domain and CC0 photographs)" \
  --out Filters/learned-samples.json

#!/usr/bin/env bash
# Regenerates the pictures the README shows (docs/images/), from the sample photos, with the release binary:
#
#     scripts/make_docs_images.sh
#
# Needs chromium for the report's screenshot (apt-get install chromium). Every picture is made by
# featuremaps itself; the screenshot is the report as a browser shows it after a click on a map.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product featuremaps >/dev/null
bin=.build/release/featuremaps
docs=docs/images
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A montage of the edges bank on the rocket: every map, labelled, in bank order.
"$bin" SampleImages/rocket.jpg --bank edges --out "$work/maps" --montage --tile-size 200 -q
cp "$work/maps/rocket/montage.png" "$docs/montage-edges.png"

# ResNet-50's conv1 on the cat: five filters are dead there (constant 0 after ReLU), marked on their tiles.
"$bin" SampleImages/chelsea.png --bank resnet50-conv1 --out "$work/resnet" --montage --tile-size 96 --nrow 8 -q
cp "$work/resnet/chelsea/montage.png" "$docs/montage-resnet50-conv1.png"

# Kernel pictures: a hand-made bank with its numbers, and ResNet-50's trained conv1 as colours.
"$bin" kernels edges --out "$docs/kernels-edges.png"
"$bin" kernels resnet50-conv1 --rgb --out "$docs/kernels-resnet50-conv1.png"

# The bank learned from the sample photos: its kernels, and its maps of the rocket.
"$bin" kernels learned-samples --rgb --out "$docs/kernels-learned-samples.png"
"$bin" SampleImages/rocket.jpg --bank learned-samples --out "$work/learned" --montage --tile-size 120 --nrow 8 --normalize percentile:1 -q
cp "$work/learned/rocket/montage.png" "$docs/montage-learned-samples.png"

# Where one map comes from: R, G and B each correlated with its own kernel, summed, plus the bias.
"$bin" explain SampleImages/chelsea.png --bank color-opponent --filter red-green --at 300,150 \
  --figure "$docs/decomposition-red-green.png" --tile-size 160 >/dev/null

# The same figure in colour: RdBu, blue below zero, white at zero, red above, on the one scale.
"$bin" explain SampleImages/chelsea.png --bank color-opponent --filter red-green --at 300,150 \
  --figure "$docs/decomposition-red-green-rdbu.png" --tile-size 160 --colormap rdbu >/dev/null

# The report, after a click on a pixel of a map. A headless browser's screenshot shows the top of the
# page only, so the page is shown in a frame, scrolled inside it.
"$bin" report SampleImages/chelsea.png --bank edges --out "$work/report" >/dev/null
cat > "$work/frame.html" <<'HTML'
<!DOCTYPE html><html><body style="margin:0"><iframe src="report/index.html#test=1,0,150,60" style="border:0;width:1280px;height:900px"></iframe></body></html>
HTML
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$work/profile" \
  --window-size=1280,900 --run-all-compositor-stages-before-draw --virtual-time-budget=10000 \
  --screenshot="$docs/report.png" "file://$work/frame.html" 2>/dev/null
ls -l "$docs"

#!/usr/bin/env bash
# Runs two featuremaps binaries on the same scenarios and compares everything they write: every output
# file byte for byte, standard output and standard error (seconds and timings left out), and the exit
# status. For refactorings that must not change behaviour.
#   scripts/same-outputs.sh OLD_BINARY NEW_BINARY      (exit 0: identical; else the differences)
# IGNORE_BANK_HASH=1 masks the bank's SHA-256 in manifests, for a change to a bank file's layout alone.
# KEEP=1 keeps what both wrote.
set -uo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
# KEEP=1 keeps the outputs (to compare differing maps gray level by gray level) and says where.
trap 'if [ "${KEEP:-0}" = 1 ]; then echo "kept in $work"; else rm -rf "$work"; fi' EXIT

# A folder like the batch tests': nested pictures, a damaged JPEG, a text file, a hidden picture, a collision.
make_photos() {
  mkdir -p "$1/photos/cats" "$1/photos/deep/er" "$1/photos/.hidden"
  cp "$root/SampleImages/rocket.jpg" "$1/photos/rocket.jpg"
  cp "$root/SampleImages/coffee.png" "$1/photos/cats/coffee.png"
  cp "$root/SampleImages/chelsea.png" "$1/photos/cats/tom.png"
  cp "$root/SampleImages/rocket.jpg" "$1/photos/cats/tom.jpg"
  cp "$root/SampleImages/chelsea.png" "$1/photos/deep/er/chelsea.png"
  cp "$root/SampleImages/chelsea.png" "$1/photos/.hidden/secret.png"
  head -c 5000 "$root/SampleImages/rocket.jpg" > "$1/photos/deep/broken.jpg"
  echo "shopping list" > "$1/photos/notes.txt"
  echo "not a picture" > "$1/photos/cats/fake.jpg"
}

S="$root/SampleImages"
C="$root/Tests/ImageCodecsTests/Corpus"
R="$root/Tests/CommandTests/Pictures"  # retina.jpg: 2 MP, large enough for deep banks to stream in bands
scenarios=(
  "$S/rocket.jpg --bank edges --out maps/"
  "$S/coffee.png $S/chelsea.png $S/rocket.jpg --bank blur-sharpen --out maps/ --jobs 1"
  "$S/coffee.png --bank gabor --out maps/"
  "$S/chelsea.png --bank color-opponent --out maps/ --format npy --quiet"
  "$S/rocket.jpg --bank two-layer --out maps/ --format png16 --scale shared --all-layers --normalize percentile:1"
  "$S/rocket.jpg --bank two-layer --out maps/ --all-layers --format npy"
  "$S/coffee.png --bank edges --out maps/ --normalize symmetric --stats all"
  "$S/coffee.png --bank edges --out maps/ --normalize minmax --png-level 6 --png-filter none"
  "$S/coffee.png --bank edges --out maps/ --normalize abs --format png16"
  "$S/coffee.png --bank gabor --out maps/ --normalize range:-1,1 --scale shared"
  "$S/chelsea.png --bank color-opponent --out maps/ --normalize percentile:2 --png-level 0"
  "$C/pngsuite/basn0g16.png $C/pngsuite/basn3p02.png $C/jpeg/testorig.jpg --bank edges --out maps/ --jobs 1"
  "photos --bank edges --out maps/ --jobs 2 --log json"
  "photos --bank color-opponent --out maps/ --hidden --shard 2/3 --log json --format npy"
  "$S/rocket.jpg --bank nope --out maps/"
  "$S/rocket.jpg --bank edges --out maps/ --format gif"
  "missing.jpg $S/rocket.jpg --bank edges --out maps/"
  "$S/chelsea.png --bank color-opponent --out maps/ --partials --format npy"
  "$S/coffee.png --bank two-layer --out maps/ --partials --scale shared --normalize percentile:1"
  "explain $S/coffee.png --bank two-layer --at 10,12 --json"
  "explain $S/coffee.png --bank two-layer --layer 1 --at 3,4"
  "explain $S/coffee.png --bank color-opponent --filter 1 --figure figure.png --at 30,40"
  "explain $S/coffee.png --bank two-layer --filter 0 --figure figure.png --scale shared"
  "report $S/coffee.png --bank two-layer --out report/"
  "$R/retina.jpg --bank vgg16-block1 --out maps/"
  "$R/retina.jpg --bank mobilenet-v2-block1 --out maps/ --normalize range:0,6 --format png16"
  "--help"
  "banks"
  "banks --show edges"
)

status=0
for i in "${!scenarios[@]}"; do
  for side in old new; do
    dir="$work/$i/$side"
    mkdir -p "$dir"
    make_photos "$dir"
    binary=$old
    [ "$side" = new ] && binary=$new
    # shellcheck disable=SC2086
    (cd "$dir" && "$binary" ${scenarios[$i]} > stdout 2> stderr; echo $? > status)
    # Pictures finish in any order with --jobs 2: log and message lines are compared sorted.
    sed -E 's/"([a-z_]*seconds|peak_memory_bytes)":[0-9.e+-]+/"\1":_/g' "$dir/stdout" | sort > "$dir/stdout.sorted"
    mv "$dir/stdout.sorted" "$dir/stdout"
    sort "$dir/stderr" > "$dir/stderr.sorted" && mv "$dir/stderr.sorted" "$dir/stderr"
    rm -rf "$dir/photos"
    if [ "${IGNORE_BANK_HASH:-0}" = 1 ]; then
      find "$dir" -name manifest.json -exec sed -E -i 's/"sha256": "[0-9a-f]{64}"/"sha256": "_"/' {} +
    fi
  done
  if ! diff -r "$work/$i/old" "$work/$i/new" > "$work/$i.diff"; then
    echo "DIFFERENT: featuremaps ${scenarios[$i]}"
    head -20 "$work/$i.diff"
    status=1
  else
    echo "same: featuremaps ${scenarios[$i]} ($(find "$work/$i/new" -type f | wc -l) files)"
  fi
done
exit $status

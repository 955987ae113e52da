#!/usr/bin/env bash
# Builds and runs one libFuzzer target of Fuzz/ (AddressSanitizer on, Swift and C instrumented for coverage).
#   scripts/fuzz.sh --list              the targets
#   scripts/fuzz.sh TARGET [SECONDS]    fuzz TARGET for SECONDS (default 60); exit 0 when nothing was found
#   scripts/fuzz.sh TARGET --smoke      run TARGET once over its committed seeds only (no mutation: the same
#                                       inputs every time; what .ci/run does for the structure-aware targets)
# The corpus grows in Fuzz/.corpus/TARGET, seeded from the test files and ../shared/corpora; a crash, leak
# or sanitizer report is written to Fuzz/.crashes/TARGET/ and the exit status is 1: make it a regression file
# under Tests/ that the test suite reads (README, "Fuzzing").
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# bankrun, onnxgraph and statedict are structure-aware: they build a bank, an ONNX graph or a PyTorch state
# dict from the fuzzer's bytes, valid-looking enough to reach the checks behind the parsers.
targets=(jpeg png pngwrite bank npy safetensors pytorch onnx hdf5 arguments bankrun onnxgraph statedict)
if [ "${1:-}" = "--list" ] || [ $# -eq 0 ]; then
  printf '%s\n' "${targets[@]}"
  exit 0
fi
target=$1
seconds=${2:-60}
smoke=false
[ "$seconds" = --smoke ] && smoke=true
# (grep -x without -q reads the whole list: with -q it may stop early and make printf fail under pipefail)
printf '%s\n' "${targets[@]}" | grep -x "$target" > /dev/null || { echo "no fuzz target '$target'; scripts/fuzz.sh --list names them" >&2; exit 2; }

cd "$root/Fuzz"
# SwiftPM caches the build plan, which misses files added to the main package: refresh it.
touch Package.swift
swift build -c release --product "fuzz-$target" --sanitize=fuzzer --sanitize=address \
  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xcc -fsanitize=fuzzer-no-link >&2
binary=$(swift build -c release --sanitize=fuzzer --sanitize=address --show-bin-path)/fuzz-$target

corpus="$root/Fuzz/.corpus/$target"
$smoke && corpus=$(mktemp -d)
crashes="$root/Fuzz/.crashes/$target"
mkdir -p "$corpus" "$crashes"
$smoke || rm -f "$crashes"/*  # findings of an earlier run were reported then
seed() { for file in "$@"; do [ -f "$file" ] && cp -n "$file" "$corpus/" 2>/dev/null || true; done; }
files="$root/Tests/WeightsFilesTests/Files"
shared="$root/../shared/corpora"
case $target in
  jpeg) seed "$root"/Tests/ImageCodecsTests/Corpus/jpeg/*.jpg "$root"/Tests/CommandTests/Regressions/*.jpg
        [ -d "$shared/jpeg" ] && find "$shared/jpeg" -name '*.jpg' -size -64k -exec cp -n {} "$corpus/" \; ;;
  png) seed "$root"/Tests/ImageCodecsTests/Corpus/pngsuite/*.png "$root"/Tests/CommandTests/Regressions/*.png ;;
  pngwrite) printf "\x01\x00\x02" > "$corpus/seed-256-wide-level1"; head -c 3000 "$root/SampleImages/rocket.jpg" >> "$corpus/seed-256-wide-level1" ;;
  bank) seed "$root"/Filters/{edges,color-opponent,two-layer,blur-sharpen}.json "$files"/reference*.json "$root"/Fuzz/Seeds/bank/*.json ;;
  npy) seed "$files"/*.npy "$files"/*.npz ;;
  safetensors) seed "$files"/*.safetensors ;;
  pytorch) seed "$files"/*.pth ;;
  onnx) seed "$files"/*.onnx "$root"/Tests/CommandTests/Regressions/*.onnx ;;
  bankrun|onnxgraph|statedict) seed "$root"/Fuzz/Seeds/"$target"/* ;;
  hdf5) seed "$files"/*.h5 ;;
  arguments) seed "$root"/Fuzz/Seeds/arguments/* ;;
esac
dictionary=()
[ -f "$root/Fuzz/Dictionaries/$target.dict" ] && dictionary=(-dict="$root/Fuzz/Dictionaries/$target.dict")
# libhdf5 runs in a forked child (CHDF5Shims), which inherits libFuzzer's malloc hook: a damaged header that
# makes libhdf5 ask for gigabytes would be reported from the child as an out-of-memory finding, although
# the allocation just fails there and the file is refused in one line. The process's own RSS limit stays.
limits=()
[ "$target" = hdf5 ] && limits=(-malloc_limit_mb=1048576)

# The Swift runtime's own crash reporter would fight the sanitizer's; libFuzzer reports the crash.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=$root/Fuzz/lsan.supp:print_suppressions=0
status=0
if $smoke; then
  "$binary" -runs=0 -rss_limit_mb=3072 "$corpus" > "$root/Fuzz/.crashes/$target-smoke.log" 2>&1 || status=$?
  rm -rf "$corpus"
  [ $status -eq 0 ] || { echo "fuzz-$target: a committed seed fails; log: Fuzz/.crashes/$target-smoke.log"; exit 1; }
  echo "fuzz-$target: every committed seed runs"
  exit 0
fi
"$binary" "$corpus" "${dictionary[@]}" ${limits[@]+"${limits[@]}"} -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -max_len=65536 \
  -artifact_prefix="$crashes/" -print_final_stats=1 2> "$root/Fuzz/.crashes/$target.log" || status=$?
grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)" "$root/Fuzz/.crashes/$target.log" || true
grep -E "cov: [0-9]+" -o "$root/Fuzz/.crashes/$target.log" | tail -1 || true
if [ $status -ne 0 ] || ls "$crashes" | grep -q .; then
  echo "fuzz-$target found something: $(ls "$crashes" | head -3); log: Fuzz/.crashes/$target.log"
  exit 1
fi
echo "fuzz-$target: no crash in $seconds s"

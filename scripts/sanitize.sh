#!/usr/bin/env bash
# Runs the tests under a sanitizer, in a build folder of its own (.build/sanitize-KIND), C targets included:
#
#     scripts/sanitize.sh address      # AddressSanitizer (and LeakSanitizer): the whole suite
#     scripts/sanitize.sh undefined    # UndefinedBehaviorSanitizer on the C targets: the whole suite
#     scripts/sanitize.sh thread       # ThreadSanitizer: the engine, pipeline and batch tests
#
# Any report fails the run. Leaks that are not featuremaps' own are suppressed in Fuzz/lsan.supp (the
# binary's) and scripts/lsan-tests.supp (XCTest's and Foundation's in the test process), each with where it
# comes from and how it was found.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh address|undefined|thread}
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
# The binary's suppressions (Fuzz/lsan.supp) and the test process's (scripts/lsan-tests.supp), in one file.
suppressions=$(mktemp)
trap 'rm -f "$suppressions"' EXIT
cat Fuzz/lsan.supp scripts/lsan-tests.supp > "$suppressions"
export LSAN_OPTIONS="suppressions=$suppressions:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
filter=()
case "$kind" in
  address|undefined) ;;
  thread) filter=(--filter 'ConvEngineTests|PipelineTests|FolderTests|DurabilityTests') ;;
  *) echo "scripts/sanitize.sh: unknown sanitizer '$kind' (address, undefined or thread)" >&2; exit 2 ;;
esac
# Swift itself traps on overflow and out-of-bounds access; undefined behaviour is a C matter. swiftc has no
# -sanitize=undefined on Linux, so UBSan instruments the C targets and its runtime is linked in.
if [ "$kind" = undefined ]; then
  flags=(-Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=all -Xswiftc -Xclang-linker -Xswiftc -fsanitize=undefined)
else
  flags=(--sanitize="$kind")
fi
swift build --build-tests "${flags[@]}" --scratch-path ".build/sanitize-$kind"
swift test --skip-build "${flags[@]}" --scratch-path ".build/sanitize-$kind" ${filter[@]+"${filter[@]}"}

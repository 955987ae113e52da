#!/usr/bin/env bash
# Runs the tests under a sanitizer, in a build folder of its own (.build/sanitize-KIND), C targets included:
#
#     scripts/sanitize.sh address      # AddressSanitizer (and LeakSanitizer): the whole suite
#     scripts/sanitize.sh undefined    # UndefinedBehaviorSanitizer: the whole suite
#     scripts/sanitize.sh thread       # ThreadSanitizer: the engine, pipeline and batch tests
#
# Any report fails the run. Leaks that are not featuremaps' own are suppressed in Fuzz/lsan.supp, each
# with where it comes from and how it was found.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh address|undefined|thread}
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
export LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
filter=()
case "$kind" in
  address|undefined) ;;
  thread) filter=(--filter 'ConvEngineTests|PipelineTests|FolderTests|DurabilityTests') ;;
  *) echo "scripts/sanitize.sh: unknown sanitizer '$kind' (address, undefined or thread)" >&2; exit 2 ;;
esac
swift build --build-tests --sanitize="$kind" --scratch-path ".build/sanitize-$kind"
swift test --skip-build --sanitize="$kind" --scratch-path ".build/sanitize-$kind" ${filter[@]+"${filter[@]}"}

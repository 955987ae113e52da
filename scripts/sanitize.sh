#!/usr/bin/env bash
# Runs the tests under a sanitizer, in a build folder of its own (.build/sanitize-KIND), C targets included:
#
#     scripts/sanitize.sh address      # AddressSanitizer (and LeakSanitizer): the whole suite
#     scripts/sanitize.sh undefined    # UndefinedBehaviorSanitizer on the C targets: the whole suite
#     scripts/sanitize.sh thread       # ThreadSanitizer: the engine, pipeline and batch tests
#
# Any report fails the run. The binary frees cairo's and fontconfig's caches before it exits, and the test
# process's own suppressions (XCTest's, Foundation's, and the libraries' that tests call in-process) are
# built into it (Tests/LeakSuppressions), so no suppression file is needed: `swift test --sanitize=address`
# alone passes the same way.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh address|undefined|thread}
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1
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

#!/usr/bin/env bash
# The unit tests under AddressSanitizer and ThreadSanitizer, each built in its own scratch path
# (.build-asan, .build-tsan) so the normal .build is never rebuilt.
#
#   bash Tests/sanitizers.sh [address|thread|all] [--filter REGEX]
#
# Default: all. TSan matters because libmilter calls the callbacks from a pool of threads
# (BECMilterTests: CallbackOrderTests.testConnectionsOnManyThreads, ConcurrentMilterTests).
# Exits non-zero when a test fails or a sanitizer reports anything.
set -uo pipefail
cd "$(dirname "$0")/.."
which=${1:-all}
shift $(( $# > 0 ? 1 : 0 ))
filter=()
[ "${1:-}" = --filter ] && filter=(--filter "$2")
status=0
run() {
    local sanitizer=$1 scratch=$2
    echo "=== swift test --sanitize=$sanitizer --scratch-path $scratch ${filter[*]}"
    # Fetch nothing the normal build already has.
    if [ ! -d "$scratch/checkouts" ] && [ -d .build/checkouts ]; then
        mkdir -p "$scratch" && cp -a .build/checkouts .build/repositories "$scratch/" 2>/dev/null
    fi
    local log; log=$(mktemp)
    # halt_on_error=0 keeps going so one run lists every report; the process still exits non-zero.
    # BEC_TEST_TIME_SCALE: the hostile-input tests' time budgets, five times as long under a sanitizer.
    BEC_TEST_TIME_SCALE=5 ASAN_OPTIONS=detect_leaks=0:halt_on_error=0 TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1 \
        swift test --sanitize="$sanitizer" --scratch-path "$scratch" "${filter[@]}" >"$log" 2>&1
    local rc=$?
    grep -E "Executed [0-9]+ tests" "$log" | tail -1
    local reports; reports=$(grep -c -E "^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: AddressSanitizer|SUMMARY: (Thread|Address)Sanitizer)" "$log")
    if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then
        grep -E -A30 "^(WARNING: ThreadSanitizer|==[0-9]+==ERROR: AddressSanitizer)|error:|failed \(" "$log" | head -200
        echo "=== $sanitizer: FAILED (exit $rc, $reports sanitizer report lines; full log $log)"
        status=1
    else
        echo "=== $sanitizer: ok"
        rm -f "$log"
    fi
}
case $which in
    address) run address .build-asan ;;
    thread) run thread .build-tsan ;;
    all) run address .build-asan; run thread .build-tsan ;;
    *) echo "usage: $0 [address|thread|all] [--filter REGEX]"; exit 2 ;;
esac
exit $status

#!/usr/bin/env bash
# Builds every libFuzzer target with -sanitize=fuzzer,address and runs each for SECONDS.
# Seeds: Tests/BECCoreTests/Fixtures plus ../shared/corpus (robustness and a sample of the rest) when present.
# Exits non-zero on any crash; crashing inputs are left in Tests/Fuzz/crashes/ to become regression fixtures.
set -euo pipefail
SECONDS_EACH=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
swift build -c release --scratch-path "$here/.build-fuzz" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 | tail -3
[ -x "$here/.build-fuzz/release/FuzzMessage" ] || { echo "fuzz build failed"; exit 1; }
bin="$here/.build-fuzz/release"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/msg" "$work/rules" "$here/crashes"
cp "$root"/Tests/BECCoreTests/Fixtures/*.eml "$work/msg/" 2>/dev/null || true
shared="$root/../shared/corpus"
if [ -d "$shared" ]; then
  find "$shared/robustness" -type f -name '*' ! -name '*.tsv' -size -200k -exec cp {} "$work/msg/" \; 2>/dev/null || true
  # awk, not head: head closing the pipe early kills find with SIGPIPE, which pipefail turns into a failure.
  find "$shared/dev" -name '*.eml' | sort | awk 'NR <= 60' | xargs -r cp -t "$work/msg/" || true
  find "$shared/public" -name '*.eml' -size -100k | sort | awk 'NR % 40 == 0' | xargs -r cp -t "$work/msg/" || true
else
  echo "note: $shared absent; seeding from the unit-test fixtures only"
fi
cp "$root"/models/rules/*.yaml "$root"/deploy/examples/calloway-freight/*.yaml "$root"/deploy/examples/calloway-freight/rules/*.yaml "$work/rules/" 2>/dev/null || true
status=0
for t in FuzzMessage FuzzRules; do
  corpus="$work/msg"; [ "$t" = FuzzRules ] && corpus="$work/rules"
  echo "=== $t for ${SECONDS_EACH}s"
  if ! BEC_MILTER_MODELS="$root/models" "$bin/$t" "$corpus" -dict="$here/dictionary.txt" -max_total_time="$SECONDS_EACH" \
        -max_len=262144 -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$here/crashes/$t-" -print_final_stats=1 2>&1 | tail -15; then
    echo "=== $t: CRASH (see $here/crashes)"; status=1
  fi
done
exit $status

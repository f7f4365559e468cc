#!/usr/bin/env bash
# Builds every libFuzzer target with -sanitize=fuzzer,address and runs each for SECONDS:
#   FuzzMessage    parse + every detector + scoring on arbitrary bytes
#   FuzzRules      the config / rule-file loader on arbitrary YAML
#   FuzzCallbacks  a script of milter callbacks in any order through the Swift bridge (MilterCallbacks)
# Seeds: Tests/BECCoreTests/Fixtures plus ../shared/corpus (robustness and a sample of the rest) when present,
# each at most MAX_LEN bytes (default 32 KiB: BEC mail is small, and a fuzzer's speed falls with input
# size; the unit tests cover the multi-megabyte inputs and every limit). Environment: FUZZ_MAX_LEN, FUZZ_TARGETS.
# Exits non-zero on any crash; crashing inputs are left in Tests/Fuzz/crashes/ to become regression fixtures.
set -euo pipefail
SECONDS_EACH=${1:-60}
MAX_LEN=${FUZZ_MAX_LEN:-32768}
TARGETS=${FUZZ_TARGETS:-FuzzMessage FuzzRules FuzzCallbacks}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
swift build -c release --scratch-path "$here/.build-fuzz" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 | tail -3
for t in $TARGETS; do [ -x "$here/.build-fuzz/release/$t" ] || { echo "fuzz build failed ($t)"; exit 1; }; done
bin="$here/.build-fuzz/release"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/msg" "$work/rules" "$work/callbacks" "$here/crashes"
cp "$root"/Tests/BECCoreTests/Fixtures/*.eml "$work/msg/" 2>/dev/null || true
shared="$root/../shared/corpus"
if [ -d "$shared" ]; then
  find "$shared/robustness" -type f -name '*' ! -name '*.tsv' -size -"$MAX_LEN"c -exec cp {} "$work/msg/" \; 2>/dev/null || true
  # awk, not head: head closing the pipe early kills find with SIGPIPE, which pipefail turns into a failure.
  find "$shared/dev" -name '*.eml' | sort | awk 'NR <= 60' | xargs -r cp -t "$work/msg/" || true
  find "$shared/public" -name '*.eml' -size -"$MAX_LEN"c | sort | awk 'NR % 40 == 0' | xargs -r cp -t "$work/msg/" || true
else
  echo "note: $shared absent; seeding from the unit-test fixtures only"
fi
# Fixtures over the size budget would only slow every mutation of them down.
find "$work/msg" -type f -size +"$MAX_LEN"c -delete
python3 "$here/callback_seeds.py" "$work/callbacks" "$work"/msg/*.eml
cp "$root"/models/rules/*.yaml "$root"/deploy/examples/calloway-freight/*.yaml "$root"/deploy/examples/calloway-freight/rules/*.yaml "$work/rules/" 2>/dev/null || true
# The loader reads models/ on every FuzzRules input; a slim copy (all default rules, one lexicon,
# the freemail list, the first 400 lines of the Public Suffix List) keeps the fuzzed YAML the only
# big cost (6 -> 66 exec/s on this loaded host).
slim="$work/models"
mkdir -p "$slim/rules" "$slim/lexicons" "$slim/freemail" "$slim/publicsuffix"
cp "$root/models/rules/default.yaml" "$slim/rules/"
cp "$root/models/lexicons/en.yaml" "$slim/lexicons/"
cp "$root/models/freemail/domains.txt" "$slim/freemail/"
awk 'NR <= 400' "$root/models/publicsuffix/public_suffix_list.dat" > "$slim/publicsuffix/public_suffix_list.dat"
status=0
for t in $TARGETS; do
  case $t in FuzzRules) corpus="$work/rules" ;; FuzzCallbacks) corpus="$work/callbacks" ;; *) corpus="$work/msg" ;; esac
  # Every crash ever found stays a seed of its target, so each run replays it first.
  cp "$here/regressions/$t"/* "$corpus/" 2>/dev/null || true
  echo "=== $t for ${SECONDS_EACH}s"
  # malloc_context_size: ASan records 2 frames per allocation, not 30 (the fuzzer's own stack trace still
  # shows where a crash is); that and the size budget take the message target from ~250 to ~700+ exec/s.
  models="$root/models"; [ "$t" = FuzzRules ] && models="$slim"
  if ! ASAN_OPTIONS=malloc_context_size=2 BEC_MILTER_MODELS="$models" "$bin/$t" "$corpus" -dict="$here/dictionary.txt" -max_total_time="$SECONDS_EACH" \
        -max_len="$MAX_LEN" -rss_limit_mb=4096 -timeout=10 -artifact_prefix="$here/crashes/$t-" -print_final_stats=1 2>&1 | tail -15; then
    echo "=== $t: CRASH (see $here/crashes)"; status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Runs every test of bec-milter: unit tests, rule-file tests, the corpus sweep (when ../shared is
# present), and the real-Postfix integration tests. Installs what it needs. Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash Tests/install-deps.sh || exit 1

stages_passed=0
stages_failed=0
stage() {
  local name=$1; shift
  echo "=== $name"
  if "$@"; then stages_passed=$((stages_passed + 1)); echo "=== $name: ok"
  else stages_failed=$((stages_failed + 1)); echo "=== $name: FAILED"; fi
}

stage "swift test (with a real PostgreSQL on loopback)" bash Tests/Integration/postgres.sh swift test
stage "release build" swift build -c release
BIN=.build/release/bec-milter
stage "rules lint (shipped defaults and worked example)" "$BIN" rules lint deploy/examples/calloway-freight/bec-milter.yaml models/rules/default.yaml
stage "rules test (worked example)" "$BIN" rules test deploy/examples/calloway-freight/bec-milter.yaml
stage "corpus sweep" python3 Tests/Corpus/sweep.py "$BIN"
# Sanitizers are not a stage: a sanitized build of the package takes over 20 minutes here (bash Tests/sanitizers.sh).
stage "fuzz (libFuzzer + ASan, 20 s per target)" bash Tests/Fuzz/run.sh 20
stage "browser (headless Chromium against bec-milter web)" bash Tests/Integration/browser.sh --binary "$BIN"
if [ -x Tests/Integration/run.sh ]; then
  stage "integration (real Postfix)" Tests/Integration/run.sh "$BIN"
fi

echo "stages: $stages_passed passed, $stages_failed failed"
[ "$stages_failed" -eq 0 ]

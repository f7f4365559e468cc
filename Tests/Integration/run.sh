#!/usr/bin/env bash
# The milter's integration tests (Tests/run-all.sh calls this with the binary it built):
#   1. protocol_test.py - the real `bec-milter run` over its socket, driven by an independent
#      milter client in Postfix's order; verdicts compared with `bec-milter check --json`;
#   2. postfix_test.sh  - a real Postfix on loopback with the deploy/ snippet (needs root);
#   3. history_two_hosts_test.py - sender history shared by two `bec-milter run` hosts through one
#      PostgreSQL (started on loopback by postgres.sh);
#   4. history_postfix_test.sh - sender history through real Postfix: an outbound message from our
#      submission service (ORIGINATING) teaches; the reply is not first contact, a lookalike is;
#   5. load_test.sh     - CI size: 2,000 messages over 200 concurrent sessions through a private Postfix
#      instance, with a rule reload, a broken reload and a SIGKILL of the milter during the run (~1 min;
#      `load_test.sh --full` sends 20,000).
# Usage: Tests/Integration/run.sh [path/to/bec-milter]
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${1:-.build/debug/bec-milter}")
[ -x "$BIN" ] || { echo "no bec-milter binary at $BIN"; exit 1; }
rc=0
echo "--- protocol test"
python3 Tests/Integration/protocol_test.py --binary "$BIN" || rc=1
echo "--- real Postfix"
BEC_MILTER="$BIN" bash Tests/Integration/postfix_test.sh || rc=1
echo "--- sender history: two milter hosts, one PostgreSQL"
bash Tests/Integration/postgres.sh python3 Tests/Integration/history_two_hosts_test.py --binary "$BIN" || rc=1
echo "--- sender history through real Postfix"
BEC_MILTER="$BIN" bash Tests/Integration/history_postfix_test.sh || rc=1
echo "--- load, kill and reload (real Postfix, 200 sessions)"
bash Tests/Integration/load_test.sh --binary "$BIN" || rc=1
exit $rc

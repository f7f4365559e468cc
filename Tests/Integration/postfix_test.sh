#!/usr/bin/env bash
# Integration test: a real Postfix on loopback with bec-milter wired in by deploy/postfix/main.cf.snippet.
#
#   sudo bash Tests/Integration/postfix_test.sh
#
# Installs Postfix if needed (apt, debconf "Local only"), configures it for the test (loopback
# only, XCLIENT from 127.0.0.1 so each message arrives "from" its real client address, every
# recipient accepted and delivered to one local mailbox), runs bec-milter as its own user with the socket in
# Postfix's chroot, and checks over SMTP:
#   - a legitimate message is delivered with an accept X-BEC-Verdict header;
#   - a BEC message from the dev corpus is refused with 550 5.7.1 (worked example config);
#   - a forged inbound X-BEC-Verdict does not survive delivery;
#   - with a config overlay (reject -> quarantine) the same BEC message lands in the hold queue;
#   - the quarantine store (SQLite under the test's own state_dir, owned by the milter's user) has it,
#     held, with its Postfix queue id; every message of the corpus run held by Postfix is in the store;
#   - a real headless Chromium logs in to `bec-milter web` (run as root on 127.0.0.1, so `postsuper -H`
#     works) on that same store, finds the message, reads the explanation and clicks Release; Postfix
#     then delivers its held copy, once, with the body as received; the store says released and the
#     audit trail names the analyst (browser tools installed by browser.sh --install-only if missing);
#   - `bec-milter quarantine delete` on a second held message removes it from the hold queue, and the
#     store says deleted;
#   - with the store unwritable, a message that would be held gets a 4xx at end of data (the default
#     quarantine.on_store_error: tempfail): nothing is held, delivered or stored; other mail still flows;
#   - with the milter stopped Postfix tempfails (milter_default_action) and nothing is lost: the
#     retry after a restart is delivered; the store root's web UI and CLI wrote to is still the milter's;
#   - every message of ../shared/corpus/dev goes through Postfix; counts per label are printed
#     (skipped with a message when ../shared is absent).
# Idempotent; restores Postfix's configuration and removes what it created. Environment:
#   BEC_MILTER=path/to/bec-milter  use this binary (default: build with swift build)
#   BEC_KEEP=1                     leave everything in place for inspection
#   BEC_CORPUS=DIR                 the dev corpus (default ../shared/corpus/dev)
#   BEC_SCREENSHOTS=DIR            save the browser's pages as PNGs there
# Exits non-zero on any failure; the last line is "N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/Tests/Integration"
CORPUS=${BEC_CORPUS:-"$ROOT/../shared/corpus/dev"}
T=/opt/bec-milter-test
BACKUP=/var/tmp/bec-milter-postfix-test.backup
SOCKDIR=/var/spool/postfix/bec-milter
MAILLOG=/var/log/bec-milter-test-postfix.log
MLOG=$T/milter.log
PASS=0
FAIL=0

log() { printf '%s\n' "-- $*"; }
pass() { printf 'PASS %s\n' "$*"; PASS=$((PASS + 1)); }
fail() { printf 'FAIL %s\n' "$*"; FAIL=$((FAIL + 1)); }
# check NAME COMMAND...: passes when the command exits 0; shows its output.
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name"; fi
    [ -n "$out" ] && printf '     %s\n' "${out//$'\n'/$'\n'     }"
    return 0
}
# check_out NAME COMMAND...: like check, and keeps the command's output in $OUT.
OUT=
check_out() {
    local name=$1; shift
    if OUT=$("$@" 2>&1); then pass "$name"; else fail "$name"; fi
    [ -n "$OUT" ] && printf '     %s\n' "${OUT//$'\n'/$'\n'     }"
    return 0
}
fatal() { fail "$*"; finish; }

restore_postfix() {
    if [ -d "$BACKUP" ]; then
        cp -p "$BACKUP/main.cf" /etc/postfix/main.cf
        cp -p "$BACKUP/master.cf" /etc/postfix/master.cf
        postfix stop >/dev/null 2>&1 || true
        [ -f "$BACKUP/was-running" ] && { postfix start >/dev/null 2>&1 || true; }
        rm -rf "$BACKUP"
    fi
}

stop_web() {
    local f pid
    for f in "$T/chromedriver.pid" "$T/web.pid"; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        # Only what we started: a stale pid file (a run killed with -9) may name a reused pid.
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -qa -e bec-milter -e chromedriver "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
        rm -f "$f"
    done
}

stop_milter() {
    if [ -f "$T/milter.pid" ]; then
        local pid; pid=$(cat "$T/milter.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$T/milter.pid"
    fi
}

cleanup() {
    stop_web
    stop_milter
    [ "${1:-}" != force ] && [ "${BEC_KEEP:-0}" = 1 ] && { log "BEC_KEEP=1: leaving $T, Postfix and the test users in place"; return; }
    command -v postsuper >/dev/null && postsuper -d ALL >/dev/null 2>&1
    restore_postfix
    rm -f /etc/postfix/bec-test-virtual /etc/postfix/bec-test-virtual.db "$MAILLOG" /var/mail/bectest
    rm -rf "$SOCKDIR"
    if [ -f "$T/created-users" ]; then
        while read -r u; do userdel -r "$u" >/dev/null 2>&1 || userdel "$u" >/dev/null 2>&1 || true; done < "$T/created-users"
    fi
    rm -rf "$T"
}

finish() {
    cleanup
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && exit 0 || exit 1
}
trap 'fail "interrupted"; finish' INT TERM

[ "$(id -u)" = 0 ] || { echo "must run as root"; echo "0 passed, 1 failed"; exit 1; }

# A previous run that died half-way: put Postfix back first.
if [ -d "$BACKUP" ] || [ -d "$T" ]; then log "cleaning up after an earlier run"; cleanup force; fi
mkdir -p "$T/bin" "$T/share/bec-milter" "$T/etc"

# --- Postfix -----------------------------------------------------------------------------------
if ! command -v postfix >/dev/null || ! command -v postconf >/dev/null; then
    log "installing postfix"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string bec-test.invalid" | debconf-set-selections
    apt-get update -qq >/dev/null && apt-get install -y -qq postfix >/dev/null 2>&1 \
        || fatal "apt-get install postfix"
fi
command -v python3 >/dev/null || fatal "python3 is required"
pass "postfix installed ($(postconf -h mail_version))"

# --- bec-milter binary, models and configs, laid out as deploy/README.md installs them --------
BIN=${BEC_MILTER:-}
if [ -z "$BIN" ]; then
    log "building bec-milter"
    (cd "$ROOT" && swift build --product bec-milter >/dev/null) || fatal "swift build"
    BIN="$(cd "$ROOT" && swift build --show-bin-path)/bec-milter"
fi
[ -x "$BIN" ] || fatal "no bec-milter binary at $BIN"
cp "$BIN" "$T/bin/bec-milter"
cp -r "$ROOT/models" "$T/share/bec-milter/models"
cp -r "$ROOT/deploy/examples/calloway-freight" "$T/etc/calloway"
CONF=$T/etc/calloway/bec-milter.yaml
# State (the quarantine store's SQLite file) under $T, writable by the milter's user, not /var/lib/bec-milter.
STATE=$T/state
grep -q '^state_dir:' "$CONF" || fatal "example config has no top-level state_dir"
sed -i "s|^state_dir:.*|state_dir: $STATE|" "$CONF"
# The overlay: the same site, with rejects softened to quarantine (Postfix hold queue).
sed '/^milter:/a\  actions: {reject: quarantine}' "$CONF" > "$T/etc/calloway/hold.yaml"
HOLDCONF=$T/etc/calloway/hold.yaml
# The same overlay with the quarantine store in a directory the milter's user cannot enter.
DOWNDIR=$T/state-down
if grep -q '^quarantine:' "$HOLDCONF"; then
    sed "/^quarantine:/a\  sqlite_path: $DOWNDIR/quarantine.sqlite" "$HOLDCONF" > "$T/etc/calloway/store-down.yaml"
else
    { cat "$HOLDCONF"; printf 'quarantine:\n  sqlite_path: %s/quarantine.sqlite\n' "$DOWNDIR"; } > "$T/etc/calloway/store-down.yaml"
fi
DOWNCONF=$T/etc/calloway/store-down.yaml
chmod -R a+rX "$T"
grep -q 'unix:/var/spool/postfix/bec-milter/bec-milter.sock' "$CONF" || fatal "example config does not use the deploy socket"

for u in bec-milter bectest; do
    if ! id "$u" >/dev/null 2>&1; then
        if [ "$u" = bectest ]; then useradd -m -d "$T/home/bectest" -s /usr/sbin/nologin bectest
        else useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin bec-milter; fi
        echo "$u" >> "$T/created-users"
    fi
done
install -d -o bec-milter -g bec-milter -m 0750 "$STATE"
install -d -o root -g root -m 0000 "$DOWNDIR"
STORE_SQLITE=$STATE/quarantine.sqlite

# --- Postfix configuration for the test, plus deploy/postfix/main.cf.snippet --------------------
mkdir -p "$BACKUP"
cp -p /etc/postfix/main.cf /etc/postfix/master.cf "$BACKUP/"
postfix status >/dev/null 2>&1 && touch "$BACKUP/was-running"
cat > /etc/postfix/bec-test-virtual <<'VIRT'
if !/^bectest@localhost$/
/.*/ bectest@localhost
endif
VIRT
pc() { postconf -e "$@" || fatal "postconf $*"; }
pc "myhostname = mx.bec-test.invalid" "mydestination = \$myhostname, localhost" \
   "inet_interfaces = loopback-only" "inet_protocols = ipv4" "mynetworks = 127.0.0.0/8" \
   "smtpd_authorized_xclient_hosts = 127.0.0.0/8" "smtpd_peername_lookup = no" \
   "relay_domains = static:ALL" "smtpd_relay_restrictions = reject_unauth_destination" "smtpd_recipient_restrictions =" \
   "virtual_alias_maps = regexp:/etc/postfix/bec-test-virtual" "virtual_alias_domains =" \
   "mailbox_command =" "home_mailbox =" "mailbox_size_limit = 0" "default_transport = discard" \
   "maillog_file = $MAILLOG" "smtputf8_enable = yes" "compatibility_level = 3.6"
grep -Eq '^postlog[[:space:]]' /etc/postfix/master.cf || postconf -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
log "applying deploy/postfix/main.cf.snippet"
grep -E '^[a-z_]+[[:space:]]*=' "$ROOT/deploy/postfix/main.cf.snippet" | while IFS= read -r line; do postconf -e "$line"; done
[ "$(postconf -h smtpd_milters)" = "unix:bec-milter/bec-milter.sock" ] && [ "$(postconf -h milter_default_action)" = tempfail ] \
    && pass "main.cf carries the deploy snippet" || fail "main.cf carries the deploy snippet"
newaliases >/dev/null 2>&1 || true
[ -x /usr/lib/postfix/configure-instance.sh ] && /usr/lib/postfix/configure-instance.sh >/dev/null 2>&1
postfix check >/dev/null 2>&1 || fatal "postfix check: $(postfix check 2>&1 | head -3)"
postfix stop >/dev/null 2>&1
postfix start >/dev/null 2>&1 || fatal "postfix start: $(tail -3 "$MAILLOG")"
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && break; sleep 0.2; done
python3 - <<'PY' && pass "postfix answers EHLO on 127.0.0.1:25" || fatal "postfix smtpd does not answer: $(tail -3 "$MAILLOG")"
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", 25, timeout=10)
sys.exit(0 if s.ehlo("probe.invalid")[0] == 250 and s.has_extn("xclient") else 1)
PY

# --- the milter, as the systemd unit runs it: own user, setgid socket directory ---------------
start_milter() {
    local conf=$1
    install -d -o bec-milter -g postfix -m 2750 "$SOCKDIR"
    ( umask 0007; exec setpriv --reuid=bec-milter --regid=bec-milter --init-groups -- \
        "$T/bin/bec-milter" run --config "$conf" >>"$MLOG" 2>&1 ) &
    echo $! > "$T/milter.pid"
    for _ in $(seq 1 100); do [ -S "$SOCKDIR/bec-milter.sock" ] && return 0; sleep 0.1; done
    return 1
}
start_milter "$CONF" || fatal "milter did not start: $(tail -5 "$MLOG")"
pass "milter started as user bec-milter"
check "socket is bec-milter:postfix 0660 inside the chroot" \
    test "$(stat -c '%U:%G %a' "$SOCKDIR/bec-milter.sock")" = "bec-milter:postfix 660"

H="python3 $HERE/postfix_helper.py"
read -r HAM BEC < <($H pick "$CORPUS" "$T/bin/bec-milter" "$CONF" "$T")
log "legitimate message: $HAM"
log "BEC message:        $BEC"

check "legitimate message is delivered with an accept verdict header" $H deliver "$HAM"
check "BEC message is rejected with 550 5.7.1 at SMTP" $H reject "$BEC"
check "forged inbound X-BEC-Verdict does not survive delivery" $H forged "$HAM"
check "milter logged the queue id and a JSON verdict line" \
    bash -c "grep -q 'milter.queue_id=' '$MLOG' && grep -q '\"event\":\"bec.verdict\"' '$MLOG'"
check "the milter opened the quarantine store $STORE_SQLITE as user bec-milter" \
    bash -c "test \"\$(stat -c %U '$STORE_SQLITE')\" = bec-milter && ! grep -q 'unavailable at start-up' '$MLOG'"

if [ -d "$CORPUS" ]; then
    check "all of ../shared/corpus/dev through real Postfix" \
        env BEC_CORPUS_SUMMARY="$T/corpus-summary.json" $H corpus "$CORPUS" "$T/bin/bec-milter" "$CONF"
    check "every message of the corpus run in the hold queue is in the quarantine store, held" \
        $H storeheld "$T/bin/bec-milter" "$CONF"
    postsuper -d ALL hold >/dev/null 2>&1
else
    log "SKIP corpus run: $CORPUS not found (../shared is absent)"
fi

log "restarting the milter with the overlay (reject -> quarantine) on an empty quarantine store"
stop_milter
rm -f "$STORE_SQLITE" "$STORE_SQLITE-wal" "$STORE_SQLITE-shm"
start_milter "$HOLDCONF" || fatal "milter did not restart"
# "ok: QUEUEID is in queue 'hold' ..." -> QUEUEID
held_qid() { sed -n "s/^ok: \([0-9A-Za-z]*\) is in queue 'hold'.*/\1/p" <<<"$1"; }
check_out "quarantined message lands in the hold queue (postqueue -j)" $H hold "$BEC"
QID1=$(held_qid "$OUT")

# --- the quarantine store and the analysts' web UI on it (issue 5) ------------------------------
BINQ="$T/bin/bec-milter"
REC1=
if [ -n "$QID1" ]; then
    check_out "the store has exactly that message: held, with Postfix queue id $QID1" \
        $H store "$BINQ" "$HOLDCONF" "$QID1" held --only --audit milter:quarantine
    case "$OUT" in "ok: "*) REC1=$(awk 'NR==1 {print $2}' <<<"$OUT") ;; esac
    check "quarantine show --raw gives the message the milter stored (its Message-ID and body)" python3 - "$BINQ" "$HOLDCONF" "$REC1" "$BEC" <<'PY'
import email, subprocess, sys
binary, conf, rid, path = sys.argv[1:]
stored = subprocess.run([binary, "quarantine", "show", "--config", conf, "--raw", rid], capture_output=True, check=True).stdout
orig = open(path, "rb").read()
body = lambda b: b.replace(b"\r\n", b"\n").split(b"\n\n", 1)[-1].rstrip(b"\n")
mid = lambda b: (email.message_from_bytes(b).get("Message-ID") or "").strip()
print(f"{len(stored)} bytes stored; Message-ID {mid(stored)!r}; body as sent: {body(stored) == body(orig)}")
sys.exit(0 if mid(stored) == mid(orig) and body(stored) == body(orig) else 1)
PY
else
    fail "no queue id for the held message; skipping the store and browser checks"
fi

if [ -n "$REC1" ]; then
    log "browser tooling (chromium, chromium-driver, selenium), as browser.sh installs it"
    if bash "$HERE/browser.sh" --install-only >"$T/browser-install.log" 2>&1; then
        pass "browser tooling present (chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
        WEBPW=$T/analyst.pw
        ( umask 077; printf '%s\n' "analyst test password $$" > "$WEBPW" )
        check "bec-milter users add analyst (same store)" \
            "$BINQ" users add ana --role analyst --config "$HOLDCONF" --password-file "$WEBPW"
        PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        WEBURL=http://127.0.0.1:$PORT
        log "starting bec-milter web on $WEBURL as root (postsuper -H needs root)"
        "$BINQ" web --config "$HOLDCONF" --listen "127.0.0.1:$PORT" --insecure-cookies >>"$T/web.log" 2>&1 &
        echo $! > "$T/web.pid"
        up=0
        for _ in $(seq 1 100); do
            python3 -c "import urllib.request, sys; urllib.request.urlopen('$WEBURL/health', timeout=1)" 2>/dev/null && { up=1; break; }
            kill -0 "$(cat "$T/web.pid")" 2>/dev/null || break
            sleep 0.2
        done
        if [ "$up" = 1 ]; then
            pass "bec-milter web answers on $WEBURL/health"
            log "headless Chromium: log in, find the held message, read the explanation, release"
            bout=$(timeout --foreground 240 python3 "$HERE/postfix_browser.py" --base "$WEBURL" --user ana --password-file "$WEBPW" \
                --id "$REC1" --binary "$BINQ" --config "$HOLDCONF" --driver-pid-file "$T/chromedriver.pid" \
                ${BEC_SCREENSHOTS:+--screenshots "$BEC_SCREENSHOTS"} 2>"$T/browser.err"); brc=$?
            while IFS= read -r line; do
                case "$line" in
                    "PASS "*) pass "browser: ${line#PASS }" ;;
                    "FAIL "*) fail "browser: ${line#FAIL }" ;;
                    *) [ -n "$line" ] && printf '     %s\n' "$line" ;;
                esac
            done <<<"$bout"
            if [ "$brc" != 0 ] && ! grep -q '^FAIL ' <<<"$bout"; then
                fail "browser script exited $brc: $(tail -5 "$T/browser.err")"
            fi
            check "Postfix delivers the released message once, from its hold-queue copy, body as received" \
                $H released "$QID1" "$BEC"
            check "the store says released, with the analyst's release (postsuper -H, postqueue -i) in the audit trail" \
                $H store "$BINQ" "$HOLDCONF" "$QID1" released --only --audit "milter:quarantine,ana:release,ana:release_done" \
                --detail "delivery scheduled now (postqueue -i)"
        else
            fail "bec-milter web did not answer on $WEBURL: $(tail -5 "$T/web.log")"
        fi
        stop_web
    else
        fail "browser tooling could not be installed: $(tail -5 "$T/browser-install.log")"
    fi
fi

log "a second held message, deleted with bec-milter quarantine delete"
check_out "second quarantined message lands in the hold queue" $H hold "$BEC"
QID2=$(held_qid "$OUT")
if [ -n "$QID2" ]; then
    check_out "the store has it, held, with queue id $QID2" $H store "$BINQ" "$HOLDCONF" "$QID2" held
    REC2=
    case "$OUT" in "ok: "*) REC2=$(awk 'NR==1 {print $2}' <<<"$OUT") ;; esac
    check "bec-milter quarantine delete $REC2" "$BINQ" quarantine delete --config "$HOLDCONF" "$REC2"
    check "the deleted message is gone from Postfix (postqueue -j) and was not delivered" $H gone "$QID2" "$BEC"
    check "the store says deleted, with the delete in the audit trail" \
        $H store "$BINQ" "$HOLDCONF" "$QID2" deleted --audit 'milter:quarantine,cli:\S+:delete,cli:\S+:delete_done'
else
    fail "no queue id for the second held message"
fi

log "the quarantine store unwritable: restarting the milter with sqlite_path in a directory it cannot enter"
stop_milter
SINCE=$(( $(wc -l < "$MLOG") + 1 ))   # the milter log from here on
start_milter "$DOWNCONF" || fatal "milter did not restart with the store-down overlay"
check "the milter reports the store unavailable at start-up" bash -c "tail -n +$SINCE '$MLOG' | grep 'unavailable at start-up'"
check "a message that would be held gets 4xx at end of data (on_store_error: tempfail), nothing held or delivered" \
    $H storefail "$BEC"
check "the milter logged the store error and applied tempfail" \
    bash -c "tail -n +$SINCE '$MLOG' | grep -o 'store_error: quarantine store failed.*applying tempfail[^;]*'"
check "nothing was written to the unwritable store" bash -c "test -z \"\$(ls -A '$DOWNDIR')\""
check "mail that is not held still flows with the store down" $H deliver "$HAM"

log "stopping the milter"
stop_milter
check "milter removed its socket on SIGTERM" test ! -e "$SOCKDIR/bec-milter.sock"
check "with the milter stopped Postfix tempfails and queues nothing" $H tempfail "$HAM"
SINCE=$(( $(wc -l < "$MLOG") + 1 ))
start_milter "$CONF" || fatal "milter did not restart"
check "after the restart the retried message is delivered (nothing lost)" $H deliver "$HAM"
check "the store is still the milter's after root's web UI and CLI wrote to it (owner bec-milter, opened at restart)" \
    bash -c "test -z \"\$(find '$STATE' ! -user bec-milter)\" && ! tail -n +$SINCE '$MLOG' | grep 'unavailable at start-up'"

finish

#!/usr/bin/env bash
# Integration test: sender history (issue 8) through a real Postfix on loopback.
#
#   sudo BEC_MILTER=path/to/bec-milter bash Tests/Integration/history_postfix_test.sh
#
# Postfix as postfix_test.sh sets it up (loopback only, XCLIENT from 127.0.0.1, every recipient
# delivered to one local mailbox, so mail "to" outside addresses goes nowhere), with the deploy
# snippet's smtpd_milters -> bec-milter (worked example config, SQLite history, warmup_days: 0),
# plus a second smtpd on 127.0.0.1:10587 with -o milter_macro_daemon_name=ORIGINATING: our
# submission service. Checks:
#   - before anything is learned, a message from the future correspondent is FIRST_CONTACT_DOMAIN;
#   - an outbound message through the submission port (client address outside internal_networks,
#     no SASL: only the daemon name makes it outbound) is delivered and teaches its recipient;
#   - the correspondent's reply through the MX (In-Reply-To the outbound Message-ID) is delivered
#     with X-BEC-Findings free of FIRST_CONTACT, FIRST_CONTACT_DOMAIN and REPLY_TO_UNSEEN_THREAD;
#   - a lookalike sender's message is delivered with FIRST_CONTACT_DOMAIN;
#   - outbound mail from the submission service is not tagged (no subject prefix on outgoing mail);
#   - the same outbound message through port 25 (not our submission service) teaches nothing.
# Restores Postfix's configuration and removes what it created. BEC_KEEP=1 leaves it all in place.
# Exits non-zero on any failure; the last line is "N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/Tests/Integration"
T=/opt/bec-milter-history-test
BACKUP=/var/tmp/bec-milter-history-postfix-test.backup
OTHER_BACKUP=/var/tmp/bec-milter-postfix-test.backup   # postfix_test.sh's
SOCKDIR=/var/spool/postfix/bec-milter
MAILLOG=/var/log/bec-milter-history-test-postfix.log
VIRTUAL=/etc/postfix/bec-history-test-virtual
SUBMISSION=127.0.0.1:10587
MLOG=$T/milter.log
PASS=0
FAIL=0
STARTED=$(date +%s)

log() { printf '%s\n' "-- $*"; }
pass() { printf 'PASS %s\n' "$*"; PASS=$((PASS + 1)); }
fail() { printf 'FAIL %s\n' "$*"; FAIL=$((FAIL + 1)); }
check() {
    local name=$1; shift
    local out
    if out=$("$@" 2>&1); then pass "$name"; else fail "$name"; fi
    [ -n "$out" ] && printf '     %s\n' "${out//$'\n'/$'\n'     }"
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
    stop_milter
    [ "${1:-}" != force ] && [ "${BEC_KEEP:-0}" = 1 ] && { log "BEC_KEEP=1: leaving $T, Postfix and the test users in place"; return; }
    command -v postsuper >/dev/null && postsuper -d ALL >/dev/null 2>&1
    restore_postfix
    rm -f "$VIRTUAL" "$VIRTUAL.db" "$MAILLOG" /var/mail/bectest
    rm -rf "$SOCKDIR"
    if [ -f "$T/created-users" ]; then
        while read -r u; do userdel -r "$u" >/dev/null 2>&1 || userdel "$u" >/dev/null 2>&1 || true; done < "$T/created-users"
    fi
    rm -rf "$T"
}

finish() {
    [ "$FAIL" -gt 0 ] && [ -f "$MLOG" ] && { log "milter log (last 30 lines)"; tail -30 "$MLOG" | sed 's/^/     /'; }
    cleanup
    echo "$PASS passed, $FAIL failed ($(( $(date +%s) - STARTED )) s)"
    [ "$FAIL" -eq 0 ] && exit 0 || exit 1
}
trap 'fail "interrupted"; finish' INT TERM

[ "$(id -u)" = 0 ] || { echo "must run as root"; echo "0 passed, 1 failed"; exit 1; }
[ -d "$OTHER_BACKUP" ] && { echo "postfix_test.sh is running (or died; it cleans up on its next run): $OTHER_BACKUP exists"; echo "0 passed, 1 failed"; exit 1; }

if [ -d "$BACKUP" ] || [ -d "$T" ]; then log "cleaning up after an earlier run"; cleanup force; fi
mkdir -p "$T/bin" "$T/share/bec-milter" "$T/etc"

# --- Postfix ---------------------------------------------------------------------------------
if ! command -v postfix >/dev/null || ! command -v postconf >/dev/null; then
    log "installing postfix"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    echo "postfix postfix/mailname string bec-test.invalid" | debconf-set-selections
    apt-get update -qq >/dev/null && apt-get install -y -qq postfix >/dev/null 2>&1 || fatal "apt-get install postfix"
fi
pass "postfix installed ($(postconf -h mail_version))"

# --- bec-milter, laid out as deploy/README.md installs it; history in SQLite under $T ----------
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
STATE=$T/state
grep -q '^state_dir:' "$CONF" || fatal "example config has no top-level state_dir"
grep -q '^history:' "$CONF" && fatal "example config already has a history: section (update this test)"
sed -i "s|^state_dir:.*|state_dir: $STATE|" "$CONF"
printf '\nhistory:\n  store: sqlite\n  warmup_days: 0\n  outbound_daemon_names: [ORIGINATING]\n' >> "$CONF"
grep -q 'unix:/var/spool/postfix/bec-milter/bec-milter.sock' "$CONF" || fatal "example config does not use the deploy socket"
chmod -R a+rX "$T"
for u in bec-milter bectest; do
    if ! id "$u" >/dev/null 2>&1; then
        if [ "$u" = bectest ]; then useradd -m -d "$T/home/bectest" -s /usr/sbin/nologin bectest
        else useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin bec-milter; fi
        echo "$u" >> "$T/created-users"
    fi
done
install -d -o bec-milter -g bec-milter -m 0750 "$STATE"

# --- Postfix configuration: postfix_test.sh's, plus our submission service ---------------------
mkdir -p "$BACKUP"
cp -p /etc/postfix/main.cf /etc/postfix/master.cf "$BACKUP/"
postfix status >/dev/null 2>&1 && touch "$BACKUP/was-running"
cat > "$VIRTUAL" <<'VIRT'
if !/^bectest@localhost$/
/.*/ bectest@localhost
endif
VIRT
pc() { postconf -e "$@" || fatal "postconf $*"; }
pc "myhostname = mx.bec-test.invalid" "mydestination = \$myhostname, localhost" \
   "inet_interfaces = loopback-only" "inet_protocols = ipv4" "mynetworks = 127.0.0.0/8" \
   "smtpd_authorized_xclient_hosts = 127.0.0.0/8" "smtpd_peername_lookup = no" \
   "relay_domains = static:ALL" "smtpd_relay_restrictions = reject_unauth_destination" "smtpd_recipient_restrictions =" \
   "virtual_alias_maps = regexp:$VIRTUAL" "virtual_alias_domains =" \
   "mailbox_command =" "home_mailbox =" "mailbox_size_limit = 0" "default_transport = discard" \
   "maillog_file = $MAILLOG" "smtputf8_enable = yes" "compatibility_level = 3.6"
grep -Eq '^postlog[[:space:]]' /etc/postfix/master.cf || postconf -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
grep -E '^[a-z_]+[[:space:]]*=' "$ROOT/deploy/postfix/main.cf.snippet" | while IFS= read -r line; do postconf -e "$line"; done
# Our submission service: the Postfix idiom that marks outbound mail for milters.
postconf -M "$SUBMISSION/inet=$SUBMISSION inet n - n - - smtpd" || fatal "postconf -M submission"
postconf -P "$SUBMISSION/inet/milter_macro_daemon_name=ORIGINATING" || fatal "postconf -P"
[ "$(postconf -h smtpd_milters)" = "unix:bec-milter/bec-milter.sock" ] && [ "$(postconf -Ph "$SUBMISSION/inet/milter_macro_daemon_name")" = ORIGINATING ] \
    && pass "main.cf carries the deploy snippet; master.cf has the ORIGINATING submission service on $SUBMISSION" \
    || fail "Postfix configuration"
newaliases >/dev/null 2>&1 || true
[ -x /usr/lib/postfix/configure-instance.sh ] && /usr/lib/postfix/configure-instance.sh >/dev/null 2>&1
postfix check >/dev/null 2>&1 || fatal "postfix check: $(postfix check 2>&1 | head -3)"
postfix stop >/dev/null 2>&1
postfix start >/dev/null 2>&1 || fatal "postfix start: $(tail -3 "$MAILLOG")"
for port in 25 "${SUBMISSION##*:}"; do
    for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.2; done
done
python3 - "${SUBMISSION##*:}" <<'PY' && pass "postfix answers EHLO on 127.0.0.1:25 and $SUBMISSION (with XCLIENT)" || fatal "postfix smtpd does not answer: $(tail -3 "$MAILLOG")"
import smtplib, sys
for port in (25, int(sys.argv[1])):
    s = smtplib.SMTP("127.0.0.1", port, timeout=10)
    if not (s.ehlo("probe.invalid")[0] == 250 and s.has_extn("xclient")):
        sys.exit(1)
    s.quit()
PY

# --- the milter, as the systemd unit runs it --------------------------------------------------
install -d -o bec-milter -g postfix -m 2750 "$SOCKDIR"
( umask 0007; exec setpriv --reuid=bec-milter --regid=bec-milter --init-groups -- \
    "$T/bin/bec-milter" run --config "$CONF" >>"$MLOG" 2>&1 ) &
echo $! > "$T/milter.pid"
for _ in $(seq 1 100); do [ -S "$SOCKDIR/bec-milter.sock" ] && break; sleep 0.1; done
[ -S "$SOCKDIR/bec-milter.sock" ] || fatal "milter did not start: $(tail -5 "$MLOG")"
# The store may be opened in the background after the socket is up.
for _ in $(seq 1 100); do grep -q 'history store sqlite.* open' "$MLOG" && break; sleep 0.1; done
check "milter started with a SQLite history store" bash -c "grep -o 'history store sqlite.* open.*' '$MLOG' | head -1"

H="python3 $HERE/history_postfix_helper.py"
B="$T/bin/bec-milter"
OURS=margaret.okafor@callowayfreight.com
PARTNER=partner@northwind-example.com
NOT_OLD=(--not FIRST_CONTACT --not FIRST_CONTACT_DOMAIN --not REPLY_TO_UNSEEN_THREAD)

check "before learning: a message from $PARTNER is delivered with FIRST_CONTACT_DOMAIN (control)" \
    $H inbound "Pat Northwind <$PARTNER>" "$PARTNER" "$OURS" pre-1@northwind-example.com --want FIRST_CONTACT_DOMAIN
check "$PARTNER is not known yet" $H known "$B" "$CONF" "$PARTNER" no 0

# Not our submission service: the same outbound-looking message through the MX teaches nothing.
check "an outbound-looking message from $OURS through port 25 (no ORIGINATING, no SASL)" \
    $H outbound 25 "$OURS" someone@mx-port-example.org m0@callowayfreight.com --any
check "... teaches nothing: someone@mx-port-example.org is not known" $H known "$B" "$CONF" someone@mx-port-example.org no 1

check "outbound message through the submission port $SUBMISSION (ORIGINATING) is accepted and delivered" \
    $H outbound "${SUBMISSION##*:}" "$OURS" "$PARTNER" m1@callowayfreight.com
check "the history store learned $PARTNER (history show)" $H known "$B" "$CONF" "$PARTNER" yes 2
check "outbound mail from the ORIGINATING service goes out as our own mail (accept, no [EXTERNAL - VERIFY] prefix)" \
    $H outbound "${SUBMISSION##*:}" "$OURS" colleague@fjordline-example.no m2@callowayfreight.com --own-mail

check "the reply from $PARTNER through the MX is delivered without FIRST_CONTACT*, REPLY_TO_UNSEEN_THREAD" \
    $H inbound "Pat Northwind <$PARTNER>" "$PARTNER" "$OURS" r1@northwind-example.com --in-reply-to m1@callowayfreight.com "${NOT_OLD[@]}"
check "a lookalike sender (northwind-examp1e.com) is delivered with FIRST_CONTACT_DOMAIN" \
    $H inbound "Pat Northwind <partner@northwind-examp1e.com>" partner@northwind-examp1e.com "$OURS" r2@northwind-examp1e.com \
    --in-reply-to m1@callowayfreight.com --want FIRST_CONTACT_DOMAIN

finish

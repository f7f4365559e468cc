#!/usr/bin/env bash
# Load, kill and reload through a real Postfix with bec-milter (issue 7).
#
#   sudo bash Tests/Integration/load_test.sh [--full] [--messages N] [--sessions N] [--binary BIN]
#
# Runs a private Postfix instance (its own config, queue and data directories under $T, listening on
# 127.0.0.1:2525, the deploy/postfix/main.cf.snippet applied, milter_default_action = tempfail), so it
# never touches the system Postfix that postfix_test.sh configures. bec-milter runs as the test's own
# user bec-load (which also receives the mail) under a small supervisor (restart one second after it dies) with the worked example config. load_test.py then sends
# N messages (default 2,000; --full: 20,000), a mix of ../shared/corpus/dev and public, over 200
# concurrent SMTP sessions, and during the run:
#   - SIGHUP with a changed site rule file: the next probe message gets the new verdict;
#   - SIGHUP with a broken rule file: refused with file:line in the log, the rules in force stay;
#   - SIGKILL of the milter: the supervisor restarts it; meanwhile Postfix tempfails (nothing accepted
#     unscanned);
# and classifies every message sent as exactly one of delivered-with-verdict, held, rejected 5xx or
# tempfailed 4xx; tempfailed messages are sent once more after the run (the client's retry) and must
# end in one of the other three. The milter's RSS is sampled every second. Prints the counts; exits
# non-zero when a message is lost, delivered without a verdict, or a check fails.
# Environment: BEC_KEEP=1 leaves everything in place; BEC_CORPUS_ROOT (default ../shared/corpus).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/Tests/Integration"
CORPUS_ROOT=${BEC_CORPUS_ROOT:-"$ROOT/../shared/corpus"}
T=/opt/bec-milter-load
PCONF=$T/postfix-etc
SPOOL=$T/spool
PORT=2525
MESSAGES=2000
SESSIONS=200
BIN=
while [ $# -gt 0 ]; do
    case $1 in
        --full) MESSAGES=20000 ;;
        --messages) MESSAGES=$2; shift ;;
        --sessions) SESSIONS=$2; shift ;;
        --binary) BIN=$2; shift ;;
        *) echo "unknown option $1"; exit 2 ;;
    esac
    shift
done

log() { printf -- '-- %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "must run as root"; exit 1; }
[ -d "$CORPUS_ROOT/dev" ] || { echo "SKIP: $CORPUS_ROOT/dev not found (../shared is absent)"; exit 0; }

cleanup() {
    [ -f "$T/supervisor.pid" ] && kill -TERM "$(cat "$T/supervisor.pid")" 2>/dev/null
    touch "$T/stop" 2>/dev/null
    if [ -f "$T/milter.pid" ]; then
        pid=$(cat "$T/milter.pid")
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
    fi
    [ -d "$PCONF" ] && postfix -c "$PCONF" stop >/dev/null 2>&1
    [ "${BEC_KEEP:-0}" = 1 ] && { log "BEC_KEEP=1: leaving $T in place"; return; }
    id bec-load >/dev/null 2>&1 && [ -f "$T/created-user" ] && userdel bec-load >/dev/null 2>&1
    rm -rf "$T"
}
trap 'cleanup; exit 1' INT TERM

# A previous run that died half-way.
[ -d "$T" ] && { log "cleaning up after an earlier run"; BEC_KEEP=0 cleanup; }
mkdir -p "$T/bin" "$T/share/bec-milter" "$T/etc" "$PCONF" "$SPOOL" "$T/home"
install -d -o postfix -g postfix -m 0700 "$T/data"

if ! command -v postfix >/dev/null; then
    log "installing postfix"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
    apt-get update -qq >/dev/null && apt-get install -y -qq postfix >/dev/null 2>&1 || { echo "apt-get install postfix failed"; exit 1; }
fi
if [ -z "$BIN" ]; then
    (cd "$ROOT" && swift build -c release --product bec-milter >/dev/null) || { echo "swift build failed"; exit 1; }
    BIN="$ROOT/.build/release/bec-milter"
fi
cp "$BIN" "$T/bin/bec-milter"
cp -r "$ROOT/models" "$T/share/bec-milter/models"
cp -r "$ROOT/deploy/examples/calloway-freight" "$T/etc/calloway"
CONF=$T/etc/calloway/bec-milter.yaml
sed -i "s|^state_dir:.*|state_dir: $T/state|" "$CONF"
if ! id bec-load >/dev/null 2>&1; then
    useradd --system -M -d "$T/home/bec-load" -s /usr/sbin/nologin bec-load && touch "$T/created-user"
fi
install -d -o bec-load -m 0700 "$T/home/bec-load"
install -d -o bec-load -g bec-load -m 0750 "$T/state"
# The milter rewrites nothing here, but it must read the rule file the test changes.
chmod -R a+rX "$T"

# --- a private Postfix instance ---------------------------------------------------------------
cp /etc/postfix/master.cf "$PCONF/master.cf"
cat > "$PCONF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $SPOOL
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bec-load.invalid
mydestination = \$myhostname, localhost
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_peername_lookup = no
relay_domains = static:ALL
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
virtual_alias_maps = static:bec-load@localhost
virtual_alias_domains =
alias_maps =
alias_database =
home_mailbox = Maildir/
mailbox_command =
default_transport = discard
local_destination_concurrency_limit = 20
maillog_file = $T/maillog
maillog_file_prefixes = $T
enable_long_queue_ids = yes
smtputf8_enable = yes
message_size_limit = 20480000
default_process_limit = $((SESSIONS + 50))
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
EOF
# Loopback port $PORT instead of 25; nothing chrooted (no chroot to populate).
postconf -c "$PCONF" -MX smtp/inet
postconf -c "$PCONF" -M "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd"
grep -Eq '^postlog[[:space:]]' "$PCONF/master.cf" || postconf -c "$PCONF" -M "postlog/unix-dgram=postlog unix-dgram n - n - 1 postlogd"
postconf -c "$PCONF" -F '*/*/chroot = n'
grep -E '^[a-z_]+[[:space:]]*=' "$ROOT/deploy/postfix/main.cf.snippet" | while IFS= read -r line; do postconf -c "$PCONF" -e "$line"; done
[ "$(postconf -c "$PCONF" -h milter_default_action)" = tempfail ] || { echo "snippet not applied"; cleanup; exit 1; }
postfix -c "$PCONF" check >/dev/null 2>&1 || postfix -c "$PCONF" set-permissions >/dev/null 2>&1
# script(1): postfix reports start-up errors on a terminal only (there is no syslog socket here).
script -qec "postfix -c $PCONF start" /dev/null >"$T/postfix-start.log" 2>&1 \
    || { echo "postfix start failed: $(tail -3 "$T/postfix-start.log")"; cleanup; exit 1; }
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
log "private Postfix $(postconf -h mail_version) on 127.0.0.1:$PORT, queue $SPOOL, milter_default_action tempfail"

# --- the milter under a supervisor: restarted one second after it exits ------------------------
SOCKDIR=$SPOOL/bec-milter
sed -i "s|^  socket:.*|  socket: unix:$SOCKDIR/bec-milter.sock|" "$CONF"
install -d -o bec-load -g postfix -m 2750 "$SOCKDIR"
MLOG=$T/milter.log
(
    trap 'exit 0' TERM
    while [ ! -f "$T/stop" ]; do
        ( umask 0007; exec setpriv --reuid=bec-load --regid=bec-load --init-groups -- \
            "$T/bin/bec-milter" run --config "$CONF" >>"$MLOG" 2>&1 ) &
        echo $! > "$T/milter.pid"
        echo "supervisor: started $! at $(date +%s.%N)" >> "$T/supervisor.log"
        wait $!
        echo "supervisor: $(cat "$T/milter.pid") exited ($?) at $(date +%s.%N)" >> "$T/supervisor.log"
        [ -f "$T/stop" ] || sleep 1
    done
) &
echo $! > "$T/supervisor.pid"
for _ in $(seq 1 100); do [ -S "$SOCKDIR/bec-milter.sock" ] && break; sleep 0.1; done
[ -S "$SOCKDIR/bec-milter.sock" ] || { echo "milter did not start: $(tail -5 "$MLOG")"; cleanup; exit 1; }
log "bec-milter pid $(cat "$T/milter.pid") under the supervisor; socket $SOCKDIR/bec-milter.sock"

python3 "$HERE/load_test.py" --port "$PORT" --messages "$MESSAGES" --sessions "$SESSIONS" \
    --corpus-root "$CORPUS_ROOT" --postfix-config "$PCONF" --maildir "$T/home/bec-load/Maildir" --maillog "$T/maillog" \
    --milter-pid-file "$T/milter.pid" --milter-log "$MLOG" --socket "$SOCKDIR/bec-milter.sock" \
    --rules "$T/etc/calloway/rules/calloway.yaml" --binary "$T/bin/bec-milter" --config "$CONF" \
    --summary "${BEC_LOAD_SUMMARY:-/dev/null}"
rc=$?
cleanup
exit $rc

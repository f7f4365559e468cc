#!/usr/bin/env bash
# bec-milter side by side with its peers, measured in one run so the ratios hold on a noisy machine.
#
#   sudo bash Tests/Benchmarks/side-by-side.sh
#
# Installs from Debian what it needs (rspamd, spamassassin + spamd + spamc, postfix), builds the release binary
# if BEC_MILTER is not set, and measures on one fixed selection of 1,000 messages of ../shared/corpus/public:
#   1. pipeline: `bec-milter bench pipeline` (one thread, messages per CPU-second) vs Rspamd (rspamc -> one normal worker, network
#      checks off: no DNS, RBL, SURBL, fuzzy, SPF/DKIM/DMARC lookups, Redis) vs SpamAssassin (spamc -> spamd
#      --local, one child). Per core = messages / CPU seconds the scanner's processes used;
#   2. Postfix end to end: smtp-source -> Postfix -> smtp-sink, the same 1,000 messages (one session per
#      message, SESSIONS at a time) with no milter, bec-milter on a unix socket, on an inet socket, and
#      Rspamd's milter proxy (self_scan). Median of ROUNDS interleaved rounds; ratio to no milter;
#   3. bec-milter resident memory: idle after start, and with 100 milter connections held mid-message
#      (`bec-milter bench milter --hold`); also `bench milter` throughput over the unix socket;
#   4. time per message against size (1 KB .. 10 MB, text and HTML) and hostile structure (many parts,
#      deep nesting, huge header block, one 10 MB line); plus p99.9 over ../shared/corpus/robustness.
#
# The selection: the 1,000 paths of ../shared/corpus/public/labels.tsv whose SHA-256 (of the path as
# written there) sorts lowest; list in $W/selection.txt. Deterministic and spread over every subset.
#
# Everything runs in its own places: a second Postfix instance under $W (ports 10025/10026, config
# directory $W/postfix; the system Postfix and /etc/postfix are not touched), rspamd with
# LOCAL_CONFDIR=$W/rspamd (ports 11332-11334), spamd on 127.0.0.1:17830. Only processes it started are
# stopped, by pid. Environment:
#   BEC_MILTER=path   binary to measure (default: swift build -c release, .build/release/bec-milter)
#   BEC_CORPUS=DIR    the public corpus (default ../shared/corpus/public)
#   ROUNDS=5 SESSIONS=10 SA_MESSAGES=1000   knobs; BEC_KEEP=1 leaves $W in place
# Prints one summary table and, last, `pipeline_vs_rspamd=<ratio> postfix_ratio=<ratio>`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PUB=${BEC_CORPUS:-"$ROOT/../shared/corpus/public"}
ROBUST="$ROOT/../shared/corpus/robustness"
W=/opt/bec-milter-bench
ROUNDS=${ROUNDS:-5}
SESSIONS=${SESSIONS:-10}
SA_MESSAGES=${SA_MESSAGES:-1000}
CONF_SRC="$ROOT/deploy/examples/calloway-freight"
PF=$W/postfix
HZ=$(getconf CLK_TCK)

log() { printf -- '-- %s\n' "$*" >&2; }
die() { printf 'side-by-side: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root (installs packages, runs Postfix)"
[ -f "$PUB/labels.tsv" ] || die "no corpus at $PUB"

# ---------------------------------------------------------------- set-up
install_deps() {
    local need=()
    command -v rspamd >/dev/null || need+=(rspamd)
    command -v spamassassin >/dev/null || need+=(spamassassin)
    command -v spamd >/dev/null || need+=(spamd)
    command -v spamc >/dev/null || need+=(spamc)
    command -v smtp-source >/dev/null || need+=(postfix)
    [ ${#need[@]} -eq 0 ] && return
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

# Stops a process we started, by the pid we recorded.
stop_pid() {
    local f=$1 pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cleanup() {
    set +e
    [ -d "$PF" ] && postfix -c "$PF" stop >/dev/null 2>&1
    for f in "$W"/run/*.pid; do [ -e "$f" ] && stop_pid "$f"; done
    [ "${BEC_KEEP:-0}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT

install_deps
BIN=${BEC_MILTER:-}
if [ -z "$BIN" ]; then
    log "building (swift build -c release)"
    (cd "$ROOT" && swift build -c release >/dev/null)
    BIN="$ROOT/.build/release/bec-milter"
fi
[ -x "$BIN" ] || die "no binary at $BIN"

cleanup
mkdir -p "$W"/{run,sel,gen,state,conf}
chmod 755 "$W" "$W/run"

# The fixed selection.
python3 - "$PUB" "$W" <<'EOF'
import hashlib, os, shutil, sys
pub, w = sys.argv[1:]
rows = [l.split("\t")[0] for l in open(os.path.join(pub, "labels.tsv")).read().splitlines()[1:] if l.strip()]
rows = [r for r in rows if os.path.isfile(os.path.join(pub, r))]
chosen = sorted(sorted(rows, key=lambda p: hashlib.sha256(p.encode()).hexdigest())[:1000])
with open(os.path.join(w, "selection.txt"), "w") as f:
    f.write("\n".join(chosen) + "\n")
for i, p in enumerate(chosen):
    shutil.copyfile(os.path.join(pub, p), os.path.join(w, "sel", "%04d.eml" % i))
EOF
SEL=$W/sel
NMSG=$(ls "$SEL" | wc -l)
SELBYTES=$(cat "$SEL"/* | wc -c)
log "selection: $NMSG messages, $SELBYTES bytes (sha256 of the selection list: $(sha256sum < "$W/selection.txt" | cut -c1-16))"

# bec-milter config: the worked example, socket and state under $W.
cp -a "$CONF_SRC"/. "$W/conf/"
sed -i -e "s#^  socket: .*#  socket: unix:$W/run/bec-milter.sock\n  socket_mode: \"0666\"#" \
       -e "s#^state_dir: .*#state_dir: $W/state#" "$W/conf/bec-milter.yaml"
CONF=$W/conf/bec-milter.yaml
"$BIN" rules lint "$CONF" >/dev/null || die "bench config does not lint"

# CPU ticks (user + system, with reaped children) of a process and its children.
tree_ticks() {
    local main=$1 total=0 p
    for p in $main $(pgrep -P "$main" || true); do
        [ -r "/proc/$p/stat" ] || continue
        total=$((total + $(awk '{print $14+$15+$16+$17}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    done
    echo $total
}
now() { date +%s.%N; }
calc() { python3 -c "print($*)"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# ---------------------------------------------------------------- 1. pipeline
log "1. bec-milter bench pipeline"
"$BIN" bench pipeline --config "$CONF" --threads 1 --passes 5 --json "$SEL" > "$W/bec-pipeline.json"
BEC_MSGS=$(json 'd["single"]["messages_per_cpu_second"]' < "$W/bec-pipeline.json")
BEC_WALL=$(json 'd["single"]["messages_per_second"]' < "$W/bec-pipeline.json")
BEC_P99=$(json 'd["single"]["cpu_p99_ms"]' < "$W/bec-pipeline.json")

log "1. rspamd (one normal worker, network checks off)"
R=$W/rspamd
mkdir -p "$R"/{local.d,override.d,db,run,log}
chown -R _rspamd:_rspamd "$R"
cat > "$R/local.d/options.inc" <<'EOF'
# No network: a resolver that is not there, so a lookup left on fails at once.
dns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 0; }
EOF
cat > "$R/local.d/logging.inc" <<EOF
type = "file"; filename = "$R/log/rspamd.log"; level = "error";
EOF
cat > "$R/override.d/worker-normal.inc" <<'EOF'
bind_socket = "127.0.0.1:11333"; count = 1; task_timeout = 60s;
EOF
cat > "$R/override.d/worker-controller.inc" <<'EOF'
bind_socket = "127.0.0.1:11334"; count = 1;
EOF
cat > "$R/override.d/worker-proxy.inc" <<'EOF'
bind_socket = "127.0.0.1:11332"; milter = yes; timeout = 120s; count = 1;
upstream "local" { default = yes; self_scan = yes; }
EOF
for m in rbl surbl fuzzy_check asn dkim spf dmarc arc mx_check dcc p0f whitelist rspamd_update greylist ratelimit \
         neural history_redis reputation replies url_redirector clickhouse elastic metadata_exporter antivirus \
         external_services bimi hfilter emails phishing multimap dkim_signing; do
    echo "enabled = false;" > "$R/local.d/$m.conf"
done
chown -R _rspamd:_rspamd "$R"
rspamd -u _rspamd -g _rspamd -p "$W/run/rspamd.pid" \
    --var=LOCAL_CONFDIR="$R" --var=DBDIR="$R/db" --var=RUNDIR="$R/run" --var=LOGDIR="$R/log" >/dev/null 2>&1 \
    || die "rspamd did not start (see $R/log)"
wait_port 11333 || die "rspamd not listening"
sleep 1
RSPAMD_PID=$(cat "$W/run/rspamd.pid")
rspamc -h 127.0.0.1:11333 -n 2 -t 60 $(ls -d "$SEL"/* | head -50) >/dev/null 2>&1 || true   # warm-up
t0=$(tree_ticks "$RSPAMD_PID"); s0=$(now)
rspamc -h 127.0.0.1:11333 -n 4 -t 120 "$SEL"/* > "$W/rspamc.out" 2>&1 || true
s1=$(now); t1=$(tree_ticks "$RSPAMD_PID")
RSPAMD_DONE=$(grep -c '^Action:' "$W/rspamc.out" || true)
RSPAMD_CPU=$(calc "($t1 - $t0) / $HZ")
RSPAMD_PERCORE=$(calc "$RSPAMD_DONE / max($RSPAMD_CPU, 0.01)")
RSPAMD_WALL=$(calc "$RSPAMD_DONE / ($s1 - $s0)")

log "1. SpamAssassin (spamd --local, one child)"
id debian-spamd >/dev/null 2>&1 || useradd -r -M -d /var/lib/spamassassin -s /usr/sbin/nologin debian-spamd
spamd --local -m 1 --min-spare=1 --max-spare=1 --max-conn-per-child=100000 -i 127.0.0.1 -p 17830 \
    -u debian-spamd -s "$W/spamd.log" -r "$W/run/spamd.pid" -d >/dev/null 2>&1 || die "spamd did not start"
wait_port 17830 || die "spamd not listening"
SPAMD_PID=$(cat "$W/run/spamd.pid")
for f in $(ls -d "$SEL"/* | head -5); do spamc -d 127.0.0.1 -p 17830 -c < "$f" >/dev/null 2>&1 || true; done
ls -d "$SEL"/* | head -"$SA_MESSAGES" > "$W/sa-list"
t0=$(tree_ticks "$SPAMD_PID"); s0=$(now)
xargs -P 2 -I{} sh -c 'spamc -d 127.0.0.1 -p 17830 -t 120 -c < "$1" || true' _ {} < "$W/sa-list" > "$W/spamc.out" 2>&1
s1=$(now); t1=$(tree_ticks "$SPAMD_PID")
SA_DONE=$(grep -c '/' "$W/spamc.out" || true)
SA_CPU=$(calc "($t1 - $t0) / $HZ")
SA_PERCORE=$(calc "$SA_DONE / max($SA_CPU, 0.01)")
SA_WALL=$(calc "$SA_DONE / ($s1 - $s0)")
stop_pid "$W/run/spamd.pid"

# ---------------------------------------------------------------- 3. memory, bench milter
log "3. bec-milter resident memory and bench milter"
start_milter() {  # name socket
    "$BIN" run --config "$CONF" --socket "$2" > "$W/$1.log" 2>&1 &
    echo $! > "$W/run/$1.pid"
}
start_milter bec-unix "unix:$W/run/bec-milter.sock"
start_milter bec-inet "inet:10030@127.0.0.1"
for _ in $(seq 1 300); do [ -S "$W/run/bec-milter.sock" ] && break; sleep 0.1; done
wait_port 10030 || die "bec-milter inet not listening"
chmod 666 "$W/run/bec-milter.sock"
sleep 1
BEC_PID=$(cat "$W/run/bec-unix.pid")
"$BIN" bench milter --socket "unix:$W/run/bec-milter.sock" --hold --connections 100 --hold-seconds 2 \
    --watch-pid "$BEC_PID" --json "$SEL" > "$W/hold.json"
RSS_IDLE=$(json 'd["rss_idle_kb"]/1024' < "$W/hold.json")
RSS_HELD=$(json 'd["rss_held_kb"]/1024' < "$W/hold.json")
"$BIN" bench milter --socket "unix:$W/run/bec-milter.sock" --connections 4 --messages 4000 --json "$SEL" > "$W/bm-unix.json"
"$BIN" bench milter --socket "inet:10030@127.0.0.1" --connections 4 --messages 4000 --json "$SEL" > "$W/bm-inet.json"
BM_UNIX=$(json 'd["messages_per_second"]' < "$W/bm-unix.json"); BM_UNIX_P99=$(json 'd["eom_p99_ms"]' < "$W/bm-unix.json")
BM_INET=$(json 'd["messages_per_second"]' < "$W/bm-inet.json"); BM_INET_P99=$(json 'd["eom_p99_ms"]' < "$W/bm-inet.json")
"$BIN" bench milter --socket "unix:$W/run/bec-milter.sock" --hold --connections 100 --hold-seconds 2 \
    --watch-pid "$BEC_PID" --json "$SEL" > "$W/hold2.json"
RSS_AFTER=$(json 'd["rss_idle_kb"]/1024' < "$W/hold2.json")
RSS_HELD2=$(json 'd["rss_held_kb"]/1024' < "$W/hold2.json")

# ---------------------------------------------------------------- 2. Postfix end to end
log "2. Postfix: smtp-source -> postfix ($PF) -> smtp-sink"
mkdir -p "$PF" "$W/spool" "$W/pfdata"
chown postfix "$W/pfdata"
cat > "$PF/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $W/spool
data_directory = $W/pfdata
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.bench.example
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:10026
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
smtpd_tls_security_level = none
smtp_tls_security_level = none
smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_mail_macros = i {auth_authen} {client_addr} {mail_addr}
maillog_file = $W/maillog
maillog_file_prefixes = $W
default_process_limit = 100
smtp_destination_concurrency_limit = 20
message_size_limit = 52428800
biff = no
EOF
cat > "$PF/master.cf" <<'EOF'
127.0.0.1:10025 inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
postfix -c "$PF" check >/dev/null 2>&1 || true
smtp-sink -u nobody 127.0.0.1:10026 256 > /dev/null 2>&1 &
echo $! > "$W/run/smtp-sink.pid"
postfix -c "$PF" start >/dev/null 2>&1 || die "postfix instance did not start: $(tail -3 "$W/maillog" 2>/dev/null)"
wait_port 10025 || die "postfix not listening"
wait_port 11332 || die "rspamd proxy not listening"

queue_empty() { [ -z "$(find "$W/spool/incoming" "$W/spool/active" "$W/spool/maildrop" -type f 2>/dev/null | head -1)" ]; }
# One load: every selected message in its own smtp-source session, SESSIONS at a time; done when
# smtp-source has finished and the queue is empty. Prints msg/s; counts refusals.
pf_load() {
    local label=$1 s0 s1
    s0=$(now)
    ls -d "$SEL"/* | xargs -P "$SESSIONS" -I{} smtp-source -m 1 -F {} -f sender@bench.example \
        -t user@callowayfreight.com 127.0.0.1:10025 >> "$W/smtp-source-$label.log" 2>&1 || true
    for _ in $(seq 1 6000); do queue_empty && break; sleep 0.02; done
    s1=$(now)
    calc "$NMSG / ($s1 - $s0)"
}
pf_milter() { postconf -c "$PF" -e "smtpd_milters = $1"; postfix -c "$PF" reload >/dev/null 2>&1; sleep 2; }

declare -A PFR
CONFIGS=("none|" "bec_unix|unix:$W/run/bec-milter.sock" "bec_inet|inet:127.0.0.1:10030" "rspamd_proxy|inet:127.0.0.1:11332")
pf_milter ""; pf_load warmup >/dev/null
for round in $(seq 1 "$ROUNDS"); do
    for c in "${CONFIGS[@]}"; do
        name=${c%%|*}; sock=${c#*|}
        pf_milter "$sock"
        r=$(pf_load "$name")
        PFR[$name]="${PFR[$name]:-} $r"
        log "round $round $name: $r msg/s"
    done
done
median() { python3 -c "import statistics,sys; print(statistics.median(float(x) for x in sys.argv[1:]))" $1; }
PF_NONE=$(median "${PFR[none]}"); PF_UNIX=$(median "${PFR[bec_unix]}")
PF_INET=$(median "${PFR[bec_inet]}"); PF_RSPAMD=$(median "${PFR[rspamd_proxy]}")
refusals() { grep -ciE 'error|refused|reject|5[0-9][0-9] ' "$W/smtp-source-$1.log" 2>/dev/null || true; }
postfix -c "$PF" stop >/dev/null 2>&1 || true
stop_pid "$W/run/smtp-sink.pid"
stop_pid "$W/run/rspamd.pid"
stop_pid "$W/run/bec-inet.pid"
stop_pid "$W/run/bec-unix.pid"

# ---------------------------------------------------------------- 4. size and hostile structure
log "4. time per message against size and hostile structure"
python3 - "$W/gen" <<'EOF'
import os, random, sys
out = sys.argv[1]
rnd = random.Random(6)
words = ("please process the wire transfer today invoice payment account bank details update vendor "
         "meeting schedule report quarterly review thanks regards urgent confidential").split()
def text(n):
    lines, size = [], 0
    while size < n:
        l = " ".join(rnd.choice(words) for _ in range(12))
        lines.append(l); size += len(l) + 2
    return "\r\n".join(lines)
def head(ct, extra=""):
    return ("From: Margaret Okafor <m.okafor@gmail.com>\r\nTo: ap@callowayfreight.com\r\nSubject: Quick task\r\n"
            "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <bench@x.example>\r\nMIME-Version: 1.0\r\n"
            + extra + "Content-Type: " + ct + "\r\n\r\n")
def write(name, s):
    with open(os.path.join(out, name + ".eml"), "wb") as f: f.write(s.encode())
for label, n in [("1K", 1 << 10), ("10K", 10 << 10), ("100K", 100 << 10), ("1M", 1 << 20), ("10M", 10 << 20)]:
    write("size-text-" + label, head("text/plain; charset=utf-8") + text(n - 300))
    body = text(n - 400).replace("\r\n", "</p>\r\n<p style=\"margin:0\">")
    write("size-html-" + label, head("text/html; charset=utf-8") + "<html><body><p>" + body + "</p></body></html>")
parts = "".join("--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(10000))
write("hostile-10000-parts", head('multipart/mixed; boundary="b"') + parts + "--b--\r\n")
nest = "".join('--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (i, i + 1) for i in range(1000))
write("hostile-nesting-1000", head('multipart/mixed; boundary="b0"') + nest + "--b1000\r\nContent-Type: text/plain\r\n\r\nx\r\n")
hdrs = "".join("X-Filler-%d: %s\r\n" % (i, "v" * 90) for i in range(10000))
write("hostile-10000-headers-1MB", head("text/plain", hdrs) + "body\r\n")
write("hostile-one-10MB-line", head("text/plain") + "a" * (10 << 20) + "\r\n")
enc = "".join("=?utf-8?B?SGVsbG8=?= " for _ in range(20000))
write("hostile-20000-encoded-words", head("text/plain").replace("Subject: Quick task", "Subject: " + enc) + "x\r\n")
EOF
SCALE_ROWS=""
for f in $(ls "$W/gen"); do
    size=$(stat -c %s "$W/gen/$f")
    passes=$(( (20 << 20) / size )); [ $passes -lt 3 ] && passes=3; [ $passes -gt 2000 ] && passes=2000
    "$BIN" bench pipeline --config "$CONF" --threads 1 --passes "$passes" --json "$W/gen/$f" > "$W/gen-$f.json"
    ms=$(json 'd["single"]["cpu_mean_ms"]' < "$W/gen-$f.json")
    mx=$(json 'd["single"]["cpu_max_ms"]' < "$W/gen-$f.json")
    SCALE_ROWS+=$(printf '%-30s %10d %10.3f %10.3f %10.2f' "${f%.eml}" "$size" "$ms" "$mx" "$(calc "$ms * 1000 / ($size / 1024)")")$'\n'
done
"$BIN" bench pipeline --config "$CONF" --threads 1 --passes 5 --json "$ROBUST" > "$W/robust.json"
ROB_P999=$(json 'd["single"]["cpu_p999_ms"]' < "$W/robust.json")
ROB_MAX=$(json 'd["single"]["cpu_max_ms"]' < "$W/robust.json")
ROB_WALL=$(json 'd["single"]["p999_ms"]' < "$W/robust.json")

# ---------------------------------------------------------------- summary
PIPE_VS_RSPAMD=$(calc "round($BEC_MSGS / $RSPAMD_PERCORE, 1)")
PIPE_VS_SA=$(calc "round($BEC_MSGS / $SA_PERCORE, 1)")
PF_RATIO=$(calc "round($PF_UNIX / $PF_NONE, 3)")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
cat <<EOF

== bec-milter side by side ($(date -u +%Y-%m-%dT%H:%MZ); $(nproc) cores, $cpu; $(. /etc/os-release; echo "$PRETTY_NAME"))
selection: $NMSG messages of $(basename "$PUB") ($SELBYTES bytes), lowest SHA-256 of path; Postfix rounds: $ROUNDS, $SESSIONS sessions
| measure                                         | value         | ratio / target |
|---|---|---|
$(printf '| 1. bec-milter pipeline, msg per CPU-s (wall %4.0f/s)| %13.0f | CPU p99 %.2f ms |' "$BEC_WALL" "$BEC_MSGS" "$BEC_P99")
$(printf '| 1. rspamd 3.4, msg per CPU-s (wall %6.0f/s)      | %13.1f | bec = %sx (target >= 50x) |' "$RSPAMD_WALL" "$RSPAMD_PERCORE" "$PIPE_VS_RSPAMD")
$(printf '| 1. SpamAssassin 4, msg per CPU-s (wall %6.1f/s)  | %13.1f | bec = %sx |' "$SA_WALL" "$SA_PERCORE" "$PIPE_VS_SA")
$(printf '| 2. Postfix, no milter, msg/s                     | %13.1f | 1.000 |' "$PF_NONE")
$(printf '| 2. Postfix + bec-milter unix socket, msg/s       | %13.1f | %s (target >= 0.97) |' "$PF_UNIX" "$PF_RATIO")
$(printf '| 2. Postfix + bec-milter inet socket, msg/s       | %13.1f | %.3f |' "$PF_INET" "$(calc "$PF_INET / $PF_NONE")")
$(printf '| 2. Postfix + rspamd milter proxy, msg/s          | %13.1f | %.3f |' "$PF_RSPAMD" "$(calc "$PF_RSPAMD / $PF_NONE")")
$(printf '| 3. bec-milter RSS idle, MB                       | %13.1f | |' "$RSS_IDLE")
$(printf '| 3. bec-milter RSS, 100 connections mid-message   | %13.1f | target <= 64 MB |' "$RSS_HELD")
$(printf '| 3. same after 8,000 messages (idle -> held)      | %6.1f -> %4.1f | |' "$RSS_AFTER" "$RSS_HELD2")
$(printf '| 3. bench milter unix, 4 conns, msg/s             | %13.0f | EOM->verdict p99 %.2f ms |' "$BM_UNIX" "$BM_UNIX_P99")
$(printf '| 3. bench milter inet, 4 conns, msg/s             | %13.0f | EOM->verdict p99 %.2f ms |' "$BM_INET" "$BM_INET_P99")
$(printf '| 4. robustness corpus CPU p99.9 / max, ms         | %6.2f / %5.1f | target p99.9 <= 10 ms (wall p99.9 %.1f) |' "$ROB_P999" "$ROB_MAX" "$ROB_WALL")

4. CPU time per message (one thread)
input                                bytes    mean ms     max ms   us per KB
$SCALE_ROWS
Postfix per round (msg/s): none:${PFR[none]} | bec unix:${PFR[bec_unix]} | bec inet:${PFR[bec_inet]} | rspamd:${PFR[rspamd_proxy]}
smtp-source error lines: none $(refusals none), bec_unix $(refusals bec_unix), bec_inet $(refusals bec_inet), rspamd_proxy $(refusals rspamd_proxy)
scanned: rspamd $RSPAMD_DONE/$NMSG in ${RSPAMD_CPU}s CPU, SpamAssassin $SA_DONE/$(wc -l < "$W/sa-list") in ${SA_CPU}s CPU
pipeline_vs_rspamd=$PIPE_VS_RSPAMD postfix_ratio=$PF_RATIO
EOF

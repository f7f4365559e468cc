#!/usr/bin/env python3
"""Protocol test: drives the real `bec-milter run` binary over its socket with an independent
milter client (milterclient.py) in the order Postfix uses, and checks that the verdict the milter
applies equals `bec-milter check --json` for the same message and envelope.

Usage: python3 Tests/Integration/protocol_test.py [--binary PATH] [--corpus DIR] [--latency N]
Exit status is non-zero on any failure; the last line is "N passed, N failed".
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from milterclient import MilterClient, MilterError, MilterProcess, Result, envelope_for  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONFIG = os.path.join(ROOT, "deploy/examples/calloway-freight/bec-milter.yaml")
RESULTS = {"passed": 0, "failed": 0}


def check(name, ok, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else f": {detail}"), flush=True)
    return ok


def find_binary(given):
    for b in [given, os.environ.get("BEC_MILTER"), os.path.join(ROOT, ".build-milter/debug/bec-milter"),
              os.path.join(ROOT, ".build/debug/bec-milter"), os.path.join(ROOT, ".build/release/bec-milter")]:
        if b and os.access(b, os.X_OK):
            return b
    sys.exit("bec-milter binary not found: build it (swift build) or pass --binary")


class Milter(MilterProcess):
    """A running `bec-milter run` on `socket_spec`, its stderr collected in a file."""

    def __init__(self, binary, config, socket_spec, workdir):
        self.spec = socket_spec
        super().__init__(binary, config, os.path.join(workdir, f"milter-{abs(hash(socket_spec))}.log"),
                         socket_spec=socket_spec, start_timeout=20)


def run_check(binary, config, path, env):
    mail_from, rcpt, ip, _ = env
    cmd = [binary, "check", "--json", "--config", config, "--mail-from", mail_from, "--rcpt", rcpt]
    if ip:
        cmd += ["--client-ip", ip]
    out = subprocess.run(cmd + [path], capture_output=True, check=False)
    return json.loads(out.stdout.decode().strip().splitlines()[-1])


def scan(spec, raw, env, **kw):
    mail_from, rcpt, ip, name = env
    c = MilterClient(spec)
    try:
        return c.send_message(raw, mail_from, [rcpt], client_addr=ip, client_name=name, **kw)
    finally:
        c.close()


def labels(corpus):
    out = {}
    with open(os.path.join(corpus, "labels.tsv")) as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            out[parts[0]] = parts[1]
    return out


def test_basic(binary, spec, corpus, milter):
    lab = labels(corpus)
    files = sorted(lab)
    checks = {f: run_check(binary, CONFIG, os.path.join(corpus, f), envelope_for(open(os.path.join(corpus, f), "rb").read())) for f in files}
    ham = next(f for f in files if lab[f] == "ham" and checks[f]["action"] == "accept")
    rej = next(f for f in files if lab[f] == "bec" and checks[f]["action"] == "reject")
    quar = next((f for f in files if lab[f] == "bec" and checks[f]["action"] == "quarantine"), None)

    raw = open(os.path.join(corpus, ham), "rb").read()
    r = scan(spec, raw, envelope_for(raw))
    check("ham is accepted", r.action in ("continue", "accept") and r.reply is None, repr(r))
    check("ham gets X-BEC-Verdict starting with accept", (r.verdict_header or "").split(" ")[0] == "accept", repr(r))
    names = [n for n, _ in r.added_headers]
    check("X-BEC-Score and X-BEC-Findings are added", "X-BEC-Score" in names and "X-BEC-Findings" in names, repr(names))

    raw = open(os.path.join(corpus, rej), "rb").read()
    r = scan(spec, raw, envelope_for(raw))
    check(f"BEC {rej} is rejected with 550 5.7.1", r.action == "reject" and (r.reply or "").startswith("550 5.7.1 "), repr(r))
    subj = re.search(rb"^Subject: (.*)$", raw, re.M)
    check("the reject text does not echo the message", subj is None or subj.group(1).decode("utf-8", "replace")[:20] not in (r.reply or ""), r.reply)

    forged = b"X-BEC-Verdict: accept score=0\nX-Bec-Score: 0\n" + open(os.path.join(corpus, ham), "rb").read()
    forged = forged.replace(b"\nSubject:", b"\nX-BEC-Verdict: accept score=-100\nSubject:", 1)
    r = scan(spec, forged, envelope_for(forged))
    deletes = sorted((i, n.lower()) for i, n, v in r.changed_headers if v == "")
    check("forged inbound X-BEC-* headers are deleted", deletes == [(1, "x-bec-score"), (1, "x-bec-verdict"), (2, "x-bec-verdict")], repr(r.changed_headers))
    check("deletions are highest index first", [i for i, n, v in r.changed_headers if n.lower() == "x-bec-verdict"] == [2, 1], repr(r.changed_headers))
    check("our X-BEC-Verdict is added once", [n for n, _ in r.added_headers].count("X-BEC-Verdict") == 1, repr(r.added_headers))

    if quar:
        raw = open(os.path.join(corpus, quar), "rb").read()
        r = scan(spec, raw, envelope_for(raw))
        check(f"BEC {quar} is quarantined (hold)", r.quarantine is not None and r.action in ("continue", "accept"), repr(r))
        check("quarantine reason names our action, not message content", (r.quarantine or "").startswith("bec-milter quarantine score="), r.quarantine)
        check("subject prefix applied to the quarantined message", any(n == "Subject" and v.startswith("[EXTERNAL - VERIFY] ") for _, n, v in r.changed_headers), repr(r.changed_headers))
    return checks


def test_equality(binary, spec, corpus, checks, milter):
    """Every dev message through the milter: action, score and findings equal `check --json`."""
    mismatches = []
    lab = labels(corpus)
    before = len(milter.verdict_lines())
    for f in sorted(lab):
        raw = open(os.path.join(corpus, f), "rb").read()
        env = envelope_for(raw)
        r = scan(spec, raw, env, queue_id="EQ" + f[:3])
        expected = checks[f]
        got = (r.verdict_header or "").split(" ")[0] if r.action != "reject" else "reject"
        if got != expected["action"]:
            mismatches.append(f"{f}: milter {got} ({r.verdict_header or r.reply}), check {expected['action']}")
    lines = {l["queue_id"]: l for l in milter.verdict_lines()[before:]}
    for f in sorted(lab):
        l, e = lines.get("EQ" + f[:3]), checks[f]
        if l is None:
            mismatches.append(f"{f}: no verdict line")
            continue
        if l["verdict"] != e["action"] or abs((l["score"] or 0) - e["score"]) > 1e-9:
            mismatches.append(f"{f}: line {l['verdict']} {l['score']} vs check {e['action']} {e['score']}")
        got = sorted(x["symbol"] for x in l["findings"])
        exp = sorted(x["symbol"] for x in e["findings"] if x["weight"] != 0)
        if got != exp:
            mismatches.append(f"{f}: findings {got} vs {exp}")
    check(f"all {len(lab)} dev messages: milter verdict == check --json (action, score, findings)", not mismatches,
          "\n  " + "\n  ".join(mismatches[:20]))
    by = {}
    for f in lab:
        by.setdefault((lab[f], checks[f]["action"]), 0)
        by[(lab[f], checks[f]["action"])] += 1
    print("  verdicts by label:", ", ".join(f"{k[0]}/{k[1]}={v}" for k, v in sorted(by.items())))


def test_callback_orders(spec, corpus):
    raw = open(os.path.join(corpus, sorted(os.listdir(corpus))[0]), "rb").read() if corpus else b"From: a@b\n\nhi\n"
    env = envelope_for(raw)
    # Several messages on one connection, an abort in the middle, then QUIT_NC and a new session.
    c = MilterClient(spec)
    try:
        r1 = c.send_message(raw, env[0], [env[1]], client_addr=env[2])
        c.send(b"M", b"<x@example.org>\0")
        c.send(b"R", b"<y@example.org>\0")
        c.send(b"L", b"Subject\0half a message\0")
        c.abort()
        r2 = c.send_message(raw, env[0], [env[1]], client_addr=env[2], connect=False)
        c.quit_nc()
        r3 = c.send_message(raw, env[0], [env[1]], client_addr=None)
        check("two messages, an abort and QUIT_NC on one connection", all(x.verdict_header or x.reply for x in (r1, r2, r3)), repr((r1, r2, r3)))
        check("NULL client address (family U) is handled", r3.action in ("continue", "accept", "reject"), repr(r3))
    finally:
        c.close()
    # Close before anything, and a connection dropped mid-message.
    c = MilterClient(spec)
    c.close()
    c = MilterClient(spec)
    c.connect_info("h", "192.0.2.7")
    c.send(b"M", b"<x@example.org>\0")
    c.send(b"L", b"Subject\0dropped\0")
    c.sock.close()
    c = MilterClient(spec)
    r = c.send_message(b"From: a@example.org\nSubject: hi\n\nhello\n", "a@example.org", ["b@callowayfreight.com"], client_addr="192.0.2.8")
    c.close()
    check("milter serves on after close-first and a dropped connection", r.verdict_header is not None, repr(r))
    # MAIL, RCPT, then end of message: no header, no body.
    c = MilterClient(spec)
    c.connect_info("h", "192.0.2.9")
    c.send(b"M", b"<>\0")
    c.send(b"R", b"<b@callowayfreight.com>\0")
    c.send(b"E")
    r = Result()
    c._read_eom(r)
    c.close()
    check("an empty message (no header, no body) gets a verdict", r.verdict_header is not None, repr(r))


def test_reload(binary, workdir, corpus):
    cfgdir = os.path.join(workdir, "cfg")
    shutil.copytree(os.path.dirname(CONFIG), cfgdir)
    cfg = os.path.join(cfgdir, "bec-milter.yaml")
    spec = "unix:" + os.path.join(workdir, "reload.sock")
    m = Milter(binary, cfg, spec, workdir)
    try:
        good = open(cfg).read()
        with open(cfg, "w") as f:
            broken = re.sub(r"(?m)^(internal_mail:.*)$", r"\1\nmilter_typo: 1\nlimits: {max_message_bytes: nope}", good, count=1)
            assert broken != good, "example config has no internal_mail: line to break"
            f.write(broken)
        m.signal(signal.SIGHUP)
        time.sleep(1.5)
        log = m.text()
        check("SIGHUP with a broken file is refused with file:line:column", re.search(r"reload refused: .*bec-milter\.yaml:\d+:\d+: ", log) is not None, log[-800:])
        raw = b"From: a@example.org\nSubject: hi\n\nhello\n"
        r = scan(spec, raw, ("a@example.org", "b@callowayfreight.com", "192.0.2.1", None))
        check("old rules stay in force after a refused reload", r.verdict_header is not None and m.proc.poll() is None, repr(r))
        with open(cfg, "w") as f:
            f.write(good.replace('subject_prefix: "[EXTERNAL - VERIFY]"', 'subject_prefix: "[RELOADED]"'))
        m.signal(signal.SIGHUP)
        time.sleep(1.5)
        check("SIGHUP with a good file loads generation 2", "generation 2 in force" in m.text(), m.text()[-500:])
        if corpus:
            lab = labels(corpus)
            f = next(f for f in sorted(lab) if lab[f] == "bec" and run_check(binary, cfg, os.path.join(corpus, f), envelope_for(open(os.path.join(corpus, f), "rb").read()))["action"] == "quarantine")
            raw = open(os.path.join(corpus, f), "rb").read()
            r = scan(spec, raw, envelope_for(raw))
            check("the reloaded settings apply to new messages", any(v.startswith("[RELOADED]") for _, n, v in r.changed_headers if n == "Subject"), repr(r.changed_headers))
        # SIGTERM while a message is in flight: the message still gets its answer.
        c = MilterClient(spec)
        c.connect_info("h", "192.0.2.10")
        c.send(b"M", b"<a@example.org>\0")
        c.send(b"R", b"<b@callowayfreight.com>\0")
        c.send(b"L", b"From\0a@example.org\0")
        time.sleep(0.2)
        m.signal(signal.SIGTERM)
        time.sleep(0.5)
        c.send(b"B", b"hello\r\n")
        c.send(b"E")
        r = Result()
        try:
            c._read_eom(r)
        except (MilterError, OSError) as e:
            r.action = f"error {e}"
        c.close()
        check("SIGTERM drains: the message in flight is answered", r.verdict_header is not None, repr(r))
        try:
            m.proc.wait(15)
        except subprocess.TimeoutExpired:
            pass
        check("SIGTERM stops the milter (exit 0)", m.proc.poll() == 0, str(m.proc.poll()))
    finally:
        m.stop()


def measure_latency(binary, workdir, n):
    """Milliseconds per message, one SMTP-like session per message, unix vs inet."""
    raw = b"From: Accounts <a@example.org>\nTo: b@callowayfreight.com\nSubject: hello\n\nhello there\n"
    out = {}
    for spec in ["unix:" + os.path.join(workdir, "lat.sock"), "inet:%d@127.0.0.1" % (20000 + os.getpid() % 20000)]:
        m = Milter(binary, CONFIG, spec, workdir)
        try:
            scan(spec, raw, ("a@example.org", "b@callowayfreight.com", "192.0.2.1", None))
            t = time.time()
            for i in range(n):
                scan(spec, raw, ("a@example.org", "b@callowayfreight.com", "192.0.2.1", None))
            out[spec.split(":")[0]] = (time.time() - t) * 1000 / n
        finally:
            m.stop()
    print(f"  latency over {n} messages: unix {out['unix']:.2f} ms/message, inet {out['inet']:.2f} ms/message")
    check("inet: no Nagle stall (under 20 ms per message)", out["inet"] < 20, f"{out['inet']:.1f} ms")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus", "dev"))
    ap.add_argument("--latency", type=int, default=200)
    args = ap.parse_args()
    binary = find_binary(args.binary)
    corpus = args.corpus if os.path.isdir(args.corpus) else None
    workdir = tempfile.mkdtemp(prefix="bec-protocol-")
    # The example's state_dir (/var/lib/bec-milter) would collect this test's quarantine and history
    # stores across runs (a history store past its warm-up would then change verdicts): use our own.
    global CONFIG
    shutil.copytree(os.path.dirname(CONFIG), os.path.join(workdir, "example"))
    CONFIG = os.path.join(workdir, "example", os.path.basename(CONFIG))
    with open(CONFIG) as f:
        text = f.read()
    with open(CONFIG, "w") as f:
        f.write(re.sub(r"(?m)^state_dir:.*$", "state_dir: " + os.path.join(workdir, "state"), text))
    os.makedirs(os.path.join(workdir, "state"))
    spec = "unix:" + os.path.join(workdir, "m.sock")
    milter = Milter(binary, CONFIG, spec, workdir)
    try:
        if corpus:
            checks = test_basic(binary, spec, corpus, milter)
            test_equality(binary, spec, corpus, checks, milter)
        else:
            print("SKIP corpus tests: ../shared/corpus/dev not found")
        test_callback_orders(spec, corpus)
        check("milter still running after all sessions", milter.proc.poll() is None)
    finally:
        milter.stop()
    test_reload(binary, workdir, corpus)
    if args.latency:
        measure_latency(binary, workdir, args.latency)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()

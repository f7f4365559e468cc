#!/usr/bin/env python3
"""The driver of load_test.sh: concurrent SMTP sessions into a Postfix with bec-milter, reload and
kill events during the run, and an account of every message sent. Standard library only.

Each session sends one message (connect, EHLO, XCLIENT with the message's client, EHLO, MAIL, RCPT,
DATA, QUIT); `--sessions` of them run at once until `--messages` were sent. Every message ends as
exactly one of:
  delivered   accepted and found in the Maildir with our X-BEC-Verdict (and exactly one)
  held        accepted and in Postfix's hold queue (the milter's quarantine)
  rejected    5xx at SMTP time
  tempfailed  4xx at SMTP time (the client keeps it and retries)
and anything else is a failure: accepted but neither delivered nor held (lost), delivered without a
verdict or with an inbound one, a connection error. Tempfailed messages are sent once more at the end.
"""
import argparse
import asyncio
import email.parser
import email.policy
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from milterclient import envelope_for  # noqa: E402

ADDR = re.compile(r"^[^\s<>@]+@[A-Za-z0-9.-]+$")
HOSTNAME = re.compile(r"^[A-Za-z0-9.-]+$")

PROBE = b"""Return-Path: <pat.jones.home@gmail.com>
Received: from mail-ej1-f47.google.com (mail-ej1-f47.google.com [209.85.218.47])
\tby mx.callowayfreight.com (Postfix) with ESMTPS id 4PROBE
\tfor <ops@callowayfreight.com>; Tue, 13 Jan 2026 08:14:09 +0000 (GMT)
Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com
From: Pat Jones <pat.jones.home@gmail.com>
To: ops@callowayfreight.com
Subject: Lunch on Friday (probe NONCE)
Date: Tue, 13 Jan 2026 08:14:00 +0000
Message-ID: <probe-NONCE@gmail.com>

Shall we meet at noon?
"""
# The changed site rule file: a weight that turns the probe (a freemail sender) from accept to reject.
CHANGED_RULES = "\nsymbols:\n  FREEMAIL_FROM: {weight: 20, group: freemail}\n"
BROKEN_RULES = "\nsymbols:\n  FREEMAIL_FROM: {weight: heavy, group: freemail}\n"


def load_messages(root, limit_bytes=2 << 20):
    """Dev and public .eml files under 2 MB, dev first then public interleaved, with their envelopes."""
    files = []
    for sub in ("dev", "public"):
        for d, _, names in os.walk(os.path.join(root, sub)):
            files += [os.path.join(d, n) for n in sorted(names) if n.endswith(".eml")]
    out = []
    for path in files:
        if os.path.getsize(path) > limit_bytes:
            continue
        raw = open(path, "rb").read()
        mail_from, rcpt, ip, name = envelope_for(raw)
        mail_from = mail_from if ADDR.match(mail_from or "") else ""
        rcpt = rcpt if ADDR.match(rcpt or "") else "ops@callowayfreight.com"
        ip = ip if ip and re.match(r"^[0-9.]+$|^[0-9A-Fa-f:]+$", ip) else "192.0.2.1"
        name = name if name and HOSTNAME.match(name) else "[UNAVAILABLE]"
        out.append((path, raw, (mail_from, rcpt, ip, name)))
    return out


async def reply(reader, timeout):
    lines = []
    while True:
        line = await asyncio.wait_for(reader.readline(), timeout)
        if not line:
            raise ConnectionError("connection closed")
        lines.append(line.decode(errors="replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    try:
        code = int(lines[-1][:3])
    except ValueError:
        code = 0
    return code, " ".join(l[4:] for l in lines)


def dot_stuffed(raw):
    data = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data + b".\r\n"


async def smtp_send(port, raw, env, timeout=300):
    """One SMTP transaction: (stage, code, text, queue id)."""
    mail_from, rcpt, ip, name = env
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 30)
    except (OSError, asyncio.TimeoutError) as e:
        return ("connect", 0, str(e), None)
    stage = "greeting"
    try:
        code, text = await reply(reader, timeout)
        if code != 220:
            return (stage, code, text, None)
        xaddr = ("IPV6:" + ip) if ":" in ip else ip
        smtputf8 = any(ord(c) > 127 for c in mail_from + rcpt)
        eightbit = any(b > 127 for b in raw)
        opts = (" BODY=8BITMIME" if eightbit else "") + (" SMTPUTF8" if smtputf8 else "")
        steps = [("ehlo", b"EHLO load-client.invalid", 250),
                 ("xclient", f"XCLIENT ADDR={xaddr} NAME={name}".encode(), 220),
                 ("ehlo", b"EHLO load-client.invalid", 250),
                 ("mail", f"MAIL FROM:<{mail_from}>{opts}".encode(), 250),
                 ("rcpt", f"RCPT TO:<{rcpt}>".encode(), 250),
                 ("data", b"DATA", 354)]
        for stage, cmd, want in steps:
            writer.write(cmd + b"\r\n")
            await writer.drain()
            code, text = await reply(reader, timeout)
            if code != want:
                return (stage, code, text, None)
        stage = "dot"
        writer.write(dot_stuffed(raw))
        await writer.drain()
        code, text = await reply(reader, timeout)
        q = re.search(r"queued as ([0-9A-Za-z]+)", text)
        writer.write(b"QUIT\r\n")
        await writer.drain()
        return ("dot", code, text, q.group(1) if q and code == 250 else None)
    except (OSError, ConnectionError, asyncio.TimeoutError) as e:
        return (stage, 0, f"{type(e).__name__}: {e}", None)
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except Exception:
            pass


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None


class Run:
    def __init__(self, a):
        self.a = a
        self.results = []          # (index, path, t_sent, t_done, stage, code, text, qid, phase)
        self.events = []           # (time, what)
        self.rss = []              # (time, pid, kB)
        self.checks = []           # (ok, text)
        self.sent = 0
        self.phase = "load"

    def check(self, ok, text):
        self.checks.append((bool(ok), text))
        print(("PASS " if ok else "FAIL ") + text, flush=True)

    def milter_pid(self):
        try:
            return int(open(self.a.milter_pid_file).read().strip())
        except (OSError, ValueError):
            return None

    def log_lines(self):
        try:
            return open(self.a.milter_log, errors="replace").read().splitlines()
        except OSError:
            return []

    async def wait_log(self, since, pattern, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            lines = self.log_lines()[since:]
            hit = [l for l in lines if re.search(pattern, l)]
            if hit:
                return hit
            await asyncio.sleep(0.2)
        return []

    async def sample_rss(self, stop):
        while not stop.is_set():
            pid = self.milter_pid()
            kb = rss_kb(pid) if pid else None
            if kb:
                self.rss.append((time.time(), pid, kb))
            await asyncio.sleep(1)

    async def probe(self, expect, label):
        """Sends the probe message and checks the milter's answer: 'accept' (delivered) or 'reject' (550)."""
        nonce = f"{label}-{time.time():.3f}".encode()
        raw = PROBE.replace(b"NONCE", nonce)
        env = ("pat.jones.home@gmail.com", "ops@callowayfreight.com", "209.85.218.47", "mail-ej1-f47.google.com")
        stage, code, text, qid = await smtp_send(self.a.port, raw, env)
        got = "reject" if code == 550 and stage == "dot" else "accept" if code == 250 else f"{stage} {code} {text}"
        self.check(got == expect, f"probe {label}: {got} (expected {expect})")

    async def reload_good(self):
        since = len(self.log_lines())
        with open(self.a.rules, "a") as f:
            f.write(CHANGED_RULES)
        pid = self.milter_pid()
        self.events.append((time.time(), f"SIGHUP {pid} with a changed rule file (FREEMAIL_FROM weight 20)"))
        os.kill(pid, signal.SIGHUP)
        hit = await self.wait_log(since, r"reload: configuration generation \d+ in force")
        self.check(hit, "SIGHUP with a changed rule file: " + (hit[0].split("reload: ", 1)[-1] if hit else "no reload logged"))
        await self.probe("reject", "after-reload")

    async def reload_broken(self):
        since = len(self.log_lines())
        good = open(self.a.rules).read()
        with open(self.a.rules, "w") as f:
            f.write(good.replace(CHANGED_RULES, BROKEN_RULES))
        pid = self.milter_pid()
        self.events.append((time.time(), f"SIGHUP {pid} with a broken rule file"))
        os.kill(pid, signal.SIGHUP)
        hit = await self.wait_log(since, r"reload refused: \d+ error")
        lines = [l for l in self.log_lines()[since:] if "reload refused" in l]
        where = [l for l in lines if re.search(r"calloway\.yaml:\d+:\d+", l)]
        self.check(hit and where, "SIGHUP with a broken rule file refused with file:line: " +
                   (re.search(r"calloway\.yaml:\d+:\d+.*", where[0]).group(0) if where else f"{lines[:3]}"))
        await self.probe("reject", "after-broken-reload")
        with open(self.a.rules, "w") as f:
            f.write(good)
        self.check(self.milter_pid() == pid, "the milter kept running through the broken reload")

    async def kill(self):
        pid = self.milter_pid()
        t = time.time()
        self.events.append((t, f"SIGKILL {pid}"))
        os.kill(pid, signal.SIGKILL)
        end = t + 30
        while time.time() < end:
            new = self.milter_pid()
            if new and new != pid and os.path.exists(self.a.socket):
                break
            await asyncio.sleep(0.1)
        self.events.append((time.time(), f"supervisor restarted the milter as {self.milter_pid()}"))
        self.restarted_at = time.time()
        self.check(self.milter_pid() != pid, f"SIGKILL {pid}: restarted as {self.milter_pid()} after {time.time() - t:.1f} s")

    async def drive(self, messages):
        n = self.a.messages
        plan = ((0.25, self.reload_good), (0.45, self.reload_broken), (0.65, self.kill))
        self.began = {share: False for share, _ in plan}
        queue = asyncio.Queue()
        for i in range(n):
            queue.put_nowait(i)

        async def worker():
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                # The load after an event's mark waits until the event began, so each one lands mid-load.
                while any(i >= n * share and not began for share, began in self.began.items()):
                    await asyncio.sleep(0.05)
                path, raw, env = messages[i % len(messages)]
                t0 = time.time()
                stage, code, text, qid = await smtp_send(self.a.port, raw, env)
                self.results.append((i, path, t0, time.time(), stage, code, text, qid))
                self.sent += 1
                if self.sent % max(1, n // 10) == 0:
                    print(f"   {self.sent}/{n} sent ({time.time() - self.t0:.0f} s)", flush=True)

        self.t0 = time.time()
        await self.probe("accept", "before-reload")
        # One after another, each when its share of the load was sent; the load keeps flowing meanwhile.
        async def events():
            for share, event in plan:
                while self.sent < n * share - self.a.sessions:
                    await asyncio.sleep(0.05)
                self.began[share] = True
                await event()
        await asyncio.gather(events(), *(worker() for _ in range(self.a.sessions)))
        self.elapsed = time.time() - self.t0


def postqueue(conf):
    out = subprocess.run(["postqueue", "-c", conf, "-j"], capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def wait_settled(conf, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if not [q for q in postqueue(conf) if q["queue_name"] in ("incoming", "active", "maildrop")]:
            return True
        time.sleep(1)
    return False


def delivered(maildir):
    """Queue id (from our Postfix's Received) -> list of X-BEC-Verdict values, for every delivered file."""
    out = {}
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                head = f.read(256 << 10).split(b"\n\n", 1)[0]
            h = parser.parsebytes(head + b"\n\n")
            received = h.get_all("Received") or []
            q = re.search(r"\bid ([0-9A-Za-z]+)", str(received[0])) if received else None
            if q:
                out.setdefault(q.group(1), []).append([str(v) for v in (h.get_all("X-BEC-Verdict") or [])])
    return out


def classify(results, conf, maildir):
    held = {e["queue_id"] for e in postqueue(conf) if e["queue_name"] == "hold"}
    queued = {e["queue_id"]: e["queue_name"] for e in postqueue(conf)}
    got = delivered(maildir)
    out = []
    for r in results:
        stage, code, qid = r[4], r[5], r[7]
        if code == 250 and qid:
            if qid in held:
                kind = "held"
            elif qid in got:
                copies = got[qid]
                ok = len(copies) == 1 and len(copies[0]) == 1 and not copies[0][0].startswith("unscanned")
                kind = "delivered" if ok else "delivered-without-verdict"
            else:
                kind = f"lost({queued.get(qid, 'nowhere')})"
        elif 500 <= code < 600:
            kind = "rejected"
        elif 400 <= code < 500:
            kind = "tempfailed"
        else:
            kind = f"error({stage})"
        out.append((r, kind))
    return out


def segments(rss, events):
    """RSS samples per milter process: pid -> (first, after warm-up, last, max) in MB."""
    by = {}
    for t, pid, kb in rss:
        by.setdefault(pid, []).append(kb / 1024)
    out = {}
    for pid, v in by.items():
        warm = v[min(len(v) - 1, max(0, len(v) // 5))]
        out[pid] = (v[0], warm, v[-1], max(v), len(v), [round(v[min(len(v) - 1, len(v) * k // 10)]) for k in range(11)])
    return out


def main():
    p = argparse.ArgumentParser()
    for k in ("port", "messages", "sessions"):
        p.add_argument("--" + k, type=int, required=True)
    for k in ("corpus-root", "postfix-config", "maildir", "maillog", "milter-pid-file", "milter-log", "socket", "rules",
              "binary", "config", "summary"):
        p.add_argument("--" + k, required=True)
    a = p.parse_args()
    messages = load_messages(a.corpus_root)
    random.Random(7).shuffle(messages)
    print(f"-- {len(messages)} distinct messages (dev + public, < 2 MB); sending {a.messages} over {a.sessions} "
          f"concurrent sessions", flush=True)
    run = Run(a)

    async def go():
        stop = asyncio.Event()
        sampler = asyncio.ensure_future(run.sample_rss(stop))
        await run.drive(messages)
        stop.set()
        await sampler
    asyncio.run(go())
    print(f"-- sent {len(run.results)} in {run.elapsed:.0f} s ({len(run.results) / run.elapsed:.0f} msg/s); "
          f"waiting for the queue to settle", flush=True)
    settled = wait_settled(a.postfix_config, 600)
    time.sleep(2)
    classes = classify(run.results, a.postfix_config, a.maildir)

    # The client's retry of what was tempfailed.
    retry = [r for r, k in classes if k == "tempfailed"]
    retried = []
    if retry:
        by_index = {i: m for i, m in enumerate(messages)}

        async def again():
            sem = asyncio.Semaphore(a.sessions)

            async def one(r):
                async with sem:
                    path, raw, env = by_index[r[0] % len(messages)]
                    t0 = time.time()
                    res = await smtp_send(a.port, raw, env)
                    retried.append((r[0], path, t0, time.time()) + res)
            await asyncio.gather(*(one(r) for r in retry))
        asyncio.run(again())
        wait_settled(a.postfix_config, 300)
        time.sleep(2)
    retry_classes = classify(retried, a.postfix_config, a.maildir)

    # A burst: every session opens at the same moment (each SMTP session is one milter connection).
    async def burst():
        raw = PROBE.replace(b"NONCE", b"burst").replace(b"pat.jones.home@gmail.com", b"pat@example.net")
        env = ("pat@example.net", "ops@callowayfreight.com", "198.51.100.7", "mail.example.net")
        return await asyncio.gather(*(smtp_send(a.port, raw, env) for _ in range(a.sessions)))
    maillog_mark = len(open(a.maillog, errors="replace").readlines()) if os.path.exists(a.maillog) else 0
    burst_results = asyncio.run(burst())
    burst_codes = {}
    for r in burst_results:
        burst_codes[f"{r[0]} {r[1]}"] = burst_codes.get(f"{r[0]} {r[1]}", 0) + 1

    counts = {}
    for _, k in classes:
        counts[k] = counts.get(k, 0) + 1
    rcounts = {}
    for _, k in retry_classes:
        rcounts[k] = rcounts.get(k, 0) + 1
    main4 = ("delivered", "held", "rejected", "tempfailed")
    sent = len(classes)
    print(f"-- outcome of {sent} messages sent: " + ", ".join(f"{k} {counts.get(k, 0)}" for k in main4) +
          "".join(f", {k} {v}" for k, v in sorted(counts.items()) if k not in main4))
    if retried:
        print(f"-- retry of the {len(retried)} tempfailed: " + ", ".join(f"{k} {v}" for k, v in sorted(rcounts.items())))
        for r, k in [x for x in retry_classes if x[1] not in ("delivered", "held", "rejected")][:10]:
            print(f"   {k}: {os.path.relpath(r[1], a.corpus_root)}: {r[4]} {r[5]} {r[6][:100]}")
    kill_t = next((t for t, e in run.events if e.startswith("SIGKILL")), None)
    restart_t = getattr(run, "restarted_at", None)
    for t, e in run.events:
        print(f"   t+{t - run.t0:6.1f} s  {e}")
    temp = [r for r, k in classes if k == "tempfailed"]
    outside = [r for r in temp if not (kill_t and r[3] >= kill_t - 1 and r[2] <= (restart_t or kill_t) + 5)]
    lost = sum(v for k, v in counts.items() if k.startswith("lost")) + sum(v for k, v in rcounts.items() if k.startswith("lost"))
    run.check(settled, "the queue settled (nothing left in incoming/active)")
    run.check(sum(counts.get(k, 0) for k in main4) == sent,
              f"every message is exactly one of delivered/held/rejected/tempfailed: {sum(counts.get(k, 0) for k in main4)} = {sent} sent")
    run.check(counts.get("delivered-without-verdict", 0) + rcounts.get("delivered-without-verdict", 0) == 0,
              "nothing delivered without exactly one X-BEC-Verdict of ours")
    run.check(lost == 0, f"nothing accepted and lost: {lost}")
    run.check(not outside, f"tempfails only while the milter was down (SIGKILL to restart + 5 s): {len(outside)} outside"
              + (f", e.g. {outside[0][4]} {outside[0][5]} {outside[0][6][:80]}" if outside else ""))
    run.check(all(k in ("delivered", "held", "rejected") for _, k in retry_classes),
              f"every tempfailed message, retried, is delivered, held or rejected: {rcounts}")
    run.check(burst_codes == {"dot 250": a.sessions},
              f"{a.sessions} sessions opened at once are all accepted and scanned: {burst_codes}")
    if burst_codes != {"dot 250": a.sessions} and os.path.exists(a.maillog):
        why = {}
        for l in open(a.maillog, errors="replace").readlines()[maillog_mark:]:
            if "warning" in l or " 451 " in l:
                k = re.sub(r"^.*?\]: (\w+: )?", "", l.strip())
                why[k] = why.get(k, 0) + 1
        for k, v in sorted(why.items(), key=lambda kv: -kv[1])[:6]:
            print(f"   {v:4}  {k[:160]}")
    seg = segments(run.rss, run.events)
    for pid, (first, warm, last, mx, n, tenths) in seg.items():
        print(f"-- milter {pid} RSS: start {first:.0f} MB, after warm-up {warm:.0f} MB, end {last:.0f} MB, max {mx:.0f} MB ({n} samples)")
        print(f"   at each tenth of its life (MB): {' '.join(str(x) for x in tenths)}")
    main_seg = max(seg.items(), key=lambda kv: kv[1][4]) if seg else None
    if main_seg:
        first, warm, last, mx, n, _ = main_seg[1]
        run.check(last <= warm * 1.25 + 32, f"RSS flat after warm-up (pid {main_seg[0]}): {warm:.0f} MB -> {last:.0f} MB")
    summary = {"sent": sent, "seconds": run.elapsed, "counts": counts, "retry": rcounts,
               "events": [(round(t - run.t0, 1), e) for t, e in run.events],
               "rss_mb": {str(pid): dict(zip(("start", "warm", "end", "max", "samples", "tenths"), v)) for pid, v in seg.items()},
               "checks": run.checks}
    with open(a.summary, "w") as f:
        json.dump(summary, f, indent=1)
    failed = [c for c in run.checks if not c[0]]
    print(f"{len(run.checks) - len(failed)} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""SMTP-side scenarios for postfix_test.sh: sends mail to the local Postfix (with XCLIENT so the
milter sees the client address the message really came from), and checks what Postfix did.

Each scenario prints one line and exits 0 (pass) or 1 (fail). Standard library only.

  postfix_helper.py pick CORPUS BIN CONFIG [DIR] -> "ham_file bec_reject_file" (or synthetic ones in DIR)
  postfix_helper.py deliver FILE             -> accepted and delivered with an accept verdict header
  postfix_helper.py reject FILE              -> refused at SMTP with 550 5.7.1, nothing queued
  postfix_helper.py forged FILE              -> a forged X-BEC-Verdict does not survive delivery
  postfix_helper.py hold FILE                -> accepted and on hold (postqueue -j)
  postfix_helper.py tempfail FILE            -> refused with 4xx, nothing queued or delivered
  postfix_helper.py corpus DIR BIN CONFIG    -> every message through Postfix; counts per label
"""
import email
import email.utils
import json
import mailbox
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from milterclient import envelope_for  # noqa: E402

MAILBOX = os.environ.get("BEC_TEST_MAILBOX", "/var/mail/bectest")
SMTP_HOST, SMTP_PORT = "127.0.0.1", 25

SYNTHETIC_HAM = b"""Return-Path: <pat@example.net>
Received: from mail.example.net (mail.example.net [198.51.100.7])
\tby mx.callowayfreight.com (Postfix) with ESMTPS id 4SYNTH1
\tfor <kevin.doyle@callowayfreight.com>; Tue, 13 Jan 2026 08:14:09 +0000 (GMT)
Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net; dmarc=pass header.from=example.net
From: Pat Jones <pat@example.net>
To: kevin.doyle@callowayfreight.com
Subject: Lunch on Friday
Date: Tue, 13 Jan 2026 08:14:00 +0000
Message-ID: <synthetic-ham@example.net>

Shall we meet at noon?
"""
SYNTHETIC_BEC = b"""Return-Path: <dl.cfo.private@gmail.com>
Received: from mail-ej1-f47.google.com (mail-ej1-f47.google.com [209.85.218.47])
\tby mx.callowayfreight.com (Postfix) with ESMTPS id 4SYNTH2
\tfor <kevin.doyle@callowayfreight.com>; Tue, 13 Jan 2026 08:14:09 +0000 (GMT)
Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com
From: David Lindqvist <dl.cfo.private@gmail.com>
To: kevin.doyle@callowayfreight.com
Subject: Request
Date: Tue, 13 Jan 2026 08:14:00 +0000
Message-ID: <synthetic-bec@gmail.com>

Are you at your desk? I need you to buy some gift cards for clients, keep it between us.
"""


def send(raw, env=None):
    """One SMTP transaction. Returns (stage, code, text, queue_id)."""
    mail_from, rcpt, ip, name = env or envelope_for(raw)
    data = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    try:
        s = smtplib.SMTP(SMTP_HOST, SMTP_PORT, timeout=120)
    except OSError as e:
        return ("connect", 0, str(e), None)
    try:
        code, msg = s.ehlo("bec-test-client.invalid")
        if code != 250:
            return ("ehlo", code, msg.decode(errors="replace"), None)
        xaddr = ("IPV6:" + ip if ":" in ip else ip) if ip else "192.0.2.1"
        code, msg = s.docmd("XCLIENT", f"ADDR={xaddr} NAME={name or '[UNAVAILABLE]'}")
        if code != 220:
            return ("xclient", code, msg.decode(errors="replace"), None)
        code, msg = s.ehlo("bec-test-client.invalid")
        if code != 250:
            return ("ehlo", code, msg.decode(errors="replace"), None)
        opts = []
        if any(b > 127 for b in data):
            opts.append("BODY=8BITMIME")
        if any(ord(c) > 127 for c in mail_from + rcpt):
            opts.append("SMTPUTF8")
        code, msg = s.mail(mail_from, opts)
        if code >= 400:
            return ("mail", code, msg.decode(errors="replace"), None)
        code, msg = s.rcpt(rcpt)
        if code >= 400:
            return ("rcpt", code, msg.decode(errors="replace"), None)
        try:
            code, msg = s.data(data)
        except smtplib.SMTPDataError as e:
            return ("data", e.smtp_code, e.smtp_error.decode(errors="replace"), None)
        text = msg.decode(errors="replace")
        q = re.search(r"queued as ([0-9A-Za-z]+)", text)
        return ("dot", code, text, q.group(1) if q else None)
    except smtplib.SMTPServerDisconnected as e:
        return ("disconnected", 0, str(e), None)
    finally:
        try:
            s.quit()
        except Exception:
            pass


def queue():
    out = subprocess.run(["postqueue", "-j"], capture_output=True, text=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]


def wait_queue_settled(timeout=120):
    """Until nothing is in incoming, active or maildrop (held and deferred stay)."""
    end = time.time() + timeout
    while time.time() < end:
        if not [q for q in queue() if q["queue_name"] in ("incoming", "active", "maildrop")]:
            return True
        time.sleep(0.3)
    return False


def delivered_messages():
    if not os.path.exists(MAILBOX):
        return {}
    out = {}
    for m in mailbox.mbox(MAILBOX):
        for r in m.get_all("Received") or []:
            q = re.search(r"\bid ([0-9A-Za-z]+)", r)
            if q and "(Postfix)" in r:
                out[q.group(1)] = m
                break
    return out


def wait_delivered(qid, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        m = delivered_messages().get(qid)
        if m is not None:
            return m
        time.sleep(0.3)
    return None


def done(ok, msg):
    print(("ok: " if ok else "not ok: ") + msg)
    sys.exit(0 if ok else 1)


def check_json(binary, config, path, env):
    mail_from, rcpt, ip, _ = env
    cmd = [binary, "check", "--json", "--config", config, "--mail-from", mail_from, "--rcpt", rcpt]
    if ip:
        cmd += ["--client-ip", ip]
    out = subprocess.run(cmd + [path], capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"action": "error", "score": None}


def labels(corpus):
    with open(os.path.join(corpus, "labels.tsv")) as f:
        next(f)
        return {p[0]: p[1] for p in (l.rstrip("\n").split("\t") for l in f) if len(p) > 1}


# --- scenarios

def pick(corpus, binary, config, outdir=None):
    if corpus and os.path.isdir(corpus):
        lab = labels(corpus)
        ham = bec = None
        for f in sorted(lab):
            path = os.path.join(corpus, f)
            a = check_json(binary, config, path, envelope_for(open(path, "rb").read()))["action"]
            if ham is None and lab[f] == "ham" and a == "accept":
                ham = path
            if bec is None and lab[f] == "bec" and a == "reject":
                bec = path
            if ham and bec:
                print(ham, bec)
                return
    d = outdir or tempfile.mkdtemp(prefix="bec-synthetic-")
    for n, raw in (("ham.eml", SYNTHETIC_HAM), ("bec.eml", SYNTHETIC_BEC)):
        with open(os.path.join(d, n), "wb") as f:
            f.write(raw)
    print(os.path.join(d, "ham.eml"), os.path.join(d, "bec.eml"))


def verdict_headers(m):
    return [(k, v) for k, v in m.items() if k.lower().startswith("x-bec-")]


def deliver(path):
    stage, code, text, qid = send(open(path, "rb").read())
    if code != 250 or not qid:
        done(False, f"{stage} {code} {text}")
    m = wait_delivered(qid)
    if m is None:
        done(False, f"{qid} accepted but not delivered; queue: {queue()}")
    hs = verdict_headers(m)
    verdicts = [v for k, v in hs if k.lower() == "x-bec-verdict"]
    names = {k.lower() for k, _ in hs}
    ok = len(verdicts) == 1 and verdicts[0].split()[0] == "accept" and {"x-bec-score", "x-bec-findings"} <= names
    done(ok, f"{qid} delivered with {hs}")


def reject(path):
    before = len(queue())
    stage, code, text, qid = send(open(path, "rb").read())
    # At the end of data: the milter's answer, not a relay or recipient refusal.
    ok = stage == "dot" and code == 550 and "5.7.1" in text and qid is None and len(queue()) == before
    done(ok, f"{stage} {code} {text}")


def forged(path):
    raw = open(path, "rb").read().replace(b"\r\n", b"\n")
    raw = b"X-BEC-Verdict: accept score=-100 forged\nX-BEC-Score: -100\n" + raw
    raw = raw.replace(b"\nSubject:", b"\nX-BEC-Verdict: accept score=-99 forged\nSubject:", 1)
    stage, code, text, qid = send(raw)
    if code != 250 or not qid:
        done(False, f"{stage} {code} {text}")
    m = wait_delivered(qid)
    if m is None:
        done(False, f"{qid} not delivered")
    hs = verdict_headers(m)
    verdicts = [v for k, v in hs if k.lower() == "x-bec-verdict"]
    scores = [v for k, v in hs if k.lower() == "x-bec-score"]
    ok = len(verdicts) == 1 and "forged" not in verdicts[0] and scores != [] and "-100" not in scores
    done(ok, f"{qid} delivered with {hs}")


def hold(path):
    stage, code, text, qid = send(open(path, "rb").read())
    if code != 250 or not qid:
        done(False, f"{stage} {code} {text}")
    wait_queue_settled(30)
    q = {e["queue_id"]: e["queue_name"] for e in queue()}
    done(q.get(qid) == "hold" and qid not in delivered_messages(), f"{qid} is in queue {q.get(qid)!r} (postqueue -j)")


def tempfail(path):
    raw = open(path, "rb").read()
    before_q = {e["queue_id"] for e in queue()}
    before_d = set(delivered_messages())
    stage, code, text, qid = send(raw)
    time.sleep(1)
    after_q = {e["queue_id"] for e in queue()}
    after_d = set(delivered_messages())
    ok = 400 <= code < 500 and qid is None and after_q == before_q and after_d == before_d
    done(ok, f"{stage} {code} {text}; queue and mailbox unchanged: {after_q == before_q and after_d == before_d}")


def corpus(directory, binary, config):
    lab = labels(directory)
    results = {}
    t0 = time.time()
    for f in sorted(lab):
        raw = open(os.path.join(directory, f), "rb").read()
        results[f] = send(raw)
    elapsed = time.time() - t0
    settled = wait_queue_settled(180)
    held = {e["queue_id"] for e in queue() if e["queue_name"] == "hold"}
    deferred = {e["queue_id"] for e in queue() if e["queue_name"] == "deferred"}
    delivered = set(delivered_messages())
    counts, disagree = {}, []
    expect_map = {"accept": "delivered", "tag": "delivered", "quarantine": "held", "reject": "rejected"}
    for f, (stage, code, text, qid) in results.items():
        if code == 250 and qid:
            outcome = "held" if qid in held else "delivered" if qid in delivered else "deferred" if qid in deferred else "unknown"
        elif 500 <= code < 600:
            outcome = "rejected" if stage == "dot" else f"refused-at-{stage}"
        elif 400 <= code < 500:
            outcome = "tempfailed"
        else:
            outcome = f"error:{stage}"
        counts[(lab[f], outcome)] = counts.get((lab[f], outcome), 0) + 1
        exp = check_json(binary, config, os.path.join(directory, f), envelope_for(raw := open(os.path.join(directory, f), "rb").read()))["action"]
        if expect_map.get(exp) != outcome:
            disagree.append(f"{f}: postfix {outcome} ({code} {text[:60]}), check says {exp}")
    print(f"corpus: {len(results)} messages through Postfix in {elapsed:.1f} s (queue settled: {settled})")
    outcomes = ["delivered", "held", "rejected", "tempfailed"]
    extra = sorted({o for (_, o) in counts} - set(outcomes))
    print("  label  " + "  ".join(f"{o:>10}" for o in outcomes + extra))
    for label in ("bec", "ham"):
        print(f"  {label:5}  " + "  ".join(f"{counts.get((label, o), 0):>10}" for o in outcomes + extra))
    print(f"  agreement with `bec-milter check` (accept/tag=delivered, quarantine=held, reject=rejected): "
          f"{len(results) - len(disagree)}/{len(results)}")
    for d in disagree[:20]:
        print("   ", d)
    summary = {"messages": len(results), "counts": {f"{k[0]}/{k[1]}": v for k, v in counts.items()},
               "disagreements": disagree, "seconds": elapsed}
    with open(os.environ.get("BEC_CORPUS_SUMMARY", "/dev/null"), "w") as f:
        json.dump(summary, f, indent=1)
    ok = settled and not extra and not disagree and counts.get(("ham", "rejected"), 0) == 0
    done(ok, f"{len(results)} messages, {len(disagree)} disagreements with check")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"pick": pick, "deliver": deliver, "reject": reject, "forged": forged, "hold": hold,
     "tempfail": tempfail, "corpus": corpus}[cmd](*args)

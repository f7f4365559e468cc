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
  postfix_helper.py storefail FILE           -> refused with 4xx at end of data (the milter's answer), nothing queued or delivered
  postfix_helper.py released QID FILE        -> the held QID was delivered once (found by FILE's Message-ID), body intact, queue empty of it
  postfix_helper.py gone QID FILE            -> QID is no longer queued (postqueue -j) and was never delivered
  postfix_helper.py store BIN CONFIG QID STATUS [--only] [--audit ACTOR:ACTION,... [--detail TEXT]]
                                             -> the quarantine store holds QID exactly once with STATUS; prints its id
  postfix_helper.py storeheld BIN CONFIG     -> every message in the hold queue is in the store as held, and nothing else is
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


def message_id(raw):
    m = email.message_from_bytes(raw)
    v = m.get("Message-ID")
    return v.strip() if v else None


def mbox_body(b):
    """A body as compared across delivery: LF line ends, no trailing blank lines, and '>From ' read as 'From '
    on both sides (Postfix's local(8) quotes a line starting 'From ' in an mbox, and only such a line)."""
    b = b.replace(b"\r\n", b"\n")
    b = re.sub(rb"(?m)^>From ", b"From ", b)
    return b.rstrip(b"\n")


def storefail(path):
    # The store failure is decided at end of data: the 4xx must be the answer to the message, not to
    # the connection or MAIL FROM (that would be milter_default_action with the milter down).
    raw = open(path, "rb").read()
    before_q = {e["queue_id"] for e in queue()}
    before_d = set(delivered_messages())
    stage, code, text, qid = send(raw)
    time.sleep(1)
    wait_queue_settled(30)
    after_q = {e["queue_id"] for e in queue()}
    after_d = set(delivered_messages())
    unchanged = after_q == before_q and after_d == before_d
    ok = stage == "dot" and 400 <= code < 500 and qid is None and unchanged
    done(ok, f"{stage} {code} {text}; queue and mailbox unchanged: {unchanged}")


def delivered_raw():
    """Every delivered message as (queue id from our Postfix's Received, Message-ID, raw bytes)."""
    if not os.path.exists(MAILBOX):
        return []
    box = mailbox.mbox(MAILBOX)
    out = []
    for key in box.keys():
        raw = box.get_bytes(key)
        m = email.message_from_bytes(raw)
        qid = None
        for r in m.get_all("Received") or []:
            q = re.search(r"\bid ([0-9A-Za-z]+)", r)
            if q and "(Postfix)" in r:
                qid = q.group(1)
                break
        out.append((qid, (m.get("Message-ID") or "").strip() or None, raw))
    return out


def body_of(raw):
    raw = raw.replace(b"\r\n", b"\n")
    return raw.split(b"\n\n", 1)[1] if b"\n\n" in raw else b""


def released(qid, path):
    """After a release: Postfix delivered its held queue file (same queue id) exactly once, found by
    the message's Message-ID (by the queue id when it has none), with the body as received."""
    raw = open(path, "rb").read()
    mid = message_id(raw)
    mine = lambda: [d for d in delivered_raw() if (d[1] == mid if mid else d[0] == qid)]
    end = time.time() + 60
    while time.time() < end and not mine():
        time.sleep(0.3)
    if not mine():
        where = {e["queue_id"]: e["queue_name"] for e in queue()}.get(qid)
        done(False, f"nothing with Message-ID {mid} delivered within 60 s; {qid} is in queue {where!r}")
    time.sleep(1)  # a second copy would show up by now
    copies = mine()
    got_qid, _, got = copies[0]
    same_body = mbox_body(body_of(raw)) == mbox_body(body_of(got))
    verdicts = [v for k, v in verdict_headers(email.message_from_bytes(got)) if k.lower() == "x-bec-verdict"]
    in_queue = qid in {e["queue_id"] for e in queue()}
    ok = len(copies) == 1 and got_qid == qid and same_body and not in_queue and len(verdicts) == 1
    done(ok, f"Message-ID {mid}: {len(copies)} cop{'y' if len(copies) == 1 else 'ies'} delivered, Postfix queue id {got_qid} "
             f"(held as {qid}), body as received: {same_body}, still queued: {in_queue}, X-BEC-Verdict: {verdicts}")


def gone(qid, path):
    mid = message_id(open(path, "rb").read())
    time.sleep(1)
    wait_queue_settled(30)
    q = {e["queue_id"]: e["queue_name"] for e in queue()}
    delivered_ids = set(delivered_messages())
    ok = qid not in q and qid not in delivered_ids
    done(ok, f"{qid}: in queue {q.get(qid)!r}, delivered {qid in delivered_ids} (Message-ID {mid})")


def store_records(binary, config):
    out = subprocess.run([binary, "quarantine", "list", "--config", config, "--json", "--limit", "100000"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        done(False, f"quarantine list failed ({out.returncode}): {out.stderr.strip()}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.strip()]


def store(binary, config, qid, status, *opts):
    """The store has the message held as QID exactly once, with STATUS; --only: and nothing else;
    --audit ACTOR:ACTION,...: `quarantine show` lists those audit entries (ACTOR may be a regex);
    --detail TEXT: and some entry's detail has TEXT."""
    recs = store_records(binary, config)
    mine = [r for r in recs if r.get("queueID") == qid]
    problems = []
    if len(mine) != 1:
        problems.append(f"{len(mine)} records with queue id {qid}")
    if "--only" in opts and len(recs) != len(mine):
        problems.append(f"{len(recs)} records in the store, expected only {qid}'s")
    rid = mine[0]["id"] if mine else "-"
    if mine and mine[0]["status"] != status:
        problems.append(f"status {mine[0]['status']}, expected {status}")
    trail = ""
    if mine and "--audit" in opts:
        show = subprocess.run([binary, "quarantine", "show", "--config", config, rid], capture_output=True, text=True)
        trail = "\n".join(l.strip() for l in show.stdout.split("audit:", 1)[-1].splitlines() if l.strip())
        if "--detail" in opts and opts[opts.index("--detail") + 1] not in trail:
            problems.append(f"no audit detail '{opts[opts.index('--detail') + 1]}'")
        for want in opts[opts.index("--audit") + 1].split(","):
            actor, action = want.rsplit(":", 1) if ":" in want else (r"\S+", want)
            if not re.search(rf"(?m)^\S+\s+{actor}\s+{re.escape(action)}(\s|$)", trail):
                problems.append(f"no audit entry '{actor} {action}'")
    summary = (f"{rid} queue id {qid} status {mine[0]['status'] if mine else '-'} score {mine[0]['score'] if mine else '-'} "
               f"symbols {','.join(mine[0]['symbols']) if mine else '-'}")
    print(("ok: " if not problems else "not ok: ") + summary + ("; " + "; ".join(problems) if problems else ""))
    if trail:
        print("audit:\n  " + trail.replace("\n", "\n  "))
    sys.exit(0 if not problems else 1)


def storeheld(binary, config):
    held = {e["queue_id"] for e in queue() if e["queue_name"] == "hold"}
    recs = store_records(binary, config)
    stored = [r.get("queueID") for r in recs if r["status"] == "held"]
    dup = sorted({q for q in stored if stored.count(q) > 1})
    ok = held == set(stored) and not dup
    done(ok, f"{len(held)} in the hold queue, {len(stored)} held in the store; only in the queue: {sorted(held - set(stored))[:5]}, "
             f"only in the store: {sorted(set(stored) - held)[:5]}, stored twice: {dup[:5]}")


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
     "tempfail": tempfail, "storefail": storefail, "released": released, "gone": gone, "store": store,
     "storeheld": storeheld, "corpus": corpus}[cmd](*args)

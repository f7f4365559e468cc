#!/usr/bin/env python3
"""SMTP-side scenarios for history_postfix_test.sh (sender history through real Postfix). Reuses
postfix_helper.py's SMTP client and mailbox readers; each scenario prints one line and exits 0
(pass) or 1 (fail).

  history_postfix_helper.py outbound PORT MAIL_FROM RCPT MSGID [--any] -> our submission service (PORT, the
      ORIGINATING smtpd) accepts an outbound message and Postfix delivers it (to the local test mailbox);
      --any: whatever Postfix answers (the line says what it was); --own-mail: and it went out as our own
      mail (X-BEC-Verdict accept, Subject unchanged)
  history_postfix_helper.py inbound FROM_HDR MAIL_FROM RCPT MSGID [--in-reply-to ID] [--want SYM]... [--not SYM]...
      -> the MX (port 25) delivers it; its X-BEC-Findings has every --want and no --not symbol
  history_postfix_helper.py known BIN CONFIG ADDRESS yes|no [SECONDS]   -> `history show` (as the milter's
      user) says ADDRESS is known / not known, polling up to SECONDS (learning is asynchronous)
"""
import email
import email.utils
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import postfix_helper as ph  # noqa: E402


def message(from_hdr, to, subject, mid, extra=""):
    return (f"From: {from_hdr}\nTo: {to}\nSubject: {subject}\nDate: {email.utils.formatdate()}\nMessage-ID: <{mid}>\n"
            f"{extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
            f"Hello,\n\nthanks for the update on the shipment schedule; all good on our side.\n\nBest regards\n").encode()


def by_message_id(mid, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        for qid, got_mid, raw in ph.delivered_raw():
            if got_mid == f"<{mid}>":
                return qid, email.message_from_bytes(raw)
        time.sleep(0.3)
    return None, None


def outbound(port, mail_from, rcpt, mid, *opts):
    ph.SMTP_PORT = int(port)
    raw = message(f"Margaret Okafor <{mail_from}>", f"Pat Northwind <{rcpt}>", "Shipment schedule for Q1", mid)
    # The submission user connects from home: XCLIENT gives an outside address, so only the
    # ORIGINATING daemon name (not internal_networks) makes this outbound.
    stage, code, text, qid = ph.send(raw, (mail_from, rcpt, "203.0.113.40", None))
    if "--any" in opts and (code != 250 or not qid):
        ph.done(True, f"port {port}: {stage} {code} {text}")
    if code != 250 or not qid:
        ph.done(False, f"port {port}: {stage} {code} {text}")
    got_qid, m = by_message_id(mid)
    if m is None:
        ph.done(False, f"{qid} accepted on port {port} but not delivered; queue: {ph.queue()}")
    if "--own-mail" in opts:
        # Our own outbound mail: accepted as such, no subject prefix or banner on its way out.
        verdict = (m.get("X-BEC-Verdict") or "").split(" ")[0]
        subject = m.get("Subject") or ""
        ph.done(verdict == "accept" and subject == "Shipment schedule for Q1",
                f"{qid} delivered; X-BEC-Verdict {m.get('X-BEC-Verdict')!r}, X-BEC-Findings {m.get('X-BEC-Findings')!r}, Subject {subject!r}")
    ph.done(True, f"{qid} accepted on port {port} and delivered; {ph.verdict_headers(m)}")


def inbound(from_hdr, mail_from, rcpt, mid, *opts):
    ph.SMTP_PORT = 25
    want, never, extra = [], [], ""
    it = iter(opts)
    for o in it:
        if o == "--want":
            want.append(next(it))
        elif o == "--not":
            never.append(next(it))
        elif o == "--in-reply-to":
            v = next(it)
            extra += f"In-Reply-To: <{v}>\nReferences: <{v}>\n"
    subject = "Re: Shipment schedule for Q1" if extra else "Shipment schedule"
    raw = message(from_hdr, f"Margaret Okafor <{rcpt}>", subject, mid, extra)
    stage, code, text, qid = ph.send(raw, (mail_from, rcpt, "198.51.100.7", None))
    if code != 250 or not qid:
        ph.done(False, f"{stage} {code} {text}")
    got_qid, m = by_message_id(mid)
    if m is None:
        ph.done(False, f"{qid} accepted but not delivered; queue: {ph.queue()}")
    findings = " ".join(m.get_all("X-BEC-Findings") or [])
    symbols = {s.split("(")[0].strip() for s in findings.split(",") if s.strip()}
    missing = [s for s in want if s not in symbols]
    present = [s for s in never if s in symbols]
    ok = not missing and not present and m.get("X-BEC-Findings") is not None
    ph.done(ok, f"{qid} delivered; X-BEC-Verdict: {m.get('X-BEC-Verdict')!r}; X-BEC-Findings: {findings!r}"
                + (f"; missing {missing}" if missing else "") + (f"; unexpected {present}" if present else ""))


def known(binary, config, address, want, seconds="2"):
    """yes: polls until known, at most SECONDS; no: waits SECONDS (for a wrong lesson to land), then asks."""
    if want == "no":
        time.sleep(float(seconds))
    end = time.time() + float(seconds)
    cmd = ["setpriv", "--reuid=bec-milter", "--regid=bec-milter", "--init-groups", "--",
           binary, "history", "show", address, "--json", "--config", config]
    while True:
        out = subprocess.run(cmd, capture_output=True, text=True)
        try:
            h = json.loads(out.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            h = {"error": (out.stderr or out.stdout).strip()[-300:]}
        if h.get("known") == (want == "yes") or time.time() > end:
            break
        time.sleep(0.1)
    ph.done(h.get("known") == (want == "yes"), f"history show {address}: {json.dumps(h)[:300]}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"outbound": outbound, "inbound": inbound, "known": known}[cmd](*args)

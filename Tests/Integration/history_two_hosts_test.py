#!/usr/bin/env python3
"""Sender history shared by two milter hosts (issue 8): two `bec-milter run` processes, one
PostgreSQL history store. What host A learns from an outbound message, host B uses.

Run it under postgres.sh, which starts a throw-away PostgreSQL on loopback:

    bash Tests/Integration/postgres.sh python3 Tests/Integration/history_two_hosts_test.py --binary PATH

Checks (one PASS/FAIL line each):
  - before anything is learned, B sees the future reply as FIRST_CONTACT_DOMAIN (control);
  - A: an authenticated outbound message from Margaret Okafor to a new outside address (and one
    from a person the config does not know) is accepted, and the store then knows the recipient;
    so does one from our submission service without SASL ({daemon_name} ORIGINATING), which must
    also be scored as our own mail, not as a spoof of our domain;
  - B: the reply from that correspondent (In-Reply-To the outbound Message-ID) is not
    FIRST_CONTACT, FIRST_CONTACT_DOMAIN nor REPLY_TO_UNSEEN_THREAD; a lookalike domain is
    FIRST_CONTACT_DOMAIN; another address at the correspondent's domain is FIRST_CONTACT; the
    learned display name from a freemail address is KNOWN_NAME_NEW_ADDRESS (a protected executive's
    name is IMPERSONATE_EXECUTIVE only, not counted twice); the correspondent with a new Reply-To
    is NEW_REPLYTO_FOR_KNOWN_SENDER; a reply to one of our Message-IDs no host saw is
    REPLY_TO_UNSEEN_THREAD;
  - poisoning: mail through B without authentication that claims our own domain, carries an
    Authentication-Results of another authserv-id, or ours with only a non-aligned pass, is
    delivered but teaches nothing (`history show` says not known); an aligned pass from our
    authserv-id does teach (control, so the poisoning checks are not vacuous); an aligned-pass
    sender using a display name bound to our own address gets no binding for it;
  - the store down (PostgreSQL stopped, when postgres.sh says where its cluster is): a message
    through B is still accepted and its verdict line says the history store was unavailable;
    after PostgreSQL comes back, history findings return.
Exit status is non-zero on any failure; the last line is "N passed, N failed".
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from milterclient import MilterClient, MilterProcess  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
EXAMPLE = os.path.join(ROOT, "deploy/examples/calloway-freight")
RESULTS = {"passed": 0, "failed": 0}
HISTORY_SYMBOLS = ("FIRST_CONTACT", "FIRST_CONTACT_DOMAIN", "KNOWN_NAME_NEW_ADDRESS", "NEW_REPLYTO_FOR_KNOWN_SENDER",
                   "REPLY_TO_UNSEEN_THREAD", "HISTORY_UNAVAILABLE")
OPEN_INBOX = "open.inbox@callowayfreight.com"  # see write_configs
LEARN_WAIT = 2.0  # learning is asynchronous: a few ms; poll at most this long


def check(name, ok, detail=""):
    RESULTS["passed" if ok else "failed"] += 1
    print(("PASS " if ok else "FAIL ") + name + (f"  [{detail}]" if detail else ""), flush=True)
    return ok


def find_binary(given):
    for b in [given, os.environ.get("BEC_MILTER"), os.path.join(ROOT, ".build/debug/bec-milter"),
              os.path.join(ROOT, ".build/release/bec-milter")]:
        if b and os.access(b, os.X_OK):
            return os.path.abspath(b)
    sys.exit("bec-milter binary not found: build it (swift build) or pass --binary")


class Host(MilterProcess):
    """One `bec-milter run` (a milter host), stderr (verdict lines) collected in a file."""

    def __init__(self, name, binary, config, socket_path, workdir):
        self.name, self.config, self.spec = name, config, "unix:" + socket_path
        self.seq = 0
        try:
            super().__init__(binary, config, os.path.join(workdir, f"milter-{name}.log"), wait_path=socket_path)
        except RuntimeError as e:
            raise RuntimeError(f"milter {name}: {e}") from None

    def verdict_line(self, queue_id, timeout=5.0):
        end = time.time() + timeout
        while True:
            for j in self.verdict_lines():
                if j.get("queue_id") == queue_id:
                    return j
            if time.time() > end:
                return None
            time.sleep(0.05)

    def send(self, raw, mail_from, rcpts, client_addr="198.51.100.7", auth=None, daemon_name="smtpd"):
        """One SMTP-like session; returns (Result, verdict line, [finding symbols])."""
        self.seq += 1
        qid = f"H{self.name}{self.seq:04d}"
        c = MilterClient(self.spec)
        try:
            r = c.send_message(raw, mail_from, rcpts, client_addr=client_addr, client_name="mail.example.net",
                               queue_id=qid, auth=auth, daemon_name=daemon_name)
        finally:
            c.close()
        line = self.verdict_line(qid) or {}
        symbols = [f["symbol"] for f in line.get("findings", [])]
        return r, line, symbols



def delivered(r):
    """The milter's answer lets the message through (accept/continue, not held)."""
    return r.action in ("accept", "continue") and r.reply is None and r.quarantine is None


def header(r, name):
    return next((v for n, v in r.added_headers if n.lower() == name.lower()), None)


def describe(r, line, symbols):
    return (f"action={r.action}{' ' + r.reply if r.reply else ''} X-BEC-Verdict={header(r, 'X-BEC-Verdict')!r} score={line.get('score')} "
            f"findings={','.join(symbols) or '-'} X-BEC-Findings={header(r, 'X-BEC-Findings')!r}"
            + (f" notes={line.get('notes')}" if line.get("notes") else ""))


def history_show(binary, config, address):
    out = subprocess.run([binary, "history", "show", address, "--json", "--config", config], capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": (out.stderr or out.stdout).strip()[-300:]}
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": out.stdout[-300:]}


def wait_known(binary, config, address, want=True, timeout=LEARN_WAIT):
    """Polls `history show` until `known` is `want` or the time is up; returns (state, seconds)."""
    t0 = time.time()
    while True:
        h = history_show(binary, config, address)
        if h.get("known") == want or time.time() - t0 > timeout:
            return h, time.time() - t0
        time.sleep(0.1)


def wait_paired(binary, config, address, local, timeout=LEARN_WAIT):
    """Polls `history show` until `local` is among the address's correspondents (what authenticated
    inbound mail teaches: the pair, never organization-wide knowledge); returns (state, seconds)."""
    t0 = time.time()
    while True:
        h = history_show(binary, config, address)
        if local in (h.get("correspondents") or []) or time.time() - t0 > timeout:
            return h, time.time() - t0
        time.sleep(0.1)


def msg(frm, to, subject, mid, extra="", body="Thanks, see you next week.\n"):
    return (f"{extra}From: {frm}\nTo: {to}\nSubject: {subject}\nDate: Mon, 12 Jan 2026 09:00:00 +0000\n"
            f"Message-ID: <{mid}>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}").encode()


def write_configs(workdir, url):
    """The worked example's organization, one config per host: same history, own socket and state."""
    cfgdir = os.path.join(workdir, "cfg")
    shutil.copytree(EXAMPLE, cfgdir)
    base = open(os.path.join(cfgdir, "bec-milter.yaml")).read()
    # One extra mailbox whose thresholds no message here reaches: the poisoning checks need forged
    # mail delivered with an accept verdict (what could teach), whatever the shipped weights are.
    with open(os.path.join(cfgdir, "rules", "history-test.yaml"), "w") as f:
        f.write(f"description: history_two_hosts_test.py overlay\nrecipient_groups:\n"
                f"  - name: history-test-open-inbox\n    addresses: [{OPEN_INBOX}]\n"
                f"    thresholds: {{tag: 90, quarantine: 95, reject: 99}}\n")
    base, n = re.subn(r"(?m)^rules: \[rules/calloway\.yaml\]$", "rules: [rules/calloway.yaml, rules/history-test.yaml]", base)
    assert n == 1, "example config layout changed (rules:)"
    out = {}
    for name in ("a", "b"):
        state = os.path.join(workdir, f"state-{name}")
        os.makedirs(state)
        text = re.sub(r"(?m)^  socket: .*$", f"  socket: unix:{workdir}/{name}.sock", base)
        text = re.sub(r"(?m)^state_dir: .*$", f"state_dir: {state}", text)
        assert f"{workdir}/{name}.sock" in text and state in text, "example config layout changed"
        text += f"\nhistory:\n  store: postgres\n  postgres_url: {json.dumps(url)}\n  warmup_days: 0\n"
        path = os.path.join(cfgdir, f"host-{name}.yaml")
        with open(path, "w") as f:
            f.write(text)
        out[name] = path
    return out


def postgres_ctl(action, port):
    """Stops or starts the PostgreSQL cluster of postgres.sh (BEC_TEST_POSTGRES_DATA/_BIN). True on success."""
    data, pgbin = os.environ.get("BEC_TEST_POSTGRES_DATA"), os.environ.get("BEC_TEST_POSTGRES_BIN")
    if not data or not pgbin:
        return False
    as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if action == "stop":
        cmd = [f"{pgbin}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]
    else:
        cmd = [f"{pgbin}/pg_ctl", "-D", data, "-w", "-l", f"{data}/server.log", "-o",
               f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={data} -c fsync=off", "start"]
    return subprocess.run(as_pg + cmd, capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary")
    ap.add_argument("--keep", action="store_true", help="leave the work directory")
    args = ap.parse_args()
    binary = find_binary(args.binary)
    url = os.environ.get("BEC_TEST_POSTGRES_URL")
    if not url:
        sys.exit("BEC_TEST_POSTGRES_URL is not set: run me under Tests/Integration/postgres.sh")
    started = time.time()
    workdir = tempfile.mkdtemp(prefix="bec-history2-")
    os.chmod(workdir, 0o755)
    cfg = write_configs(workdir, url)
    hosts = []
    try:
        a = Host("a", binary, cfg["a"], f"{workdir}/a.sock", workdir)
        hosts.append(a)
        b = Host("b", binary, cfg["b"], f"{workdir}/b.sock", workdir)
        hosts.append(b)
        opened = lambda: all(re.search(r"history store postgres\S* open", h.text()) for h in hosts)
        end = time.time() + 10  # the store may be opened in the background after "listening on"
        while not opened() and time.time() < end:
            time.sleep(0.05)
        check("two milter hosts up on one PostgreSQL history store",
              opened() and not any("unavailable" in h.text() for h in hosts),
              "; ".join(l for h in hosts for l in h.text().splitlines() if "history store" in l)[:400])

        partner = "partner@northwind-example.com"
        ours = "margaret.okafor@callowayfreight.com"

        # --- control: before host A has learned anything, host B sees the reply as first contact
        raw = msg(f"Pat Northwind <{partner}>", ours, "Shipment schedule", "pre-1@northwind-example.com")
        r, line, sym = b.send(raw, partner, [ours])
        check("B before learning: the partner is FIRST_CONTACT_DOMAIN (history is consulted, no warm-up)",
              "FIRST_CONTACT_DOMAIN" in sym, describe(r, line, sym))

        # --- host A: authenticated outbound submission
        raw = msg(f"Margaret Okafor <{ours}>", f"Pat Northwind <{partner}>", "Shipment schedule for Q1", "m1@callowayfreight.com",
                  body="Hi Pat,\n\nPlease find the schedule below. Talk soon.\n\nMargaret\n")
        r, line, sym = a.send(raw, ours, [partner], client_addr="203.0.113.40", auth="margaret.okafor")
        check("A: authenticated outbound message is delivered (accept/tag: it may teach)",
              delivered(r) and line.get("action") in ("accept", "tag") and line.get("authenticated") is True, describe(r, line, sym))
        check("A: outbound mail gets no history findings",
              not any(s in HISTORY_SYMBOLS for s in sym), describe(r, line, sym))
        h, waited = wait_known(binary, cfg["b"], partner)
        check(f"store learned the outside recipient from A (history show via B's config, {waited:.2f} s)",
              h.get("known") is True and h.get("domainKnown") is True, json.dumps(h)[:400])

        nadia = "nadia.brennan@callowayfreight.com"
        raw = msg(f"Nadia Brennan <{nadia}>", "ops@harbourline-example.org", "Pallets", "m2@callowayfreight.com")
        r, line, sym = a.send(raw, nadia, ["ops@harbourline-example.org"], client_addr="203.0.113.41", auth="nadia.brennan")
        h2, _ = wait_known(binary, cfg["b"], "ops@harbourline-example.org")
        check("A: a second outbound message (sender not in the config) is delivered and learned",
              delivered(r) and h2.get("known") is True, describe(r, line, sym) + " / " + json.dumps(h2)[:200])

        # Our submission service without SASL: Postfix's -o milter_macro_daemon_name=ORIGINATING
        # (history.outbound_daemon_names), the client outside internal_networks.
        priya = "priya.raman@callowayfreight.com"
        raw = msg(f"Priya Raman <{priya}>", "Fjordline Orders <orders@fjordline-example.no>", "Container booking",
                  "m3@callowayfreight.com")
        r, line, sym = a.send(raw, priya, ["orders@fjordline-example.no"], client_addr="203.0.113.42", daemon_name="ORIGINATING")
        h3, _ = wait_known(binary, cfg["b"], "orders@fjordline-example.no")
        check("A: outbound through the ORIGINATING daemon (no SASL) is delivered and learned",
              delivered(r) and h3.get("known") is True, describe(r, line, sym) + " / " + json.dumps(h3)[:200])
        check("A: outbound through the ORIGINATING daemon is our own mail, not scored as spoofing (accept, internal mail)",
              line.get("verdict") == "accept" and "OWN_DOMAIN_SPOOF" not in sym, describe(r, line, sym))

        # --- host B uses what A learned
        raw = msg(f"Pat Northwind <{partner}>", f"Margaret Okafor <{ours}>", "Re: Shipment schedule for Q1",
                  "r1@northwind-example.com",
                  extra="In-Reply-To: <m1@callowayfreight.com>\nReferences: <m1@callowayfreight.com>\n",
                  body="Thanks Margaret, looks good.\n\n> Please find the schedule below.\n")
        r, line, sym = b.send(raw, partner, [ours])
        bad = [s for s in sym if s in ("FIRST_CONTACT", "FIRST_CONTACT_DOMAIN", "REPLY_TO_UNSEEN_THREAD")]
        findings_hdr = header(r, "X-BEC-Findings") or ""
        check("B: the reply from the correspondent is not FIRST_CONTACT*, not REPLY_TO_UNSEEN_THREAD",
              line != {} and not bad and "FIRST_CONTACT" not in findings_hdr and "REPLY_TO_UNSEEN_THREAD" not in findings_hdr,
              describe(r, line, sym))
        check("B: the reply is delivered", delivered(r), describe(r, line, sym))

        raw = msg(f"Pat Northwind <partner@northwind-examp1e.com>", ours, "Re: Shipment schedule for Q1",
                  "r2@northwind-examp1e.com", extra="In-Reply-To: <m1@callowayfreight.com>\n")
        r, line, sym = b.send(raw, "partner@northwind-examp1e.com", [ours])
        check("B: lookalike domain northwind-examp1e.com is FIRST_CONTACT_DOMAIN", "FIRST_CONTACT_DOMAIN" in sym,
              describe(r, line, sym))

        raw = msg("Billing <billing@northwind-example.com>", ours, "Invoice 2231", "r3@northwind-example.com")
        r, line, sym = b.send(raw, "billing@northwind-example.com", [ours])
        check("B: a new address at the known domain is FIRST_CONTACT (not _DOMAIN)",
              "FIRST_CONTACT" in sym and "FIRST_CONTACT_DOMAIN" not in sym, describe(r, line, sym))

        raw = msg("Margaret Okafor <margaret.okafor@gmail.com>", "kevin.doyle@callowayfreight.com", "Quick question",
                  "f1@mail.gmail.com")
        r, line, sym = b.send(raw, "margaret.okafor@gmail.com", ["kevin.doyle@callowayfreight.com"], client_addr="209.85.218.47")
        check("B: \"Margaret Okafor\" <margaret.okafor@gmail.com> (a protected executive, name bound by A's outbound mail) "
              "is flagged once: IMPERSONATE_EXECUTIVE, not also KNOWN_NAME_NEW_ADDRESS",
              "IMPERSONATE_EXECUTIVE" in sym and "KNOWN_NAME_NEW_ADDRESS" not in sym, describe(r, line, sym))

        raw = msg("Nadia Brennan <nadia.brennan.home@gmail.com>", "kevin.doyle@callowayfreight.com", "Quick question",
                  "f2@mail.gmail.com")
        r, line, sym = b.send(raw, "nadia.brennan.home@gmail.com", ["kevin.doyle@callowayfreight.com"], client_addr="209.85.218.47")
        check("B: a name learned only from A's outbound mail (not in the config) from freemail is KNOWN_NAME_NEW_ADDRESS",
              "KNOWN_NAME_NEW_ADDRESS" in sym, describe(r, line, sym))

        raw = msg(f"Pat Northwind <{partner}>", ours, "Updated bank details", "r4@northwind-example.com",
                  extra="Reply-To: pat.northwind@northwind-examp1e.com\n")
        r, line, sym = b.send(raw, partner, [ours])
        check("B: the known correspondent with a new Reply-To is NEW_REPLYTO_FOR_KNOWN_SENDER",
              "NEW_REPLYTO_FOR_KNOWN_SENDER" in sym and "FIRST_CONTACT" not in sym, describe(r, line, sym))

        raw = msg(f"Pat Northwind <{partner}>", f"Margaret Okafor <{ours}>", "Re: Shipment schedule for Q1",
                  "r5@northwind-example.com", extra="In-Reply-To: <never-sent-0042@callowayfreight.com>\n")
        r, line, sym = b.send(raw, partner, [ours])
        check("B: a reply to a Message-ID of ours that no host ever saw is REPLY_TO_UNSEEN_THREAD (the ledger is what "
              "cleared the real reply)", "REPLY_TO_UNSEEN_THREAD" in sym, describe(r, line, sym))

        # --- poisoning: forged mail through B (no SASL, daemon smtpd) must teach nothing
        poison = [
            ("our own domain in From, no authentication, outside envelope recipient",
             msg(f"Margaret Okafor <{ours}>", "Lee <lee@poison-one-example.net>", "Meeting", "p1@callowayfreight.com",
                 extra="Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=callowayfreight.com; "
                       "dmarc=pass header.from=callowayfreight.com\n"),
             ours, ["lee@poison-one-example.net"], "lee@poison-one-example.net"),
            ("Authentication-Results of another authserv-id with dkim=pass and dmarc=pass",
             msg("Lee Poison <lee@poison-two-example.net>", OPEN_INBOX, "Meeting", "p2@poison-two-example.net",
                 extra="Authentication-Results: mx.poison-two-example.net; dkim=pass header.d=poison-two-example.net; "
                       "dmarc=pass header.from=poison-two-example.net\n"),
             "lee@poison-two-example.net", [OPEN_INBOX], "lee@poison-two-example.net"),
            ("our authserv-id, but only a non-aligned DKIM pass (and SPF)",
             msg("Lee Poison <lee@poison-three-example.net>", OPEN_INBOX, "Meeting", "p3@poison-three-example.net",
                 extra="Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=poison-three-example.net; "
                       "dkim=pass header.d=bulk-sender-example.com; dmarc=fail header.from=poison-three-example.net\n"),
             "lee@poison-three-example.net", [OPEN_INBOX], "lee@poison-three-example.net"),
            # At a domain already known: the address must still not become known.
            ("an aligned pass with our authserv-id, but below our MX's own (topmost) Authentication-Results",
             msg("Lee Poison <lee@northwind-example.com>", OPEN_INBOX, "Meeting", "p4@northwind-example.com",
                 extra="Authentication-Results: mx.callowayfreight.com; spf=none smtp.mailfrom=northwind-example.com; "
                       "dkim=none; dmarc=none header.from=northwind-example.com\n"
                       "Received: from attacker.example (attacker.example [198.51.100.66]) by relay.example; Mon, 12 Jan 2026 08:59:00 +0000\n"
                       "Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=northwind-example.com; "
                       "dmarc=pass header.from=northwind-example.com\n"),
             "lee@northwind-example.com", [OPEN_INBOX], "lee@northwind-example.com"),
        ]
        for what, raw, mf, rcpts, probe in poison:
            r, line, sym = b.send(raw, mf, rcpts)
            ok_delivered = delivered(r) and line.get("verdict") == "accept"
            h, _ = wait_known(binary, cfg["a"], probe, want=True, timeout=0.5)  # give a wrong lesson time to land
            domain_known_before = probe.endswith("@northwind-example.com")
            check(f"poisoning: {what}: delivered (accept), yet {probe} is not known nor paired",
                  ok_delivered and h.get("known") is False and h.get("domainKnown") is domain_known_before
                  and not h.get("correspondents"),
                  describe(r, line, sym) + " / history show: " + json.dumps(h)[:300])

        # Control: the same shape with an aligned pass from our own authserv-id does teach.
        good = "rosa@aligned-vendor-example.com"
        raw = msg(f"Rosa Aligned <{good}>", OPEN_INBOX, "Meeting", "g1@aligned-vendor-example.com",
                  extra="Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=aligned-vendor-example.com; "
                        "dkim=pass header.d=aligned-vendor-example.com; dmarc=pass header.from=aligned-vendor-example.com\n")
        r, line, sym = b.send(raw, good, [OPEN_INBOX])
        h, waited = wait_paired(binary, cfg["a"], good, OPEN_INBOX)
        check(f"control: an aligned DKIM/DMARC pass from our authserv-id, accepted, teaches the pair with its recipient "
              f"({waited:.2f} s), not organization-wide knowledge",
              delivered(r) and OPEN_INBOX in (h.get("correspondents") or []) and h.get("known") is False,
              describe(r, line, sym) + " / " + json.dumps(h)[:300])

        # A sender with its own aligned DKIM pass may become a correspondent, but may not take over a
        # display name already bound to our own address (learned from A's outbound mail).
        evil = "nadia@signed-lookalike-example.com"
        raw = msg(f"Nadia Brennan <{evil}>", OPEN_INBOX, "Meeting", "p5@signed-lookalike-example.com",
                  extra="Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=signed-lookalike-example.com; "
                        "dkim=pass header.d=signed-lookalike-example.com; dmarc=pass header.from=signed-lookalike-example.com\n")
        r, line, sym = b.send(raw, evil, [OPEN_INBOX])
        h, _ = wait_paired(binary, cfg["a"], evil, OPEN_INBOX)
        first = describe(r, line, sym)
        raw = msg(f"Nadia Brennan <{evil}>", OPEN_INBOX, "Meeting again", "p6@signed-lookalike-example.com",
                  extra="Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=signed-lookalike-example.com; "
                        "dkim=pass header.d=signed-lookalike-example.com; dmarc=pass header.from=signed-lookalike-example.com\n")
        r, line, sym = b.send(raw, evil, [OPEN_INBOX])
        check("poisoning: an aligned-pass sender using a name bound to our address is paired with its recipient, "
              "but gets no name binding; its next message is still KNOWN_NAME_NEW_ADDRESS",
              "KNOWN_NAME_NEW_ADDRESS" in first and OPEN_INBOX in (h.get("correspondents") or []) and h.get("names") == []
              and "KNOWN_NAME_NEW_ADDRESS" in sym,
              first + " / history show: " + json.dumps(h)[:300] + " / second: " + describe(r, line, sym))

        # --- the store down: mail keeps flowing, the verdict says history was skipped
        port = urllib.parse.urlparse(url).port
        if postgres_ctl("stop", port):
            raw = msg("Someone <someone@store-down-example.net>", ours, "Hello", "d1@store-down-example.net")
            t0 = time.time()
            r, line, sym = b.send(raw, "someone@store-down-example.net", [ours])
            took = time.time() - t0
            said = ("HISTORY_UNAVAILABLE" in sym or any("history store unavailable" in n for n in line.get("notes", []))
                    or "history=unavailable" in (header(r, "X-BEC-Verdict") or ""))
            check(f"PostgreSQL stopped: the message is still delivered ({took:.2f} s) and its verdict says history was unavailable",
                  delivered(r) and said and not any(s in sym for s in ("FIRST_CONTACT", "FIRST_CONTACT_DOMAIN")),
                  describe(r, line, sym))
            check("PostgreSQL stopped: the delivered message's X-BEC-Verdict says history=unavailable",
                  "history=unavailable" in (header(r, "X-BEC-Verdict") or ""), describe(r, line, sym))
            check("PostgreSQL stopped: the milter is still running", b.proc.poll() is None)
            if postgres_ctl("start", port):
                t0, sym = time.time(), []
                while time.time() - t0 < 15:
                    raw = msg("Someone <someone@store-back-example.net>", ours, "Hello", f"d2-{time.time()}@store-back-example.net")
                    r, line, sym = b.send(raw, "someone@store-back-example.net", [ours])
                    if "FIRST_CONTACT_DOMAIN" in sym:
                        break
                    time.sleep(0.5)
                check(f"PostgreSQL back: history findings return ({time.time() - t0:.1f} s)", "FIRST_CONTACT_DOMAIN" in sym,
                      describe(r, line, sym))
            else:
                check("PostgreSQL restarted", False, "pg_ctl start failed")
        else:
            print("SKIP store-down checks: BEC_TEST_POSTGRES_DATA/BEC_TEST_POSTGRES_BIN not set (postgres.sh exports them)")

        check("both milters still running", all(h.proc.poll() is None for h in hosts))
    finally:
        for h in hosts:
            h.stop()
        if RESULTS["failed"]:
            for h in hosts:
                print(f"--- milter {h.name} log (last 40 lines)")
                print("\n".join(h.text().splitlines()[-40:]))
        if args.keep:
            print("work directory kept:", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed ({time.time() - started:.1f} s)")
    sys.exit(1 if RESULTS["failed"] else 0)


if __name__ == "__main__":
    main()

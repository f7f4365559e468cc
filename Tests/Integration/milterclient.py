#!/usr/bin/env python3
"""A small, independent milter protocol (version 6) client: it plays the MTA side the way Postfix
does, so tests can drive the real `bec-milter run` binary over its socket.

Only the standard library. Usage from Python:

    c = MilterClient("unix:/tmp/x.sock")
    r = c.send_message(raw_bytes, mail_from="a@b", rcpts=["c@d"], client_addr="192.0.2.1")
    r.action, r.reply, r.added_headers, r.changed_headers, r.quarantine
    c.close()
"""
import json
import os
import signal
import socket
import struct
import subprocess
import time

# Commands (MTA -> milter)
SMFIC_ABORT, SMFIC_BODY, SMFIC_CONNECT, SMFIC_MACRO = b"A", b"B", b"C", b"D"
SMFIC_BODYEOB, SMFIC_HELO, SMFIC_QUIT_NC, SMFIC_HEADER = b"E", b"H", b"K", b"L"
SMFIC_MAIL, SMFIC_EOH, SMFIC_OPTNEG, SMFIC_QUIT = b"M", b"N", b"O", b"Q"
SMFIC_RCPT, SMFIC_DATA = b"R", b"T"
# Replies (milter -> MTA)
FINAL = {b"a": "accept", b"c": "continue", b"d": "discard", b"r": "reject", b"t": "tempfail", b"y": "replycode"}
SMFIR_ADDHEADER, SMFIR_INSHEADER, SMFIR_CHGHEADER = b"h", b"i", b"m"
SMFIR_REPLBODY, SMFIR_QUARANTINE, SMFIR_PROGRESS = b"b", b"q", b"p"
# Protocol flags
P_NOCONNECT, P_NOHELO, P_NOMAIL, P_NORCPT, P_NOBODY, P_NOHDRS, P_NOEOH = 0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40
P_NR_HDR, P_NOUNKNOWN, P_NODATA, P_SKIP, P_RCPT_REJ = 0x80, 0x100, 0x200, 0x400, 0x800
P_NR_CONN, P_NR_HELO, P_NR_MAIL, P_NR_RCPT, P_NR_DATA = 0x1000, 0x2000, 0x4000, 0x8000, 0x10000
P_NR_UNKN, P_NR_EOH, P_NR_BODY, P_HDR_LEADSPC = 0x20000, 0x40000, 0x80000, 0x100000
ALL_PROTOCOL = 0x1FFFFF
ALL_ACTIONS = 0x1FF
CHUNK = 65535


class MilterError(Exception):
    pass


class Result:
    def __init__(self):
        self.action = None          # accept / continue / reject / tempfail / discard
        self.reply = None           # "550 5.7.1 text" for a replycode
        self.added_headers = []     # [(name, value)]
        self.inserted_headers = []  # [(index, name, value)]
        self.changed_headers = []   # [(index, name, value)]; value "" means delete
        self.new_body = None
        self.quarantine = None
        self.early = None           # a non-continue answer before end of message

    @property
    def verdict_header(self):
        for n, v in self.added_headers:
            if n.lower() == "x-bec-verdict":
                return v
        return None

    def __repr__(self):
        return f"Result(action={self.action}, reply={self.reply!r}, added={self.added_headers}, changed={self.changed_headers}, quarantine={self.quarantine!r})"


def parse_socket(spec):
    if spec.startswith("unix:") or spec.startswith("local:"):
        return socket.AF_UNIX, spec.split(":", 1)[1]
    if spec.startswith("inet:"):
        port, _, host = spec[5:].partition("@")
        return socket.AF_INET, (host or "127.0.0.1", int(port))
    raise ValueError(spec)


def split_message(raw):
    """Header fields (name, value) as Postfix hands them to a milter without HDR_LEADSPC (leading
    whitespace of the value removed, folded lines joined with LF), and the body with CRLF line
    endings as Postfix sends it."""
    raw = raw.replace(b"\r\n", b"\n")
    head, sep, body = raw.partition(b"\n\n")
    if not sep:
        head, body = raw, b""
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b"\n" + line
        elif b":" in line:
            name, _, value = line.partition(b":")
            fields.append([name, value])
    headers = [(n.decode("utf-8", "surrogateescape"), v.lstrip(b" \t")) for n, v in fields]
    return headers, body.replace(b"\n", b"\r\n")


class MilterClient:
    def __init__(self, spec, timeout=30.0, actions=ALL_ACTIONS, protocol=ALL_PROTOCOL):
        family, addr = parse_socket(spec)
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(addr)
        if family == socket.AF_INET:
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.negotiate(actions, protocol)

    # --- framing
    def send(self, cmd, data=b""):
        self.sock.sendall(struct.pack("!I", len(data) + 1) + cmd + data)

    def recv(self):
        hdr = self._read(4)
        (n,) = struct.unpack("!I", hdr)
        body = self._read(n)
        return body[:1], body[1:]

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise MilterError("milter closed the connection")
            buf += chunk
        return buf

    # --- protocol
    def negotiate(self, actions, protocol):
        self.send(SMFIC_OPTNEG, struct.pack("!III", 6, actions, protocol))
        cmd, data = self.recv()
        if cmd != SMFIC_OPTNEG:
            raise MilterError(f"expected option negotiation, got {cmd!r}")
        self.version, self.actions, self.protocol = struct.unpack("!III", data[:12])
        self.symlists = {}
        rest = data[12:]
        while len(rest) >= 5:
            (stage,) = struct.unpack("!I", rest[:4])
            s, _, rest = rest[4:].partition(b"\0")
            self.symlists[stage] = s.decode()

    def _step(self, cmd, data, skip_flag, nr_flag, macros=None, macro_cmd=None):
        """Sends one protocol step (with its macros) unless skipped; returns the reply or None."""
        if skip_flag and self.protocol & skip_flag:
            return None
        if macros:
            payload = b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in macros.items())
            self.send(SMFIC_MACRO, (macro_cmd or cmd) + payload)
        self.send(cmd, data)
        if nr_flag and self.protocol & nr_flag:
            return None
        return self.recv()

    def connect_info(self, hostname="unknown", addr=None, port=25, macros=None):
        if addr is None:
            data = hostname.encode() + b"\0" + b"U"
        else:
            fam = b"6" if ":" in addr else b"4"
            data = hostname.encode() + b"\0" + fam + struct.pack("!H", port) + addr.encode() + b"\0"
        return self._step(SMFIC_CONNECT, data, P_NOCONNECT, P_NR_CONN, macros)

    def send_message(self, raw, mail_from, rcpts, client_addr=None, client_name=None, helo="client.example",
                     queue_id="4ABCDEF0001", auth=None, connect=True, chunk=CHUNK, daemon_name="smtpd"):
        """Runs one SMTP transaction in Postfix's order; returns a Result. daemon_name: the
        {daemon_name} connect macro (Postfix's milter_macro_daemon_name, e.g. ORIGINATING)."""
        r = Result()
        if connect:
            conn_macros = {"j": "mx.test.example", "{daemon_name}": daemon_name}
            if client_addr:
                conn_macros["{client_addr}"] = client_addr
            conn_macros["{client_name}"] = client_name or "unknown"
            self._early(r, self.connect_info(client_name or (f"[{client_addr}]" if client_addr else "unknown"),
                                             client_addr, macros=conn_macros))
            self._early(r, self._step(SMFIC_HELO, helo.encode() + b"\0", P_NOHELO, P_NR_HELO))
        mail_macros = {"{mail_addr}": mail_from}
        if auth:
            mail_macros["{auth_authen}"] = auth
        self._early(r, self._step(SMFIC_MAIL, b"<" + mail_from.encode() + b">\0", P_NOMAIL, P_NR_MAIL, mail_macros))
        for rc in rcpts:
            self._early(r, self._step(SMFIC_RCPT, b"<" + rc.encode() + b">\0", P_NORCPT, P_NR_RCPT,
                                      {"i": queue_id, "{rcpt_addr}": rc}))
        self._early(r, self._step(SMFIC_DATA, b"", P_NODATA, P_NR_DATA, {"i": queue_id}))
        headers, body = split_message(raw)
        for name, value in headers:
            self._early(r, self._step(SMFIC_HEADER, name.encode("utf-8", "surrogateescape") + b"\0" + value + b"\0",
                                      P_NOHDRS, P_NR_HDR))
        self._early(r, self._step(SMFIC_EOH, b"", P_NOEOH, P_NR_EOH, {"i": queue_id}))
        if not self.protocol & P_NOBODY:
            for i in range(0, len(body), chunk):
                self._early(r, self._step(SMFIC_BODY, body[i:i + chunk], None, P_NR_BODY))
        if r.early:
            return r
        self.send(SMFIC_MACRO, SMFIC_BODYEOB + b"i\0" + queue_id.encode() + b"\0")
        self.send(SMFIC_BODYEOB)
        self._read_eom(r)
        return r

    def _early(self, r, reply):
        if reply is None:
            return
        cmd, data = reply
        if cmd != b"c" and r.early is None:
            r.early = (cmd, data)

    def _read_eom(self, r):
        while True:
            cmd, data = self.recv()
            if cmd == SMFIR_ADDHEADER:
                n, v = data.split(b"\0")[:2]
                r.added_headers.append((n.decode(), v.decode("utf-8", "replace")))
            elif cmd == SMFIR_INSHEADER:
                (idx,) = struct.unpack("!I", data[:4])
                n, v = data[4:].split(b"\0")[:2]
                r.inserted_headers.append((idx, n.decode(), v.decode("utf-8", "replace")))
            elif cmd == SMFIR_CHGHEADER:
                (idx,) = struct.unpack("!I", data[:4])
                n, v = data[4:].split(b"\0")[:2]
                r.changed_headers.append((idx, n.decode(), v.decode("utf-8", "replace")))
            elif cmd == SMFIR_REPLBODY:
                r.new_body = (r.new_body or b"") + data
            elif cmd == SMFIR_QUARANTINE:
                r.quarantine = data.rstrip(b"\0").decode()
            elif cmd == SMFIR_PROGRESS:
                continue
            elif cmd in FINAL:
                r.action = FINAL[cmd]
                if cmd == b"y":
                    r.reply = data.rstrip(b"\0").decode()
                    r.action = "reject" if r.reply.startswith("5") else "tempfail"
                return
            else:
                raise MilterError(f"unexpected reply {cmd!r}")

    def abort(self):
        self.send(SMFIC_ABORT)

    def quit_nc(self):
        self.send(SMFIC_QUIT_NC)

    def close(self):
        try:
            self.send(SMFIC_QUIT)
        finally:
            self.sock.close()


def envelope_for(raw):
    """The dev corpus convention: sender = Return-Path, recipient = first To (or, for list mail,
    the `for <...>` of the top Received), client = the address in brackets of the top Received."""
    import email
    import email.utils
    import re
    from email import policy
    m = email.message_from_bytes(raw, policy=policy.compat32)
    rp = email.utils.parseaddr(m.get("Return-Path", "") or "")[1]
    to = email.utils.getaddresses(m.get_all("To") or [])
    rcpt = to[0][1] if to else ""
    received = m.get_all("Received") or []
    top = received[0] if received else ""
    if not rcpt.lower().endswith(("@callowayfreight.com", "@callowayfreight.co.uk")):
        f = re.search(r"for <([^>]+)>", top)
        if f:
            rcpt = f.group(1)
    ip = None
    g = re.search(r"\[((?:IPv6:)?[0-9A-Fa-f:.]+)\]", top)
    if g:
        ip = g.group(1).replace("IPv6:", "")
    name = None
    h = re.search(r"from\s+\S+\s+\(([^\s\[]+)\s+\[", top)
    if h:
        name = h.group(1)
    return rp, rcpt, ip, name


class MilterProcess:
    """A running `bec-milter run`, its stderr (log and verdict lines) collected in `log_path`.
    `socket_spec` overrides the config's socket; start-up waits for "listening on" (and for
    `wait_path` to exist, when given)."""

    def __init__(self, binary, config, log_path, socket_spec=None, wait_path=None, start_timeout=30):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        args = [binary, "run", "--config", config] + (["--socket", socket_spec] if socket_spec else [])
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + start_timeout
        while time.time() < deadline:
            if "listening on" in self.text() and (wait_path is None or os.path.exists(wait_path)):
                return
            if self.proc.poll() is not None:
                raise RuntimeError("milter exited at start:\n" + self.text())
            time.sleep(0.05)
        raise RuntimeError("milter did not start:\n" + self.text())

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def verdict_lines(self):
        return [json.loads(l) for l in self.text().splitlines() if l.startswith("{") and '"bec.verdict"' in l]

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

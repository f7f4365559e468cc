#!/usr/bin/env python3
"""Seeds for FuzzCallbacks: each .eml becomes a script of milter callbacks in Postfix's order
(connect, macros, MAIL, RCPT, headers, end of headers, body chunks, end of message, close).
The script format is FuzzCallbacks.Reader's: an op byte, then length-prefixed arguments.
Usage: callback_seeds.py OUTDIR FILE.eml..."""
import os
import sys

CONNECT, MAIL, RCPT, HEADER, EOH, BODY, EOM, ABORT, CLOSE, MACRO = 0, 1, 2, 3, 5, 6, 7, 8, 9, 10


def data(b):
    b = b[:0xFFFF]
    return bytes([len(b)]) + b if len(b) < 0xFF else bytes([0xFF, len(b) >> 8, len(b) & 0xFF]) + b


def script(raw):
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    out = bytes([CONNECT, 1]) + data(b"mail.example.net") + bytes([1]) + data(b"198.51.100.7")
    out += bytes([MACRO, 0]) + data(b"4QID1") + bytes([MAIL]) + data(b"<sender@example.net>")
    out += bytes([RCPT]) + data(b"<ap@callowayfreight.com>")
    fields = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b"\n" + line
        elif b":" in line:
            n, _, v = line.partition(b":")
            fields.append([n, v.lstrip(b" \t")])
    for n, v in fields[:40]:
        out += bytes([HEADER]) + data(n) + data(v)
    out += bytes([EOH])
    body = body.replace(b"\n", b"\r\n")[:8192]
    for i in range(0, len(body), 2048):
        out += bytes([BODY]) + data(body[i:i + 2048])
    return out + bytes([EOM, CLOSE])


if __name__ == "__main__":
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for k, path in enumerate(sys.argv[2:]):
        with open(path, "rb") as f, open(os.path.join(outdir, f"seed-{k:04d}"), "wb") as o:
            o.write(script(f.read()))

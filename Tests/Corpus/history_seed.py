#!/usr/bin/env python3
"""Measures how sender history changes the dev-corpus scores.

Writes an mbox of *sent mail* derived only from org.json (each of our people once to each vendor
contact: what any real site's sent folder holds), seeds a fresh history store with
`bec-milter history import`, and runs `bec-milter eval` without and with `--history`.
Nothing is learned from the corpus messages themselves.

Usage: Tests/Corpus/history_seed.py BINARY [CORPUS_DIR]
"""
import json, os, subprocess, sys, tempfile
from email.utils import formataddr, parseaddr, format_datetime
from datetime import datetime, timezone, timedelta

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
binary = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(root, ".build/release/bec-milter")
corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "..", "shared", "corpus")
if not os.path.isfile(os.path.join(corpus, "org.json")):
    print(f"history_seed: {corpus}/org.json absent; skipped")
    sys.exit(0)
org = json.load(open(os.path.join(corpus, "org.json")))
work = tempfile.mkdtemp(prefix="bec-history-seed-")
people = [(p["name"], p["addresses"][0]) for p in org["protected_people"]] + \
         [(s["name"], s["address"]) for s in org["staff_targets"]]
t = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
n = 0
with open(os.path.join(work, "sent.mbox"), "w") as f:
    for name, addr in people:
        for v in org["vendors"]:
            cname, caddr = parseaddr(v["contact"])
            n += 1
            t += timedelta(minutes=7)
            f.write(f"From {addr} {t.strftime('%a %b %d %H:%M:%S %Y')}\n")
            f.write(f"From: {formataddr((name, addr))}\nTo: {formataddr((cname, caddr))}\n")
            f.write(f"Subject: {v['name']}\nMessage-ID: <seed-{n}@{addr.split('@')[1]}>\nDate: {format_datetime(t)}\n\nThanks.\n\n")

example = os.path.join(root, "deploy/examples/calloway-freight/bec-milter.yaml")
cfg = open(example).read().replace("state_dir: /var/lib/bec-milter", f"state_dir: {work}")
cfg = cfg.replace("rules: [rules/", f"rules: [{os.path.dirname(example)}/rules/")
config = os.path.join(work, "bec-milter.yaml")
open(config, "w").write(cfg)

def run(*args):
    r = subprocess.run([binary, *args], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr); sys.exit(1)
    return r.stdout

print(run("history", "import", "--config", config, os.path.join(work, "sent.mbox")).strip())
dev = os.path.join(corpus, "dev")
labels = os.path.join(dev, "labels.tsv")
for mode in ([], ["--history"]):
    out = run("eval", "--config", config, "--labels", labels, "--verbose", *mode, dev)
    summary = [l for l in out.splitlines() if l.startswith("summary:")][0]
    conf = out.split("confusion (label x action)")[1].split("\n\n")[0].strip()
    print(f"\n== {'with seeded history' if mode else 'without history'}\n{summary}\n{conf}")
    rows = {l.split("\t")[3]: (l.split("\t")[0].strip(), l.split("\t")[1], float(l.split("\t")[2])) for l in out.splitlines()[out.splitlines().index("all:") + 1:]}
    if not mode: before = rows
    else:
        up = sum(1 for k in rows if rows[k][2] > before[k][2])
        changed = [(k, before[k][1], rows[k][1]) for k in rows if rows[k][1] != before[k][1]]
        print(f"scores raised: {up}/{len(rows)}; actions changed: {len(changed)}")
        syms = {}
        for line in out.splitlines()[out.splitlines().index("all:") + 1:]:
            label, findings = line.split("\t")[0].strip(), line.split("\t")[-1]
            for s in ["FIRST_CONTACT", "FIRST_CONTACT_DOMAIN", "KNOWN_NAME_NEW_ADDRESS", "REPLY_TO_UNSEEN_THREAD", "NEW_REPLYTO_FOR_KNOWN_SENDER"]:
                if any(tok.split("(")[0].split("=")[0] == s for tok in findings.replace(",", " ").split()):
                    syms[(label, s)] = syms.get((label, s), 0) + 1
        print("history findings (label/symbol=messages): " + ", ".join(f"{k[0]}/{k[1]}={v}" for k, v in sorted(syms.items())))
        for k, a, b in sorted(changed): print(f"  {rows[k][0]}\t{a} -> {b}\t{k}")

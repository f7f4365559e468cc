#!/usr/bin/env python3
"""Sweeps ../shared/corpus through `bec-milter check --json` and `eval`.

Checks, per issue 2 and 3:
- every message (robustness, public, dev) gives exit status 0 and exactly one valid JSON line with
  file, action, score, findings[{symbol, weight, evidence}], defects; no message takes more than 1 s;
- dev corpus: BEC recall at tag+ >= 95%, at quarantine+ >= 70%, 0 ham tagged;
- public corpus: at most 0.5% of ham tagged.
Skips with a clear message when ../shared/corpus is absent. Prints 'N passed, N failed'.
"""
import json, os, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.environ.get("BEC_CORPUS", os.path.join(os.path.dirname(ROOT), "shared", "corpus"))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "bec-milter")
CONFIG = os.path.join(ROOT, "deploy", "examples", "calloway-freight", "bec-milter.yaml")
ACTIONS = {"accept", "tag", "quarantine", "reject"}
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def sweep(folder):
    files = []
    for d, _, names in os.walk(os.path.join(CORPUS, folder)):
        files += [os.path.join(d, n) for n in sorted(names) if not n.endswith((".tsv", ".md"))]
    files.sort()
    bad, slow, worst = [], [], 0.0
    start = time.time()
    for i in range(0, len(files), 200):
        batch = files[i:i + 200]
        p = subprocess.run([BIN, "check", "--json", "--config", CONFIG] + batch, capture_output=True, timeout=600)
        lines = p.stdout.decode("utf-8", "replace").splitlines()
        if p.returncode != 0 or len(lines) != len(batch):
            bad.append(f"batch {i}: exit {p.returncode}, {len(lines)} lines for {len(batch)} files: {p.stderr[-300:]!r}")
            continue
        for f, line in zip(batch, lines):
            try:
                o = json.loads(line)
                assert o["file"] == f and o["action"] in ACTIONS and isinstance(o["score"], (int, float))
                assert isinstance(o["defects"], list)
                for x in o["findings"]:
                    assert isinstance(x["symbol"], str) and isinstance(x["weight"], (int, float)) and isinstance(x["evidence"], str)
                worst = max(worst, o["elapsed_ms"])
                if o["elapsed_ms"] > 1000:
                    slow.append(f"{f}: {o['elapsed_ms']} ms")
            except Exception as e:  # noqa: BLE001 - report any contract breach
                bad.append(f"{f}: {e!r}: {line[:200]}")
    check(f"{folder}: {len(files)} messages, one valid JSON line each, exit 0", not bad and files, "; ".join(bad[:5]))
    check(f"{folder}: no message over 1 s (worst {worst:.1f} ms, {time.time() - start:.1f} s total)", not slow, "; ".join(slow[:5]))


def evaluate(folder):
    p = subprocess.run([BIN, "eval", "--config", CONFIG, "--labels", os.path.join(CORPUS, folder, "labels.tsv"), os.path.join(CORPUS, folder)],
                       capture_output=True, timeout=1200)
    out = p.stdout.decode()
    print("\n".join(["     " + l for l in out.splitlines() if l.startswith("summary") or l.startswith("  ")][:40]))
    summary = next((l for l in out.splitlines() if l.startswith("summary:")), "")
    fields = dict(kv.split("=", 1) for kv in summary.replace("summary:", "").split() if "=" in kv)
    return fields


def pct(s):
    return float(s.rstrip("%")) if s not in ("-", None) else 0.0


if not os.path.isdir(CORPUS):
    print(f"SKIP corpus sweep: {CORPUS} not present (the shared corpora live beside the project root)")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(0)

for folder in ("robustness", "dev", "public"):
    sweep(folder)

dev = evaluate("dev")
check(f"dev: BEC recall at tag+ {dev.get('recall_tag')} >= 95%", pct(dev.get("recall_tag")) >= 95.0)
check(f"dev: BEC at quarantine+ {dev.get('recall_quarantine')} >= 70%", pct(dev.get("recall_quarantine")) >= 70.0)
check(f"dev: ham tagged {dev.get('false_positives')} == 0", dev.get("false_positives") == "0")
pub = evaluate("public")
fp = int(pub.get("false_positives", "999999"))
neg = int(pub.get("negatives", "0") or 0)
check(f"public: ham tagged {fp}/{neg} <= 0.5%", neg > 0 and fp <= 0.005 * neg)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""The analyst's side of postfix_test.sh: a real headless Chromium (Selenium, Debian's chromium and
chromium-driver) against `bec-milter web`, on the quarantine store the milter of the real-Postfix test
wrote to. Logs in, finds the message the milter held in the list, opens it, reads the explanation, and
clicks Release. Whether Postfix then delivers it, and what the store says, postfix_test.sh checks itself.

  postfix_browser.py --base http://127.0.0.1:PORT --user NAME --password-file F --id RECORD
                     --binary BIN --config CONFIG [--screenshots DIR] [--driver-pid-file F]

The expected explanation comes from the store (`bec-milter quarantine show`): every finding's symbol
must be on the page, the evidence too (for ASCII evidence: non-ASCII characters are shown with their
code points), and for an impersonation the impersonated person's name under "Who it pretends to be".
Prints one "PASS what" or "FAIL what" line per check; exits 1 on any failure.
"""
import argparse
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from browser_test import chrome, shot, wait_url  # noqa: E402  (imports selenium)
from selenium.webdriver.common.by import By  # noqa: E402

failed = 0


def check(ok, what):
    global failed
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failed += 1
    return ok


def squash(s):
    return " ".join(s.split())


def findings(binary, config, rid):
    """(symbol, evidence) of every finding of the stored verdict, as `quarantine show` prints them."""
    out = subprocess.run([binary, "quarantine", "show", "--config", config, rid], capture_output=True, text=True, check=True).stdout
    head = out.split("\naudit:", 1)[0]
    return [(m.group(1), m.group(2).strip()) for m in re.finditer(r"(?m)^  [+-]?[0-9.]+  ([A-Z][A-Z0-9_]+)  (.*)$", head)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password-file", required=True)
    ap.add_argument("--id", required=True, help="the quarantine record of the held message")
    ap.add_argument("--binary", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--screenshots")
    ap.add_argument("--driver-pid-file", help="write chromedriver's pid here (for the caller's cleanup)")
    opts = ap.parse_args()
    # A TERM from the caller (timeout, trap) must still reach the finally below and quit Chromium.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    password = open(opts.password_file).read().splitlines()[0]
    base, rid = opts.base.rstrip("/"), opts.id
    expected = findings(opts.binary, opts.config, rid)
    check(bool(expected), "the stored verdict has findings to explain (%d)" % len(expected))

    driver = None
    try:
        driver = chrome()
        if opts.driver_pid_file and driver.service.process:
            with open(opts.driver_pid_file, "w") as f:
                f.write(str(driver.service.process.pid))

        driver.get(base + "/messages")
        check(driver.current_url == base + "/login", "an anonymous visit to /messages lands on /login")
        driver.find_element(By.NAME, "name").send_keys(opts.user)
        driver.find_element(By.NAME, "password").send_keys(password)
        driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
        wait_url(driver, lambda u: not u.endswith("/login"))
        check(driver.current_url.startswith(base + "/messages"), "login as %s leads to the list" % opts.user)
        shot(driver, opts, "postfix-list")

        links = driver.find_elements(By.CSS_SELECTOR, 'a[href="/messages/%s"]' % rid)
        row = links[0].find_element(By.XPATH, "./ancestor::tr").text if links else ""
        check(bool(links) and "held" in row, "the list shows the message the milter held, status held: %r" % squash(row)[:160])
        if not links:
            return
        links[0].click()
        wait_url(driver, lambda u: u.endswith("/messages/" + rid))
        check(driver.current_url == base + "/messages/" + rid, "the message page opens")
        shot(driver, opts, "postfix-message")
        main_el = driver.find_element(By.TAG_NAME, "main")
        text = squash(main_el.text)
        check("Why it was held" in text, "the page explains why it was held")
        missing = [s for s, _ in expected if s not in text]
        check(not missing, "every finding's symbol is shown (%s)%s" % (", ".join(s for s, _ in expected),
                                                                       " missing: %s" % missing if missing else ""))
        ascii_ev = [(s, e) for s, e in expected if e and e.isascii()]
        missing = [s for s, e in ascii_ev if squash(e) not in text]
        check(not missing, "the evidence of %d findings is shown verbatim%s" % (len(ascii_ev), " missing for: %s" % missing if missing else ""))
        people = [m.group(1) for s, e in expected if s.startswith("IMPERSONATE_") for m in [re.search(r"matches (.+?) \(", e)] if m]
        if people:
            section = ""
            for li in main_el.find_elements(By.CSS_SELECTOR, "ul.explain > li"):
                if li.text.startswith("Who it pretends to be"):
                    section = squash(li.text)
            check(all(p in section for p in people), "\"Who it pretends to be\" names %s" % ", ".join(people))
        lookalikes = [s for s, _ in expected if s.startswith("LOOKALIKE_")]
        if lookalikes:
            check("Lookalike domains" in text, "the lookalike domain is explained (%s)" % ", ".join(lookalikes))

        buttons = driver.find_elements(By.XPATH, "//button[contains(., 'Release')]")
        if not check(bool(buttons), "the page offers Release"):
            return
        buttons[0].click()
        wait_url(driver, lambda u: "done=" in u, seconds=30)
        shot(driver, opts, "postfix-released")
        text = squash(driver.find_element(By.TAG_NAME, "main").text)
        check("Released." in text and "Status: released" in text, "the release is reported and the page shows status released")
        check(re.search(r"\b%s release\b" % re.escape(opts.user), text) is not None and "from the Postfix hold queue" in text,
              "the page's audit trail shows who released it, through the Postfix hold queue")
    except Exception as e:  # a crash is a failure, not a pass
        check(False, "unexpected error: %r" % (e,))
    finally:
        if driver:
            driver.quit()
    return


if __name__ == "__main__":
    main()
    sys.exit(1 if failed else 0)

#!/usr/bin/env python3
"""Real-browser test of the quarantine web UI (headless Debian Chromium driven by Selenium).

Starts `bec-milter web` on loopback with a temporary SQLite store seeded (by `bec-milter quarantine
import`) with a BEC message and a hostile message, and a tiny SMTP sink standing in for the relay that
bypasses the milter. In the browser: log in, see the list, open the BEC message, read the explanation,
release it; the sink must receive the stored bytes exactly. Then open the hostile message: no script
may run (window.__pwned stays undefined, no alert), no request may leave for another host (Chrome's
performance log), no active element may exist in the page.

Usage: browser_test.py --binary PATH/bec-milter   (Tests/Integration/browser.sh installs and builds)
Prints "N passed, N failed"; exits 1 on any failure.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
POLICY = os.path.join(REPO, "deploy/examples/calloway-freight/bec-milter.yaml")
PASSWORD = "analyst password 1"

BEC = """Return-Path: <rnargaret.okafor@callowayfreightltd.com>
From: "Margaret \u039fkafor" <rnargaret.okafor@callowayfreightltd.com>
To: sara.whitfield@callowayfreight.com
Subject: Staff appreciation
Date: Mon, 4 May 2026 09:12:00 +0000
Message-ID: <browser-test-bec@callowayfreightltd.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Sara, are you at your desk? I need 10 Apple gift cards for staff appreciation today.
Keep this between us until the event. Scratch the codes and send photos.
.a line starting with a dot (dot-stuffing must be undone by the relay)
Margaret
"""

HOSTILE = """Return-Path: <attacker@evil.example>
From: "Evil <script>window.__pwned=1</script>" <attacker@evil.example>
To: sara.whitfield@callowayfreight.com
Reply-To: "x\\" onmouseover=\\"window.__pwned=2" <r@evil.example>
Subject: </title><script>window.__pwned=3;alert(3)</script><img src=https://remote.example/s.gif> invoice\u202efdp.exe
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b"

--b
Content-Type: multipart/alternative; boundary="c"

--c
Content-Type: text/plain; charset=utf-8

Click <a href="javascript:window.__pwned=4">here</a> <img src=x onerror="window.__pwned=5">
--c
Content-Type: text/html; charset=utf-8

<html><head><style>body{background:url(https://remote.example/track.png)} @import url(https://remote.example/i.css);</style>
<link rel="stylesheet" href="https://remote.example/x.css"><base href="https://remote.example/">
<meta http-equiv="refresh" content="0;url=https://remote.example/"></head>
<body onload="window.__pwned=6"><script>window.__pwned=7;alert(7)</script>
<img src="https://remote.example/pixel.gif" onerror="window.__pwned=8">
<a href="javascript:window.__pwned=9">pay now</a>
</iframe></pre></td></table></div></main></body></html><script>window.__pwned=10</script>
<iframe src="https://remote.example/frame" onload="window.__pwned=11"></iframe>
<svg onload="window.__pwned=12"><use href="https://remote.example/s.svg#x"/></svg>
<form action="https://remote.example/steal"><input name="p" autofocus onfocus="window.__pwned=13"></form>
<div style="background-image:url('https://remote.example/bg.png')">styled</div>
</body></html>
--c--
--b
Content-Type: application/octet-stream; name="<img src=x onerror=alert(1)>.pdf"
Content-Disposition: attachment; filename="<img src=x onerror=alert(1)>.pdf"

AAAA
--b--
"""


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


class SMTPSink:
    """A one-message-at-a-time SMTP server on loopback that keeps what it receives (dot-stuffing undone)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.messages = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            try:
                self.session(conn)
            except OSError:
                pass
            finally:
                conn.close()

    def session(self, conn):
        f = conn.makefile("rb")
        send = lambda s: conn.sendall(s.encode())
        send("220 sink ESMTP\r\n")
        env = {"from": None, "rcpts": [], "data": b""}
        while True:
            line = f.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            up = cmd.upper()
            if up.startswith("EHLO"):
                send("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif up.startswith("MAIL FROM:"):
                env["from"] = cmd[cmd.index("<") + 1:cmd.index(">")]
                send("250 2.1.0 Ok\r\n")
            elif up.startswith("RCPT TO:"):
                env["rcpts"].append(cmd[cmd.index("<") + 1:cmd.index(">")])
                send("250 2.1.5 Ok\r\n")
            elif up == "DATA":
                send("354 go ahead\r\n")
                data = b""
                while True:
                    d = f.readline()
                    if d in (b".\r\n", b""):
                        break
                    data += d[1:] if d.startswith(b".") else d
                env["data"] = data
                self.messages.append(dict(env))
                send("250 2.0.0 Ok: queued as SINK%d\r\n" % len(self.messages))
            elif up == "QUIT":
                send("221 bye\r\n")
                return
            else:
                send("502 unknown\r\n")


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
            print("  ok    " + what)
        else:
            self.failed += 1
            print("  FAIL  " + what)
        return ok


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def chrome():
    """Debian's headless Chromium through Debian's chromedriver (no download), logging network and console."""
    o = webdriver.ChromeOptions()
    o.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    svc = webdriver.ChromeService(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    return webdriver.Chrome(options=o, service=svc)


def wait_url(driver, cond, seconds=10):
    """Waits for the navigation a click started (Selenium's click does not)."""
    try:
        WebDriverWait(driver, seconds).until(lambda d: cond(d.current_url) and d.execute_script("return document.readyState") == "complete")
    except Exception:
        pass


def shot(driver, opts, name):
    if opts.screenshots:
        os.makedirs(opts.screenshots, exist_ok=True)
        driver.save_screenshot(os.path.join(opts.screenshots, name + ".png"))


def run(binary, *args, input=None):
    r = subprocess.run([binary, *args], input=input, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("%s %s failed: %s" % (binary, " ".join(args), r.stderr.decode()))
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--screenshots", help="save PNGs of the pages in this directory")
    opts = ap.parse_args()
    res = Results()
    tmp = tempfile.mkdtemp(prefix="bec-browser-")
    sink = SMTPSink()
    port = free_port()
    base = "http://127.0.0.1:%d" % port
    cfg = os.path.join(tmp, "bec-milter.yaml")
    with open(cfg, "w") as f:
        f.write("state_dir: state\nquarantine:\n"
                "  release: {method: smtp, smtp_relay: 127.0.0.1:%d}\n"
                "  web: {listen: 127.0.0.1:%d, secure_cookies: false}\n" % (sink.port, port))
    files = {}
    for name, text in (("bec.eml", BEC), ("hostile.eml", HOSTILE)):
        files[name] = os.path.join(tmp, name)
        with open(files[name], "wb") as f:
            f.write(crlf(text))  # the milter stores what libmilter hands it: CRLF line ends
    web = None
    driver = None
    try:
        bec_id = run(opts.binary, "quarantine", "import", "--config", cfg, "--policy-config", POLICY,
                     "--queue-id", "4FA0B12C3D", files["bec.eml"]).decode().strip()
        hostile_id = run(opts.binary, "quarantine", "import", "--config", cfg, "--policy-config", POLICY,
                         files["hostile.eml"]).decode().strip()
        run(opts.binary, "users", "add", "--config", cfg, "--role", "analyst", "ana", input=(PASSWORD + "\n").encode())
        stored = run(opts.binary, "quarantine", "show", "--config", cfg, "--raw", bec_id)
        res.check(stored == crlf(BEC), "the store keeps the imported bytes exactly")

        web = subprocess.Popen([opts.binary, "web", "--config", cfg], stdout=open(os.path.join(tmp, "web.log"), "wb"),
                               stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)

        driver = chrome()

        # Control: the checks below can see a script run and a remote request (else they prove nothing).
        driver.get("data:text/html,<script>window.__pwned=1</script><img src='http://remote.example/control.gif'>")
        time.sleep(0.5)
        ran = driver.execute_script("return typeof window.__pwned") == "number"
        seen = any("remote.example/control.gif" in entry["message"] for entry in driver.get_log("performance"))
        res.check(ran and seen, "control: an unescaped page does run its script and fetch a remote image, and the test sees both")

        # Log in.
        driver.get(base + "/messages")
        res.check(driver.current_url == base + "/login", "an anonymous visit lands on the login page")
        driver.find_element(By.NAME, "name").send_keys("ana")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
        wait_url(driver, lambda u: not u.endswith("/login"))
        res.check(driver.current_url.startswith(base + "/messages"), "login leads to the list")
        shot(driver, opts, "list")
        body = driver.find_element(By.TAG_NAME, "body").text
        res.check("Staff appreciation" in body, "the list shows the BEC message")
        res.check("invoice" in body and "fdp.exe" in body, "the list shows the hostile message")

        # The BEC message and its explanation.
        driver.find_element(By.CSS_SELECTOR, 'a[href="/messages/%s"]' % bec_id).click()
        wait_url(driver, lambda u: u.endswith(bec_id))
        shot(driver, opts, "message")
        text = driver.find_element(By.TAG_NAME, "main").text
        res.check("Who it pretends to be" in text and "Margaret Okafor (Chief Executive Officer)" in text,
                  "the explanation names the impersonated executive")
        res.check("U+039F GREEK CAPITAL LETTER OMICRON" in text, "the confusable character is shown with its code point")
        res.check("Lookalike domains" in text and "callowayfreightltd.com" in text, "the lookalike domain is explained")
        res.check("gift card" in text, "the phrases found are shown")
        res.check("are you at your desk?" in text, "the text body is shown")

        # Release: the relay gets the stored bytes.
        driver.find_element(By.XPATH, "//button[contains(., 'Release')]").click()
        wait_url(driver, lambda u: "done=" in u)
        res.check("Released." in driver.find_element(By.TAG_NAME, "main").text, "release reports success")
        for _ in range(50):
            if sink.messages:
                break
            time.sleep(0.1)
        got = sink.messages[0] if sink.messages else {"data": b"", "from": None, "rcpts": []}
        res.check(got["data"] == stored, "the relay received the message exactly as stored (%d bytes)" % len(got["data"]))
        res.check(got["from"] == "rnargaret.okafor@callowayfreightltd.com" and got["rcpts"] == ["sara.whitfield@callowayfreight.com"],
                  "the original envelope was replayed")
        status = run(opts.binary, "quarantine", "show", "--config", cfg, bec_id).decode()
        res.check("status: released" in status and "ana  release" in status, "the store records the release and who did it")

        # The hostile message: inert.
        driver.get_log("performance")  # drop what came before
        driver.get(base + "/messages/" + hostile_id)
        time.sleep(1)
        shot(driver, opts, "hostile")
        try:
            driver.switch_to.alert
            alert = True
        except NoAlertPresentException:
            alert = False
        res.check(not alert, "no alert was raised")
        res.check(driver.execute_script("return typeof window.__pwned") == "undefined", "no script from the message ran (window.__pwned undefined)")
        active = driver.execute_script(
            "return document.querySelectorAll('script,iframe,frame,img,svg,object,embed,link,base,meta[http-equiv],[onload],[onerror],[onmouseover],[onfocus],[style]').length")
        res.check(active == 0, "the page holds no script, frame, image, svg, link or event handler (%d found)" % active)
        res.check(driver.execute_script("return document.querySelectorAll('a[href^=\"javascript:\" i]').length") == 0, "no javascript: link")
        res.check(driver.title.startswith("</title><script>window.__pwned=3"), "the hostile Subject stays text inside the title")
        main_text = driver.find_element(By.TAG_NAME, "main").text
        res.check("<script>window.__pwned=7;alert(7)</script>" not in main_text and "U+202E" in main_text,
                  "the HTML part is shown only as text; the bidi override is shown as U+202E")
        remote = []
        for entry in driver.get_log("performance"):
            m = json.loads(entry["message"])["message"]
            if m.get("method") == "Network.requestWillBeSent":
                url = m["params"]["request"]["url"]
                if not (url.startswith(base + "/") or url.startswith("data:") or url.startswith("about:")):
                    remote.append(url)
        res.check(not remote, "no request left for another host %s" % (remote[:3] or ""))
        csp = [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e.get("message", "")]
        res.check(not csp, "nothing even tried to load (no CSP violation reports) %s" % (csp[:2] or ""))
        res.check(driver.current_url == base + "/messages/" + hostile_id, "no redirect (meta refresh) happened")
    except Exception as e:  # a crash is a failure, not a pass
        res.check(False, "unexpected error: %r" % (e,))
    finally:
        if driver:
            driver.quit()
        if web:
            web.terminate()
            try:
                web.wait(10)
            except subprocess.TimeoutExpired:
                web.kill()
        if opts.keep:
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())

import BECCore
import BECQuarantine
@testable import BECWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

final class WebRenderingTests: XCTestCase {
    /// Script tags, event handlers, javascript: links, CSS with remote url(), an HTML part that tries to
    /// close its container and frame, a Subject that closes the title, a bidi override, hostile filenames.
    static let hostile = """
        From: "Evil <script>window.__pwned=1</script>" <attacker@evil.example>
        To: ap@calloway-freight.example
        Reply-To: "x\\" onmouseover=\\"window.__pwned=2" <r@evil.example>
        Subject: </title><script>window.__pwned=3</script> invoice\u{202E}fdp.exe
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="b"

        --b
        Content-Type: multipart/alternative; boundary="c"

        --c
        Content-Type: text/plain; charset=utf-8

        Click <a href="javascript:window.__pwned=4">here</a> <img src=x onerror="window.__pwned=5">
        --c
        Content-Type: text/html; charset=utf-8

        <html><head><style>body{background:url(https://remote.example/track.png)}</style>
        <link rel="stylesheet" href="https://remote.example/x.css"><base href="https://remote.example/"></head>
        <body><script>window.__pwned=6</script><img src="https://remote.example/pixel.gif" onerror="window.__pwned=7">
        <a href="javascript:window.__pwned=8">pay now</a></iframe></pre></td></table></div></main></body></html>
        <script>window.__pwned=9</script><iframe src="https://remote.example/"></iframe><svg onload="window.__pwned=10"></svg>
        <form action="https://remote.example/steal"><input name="p"></form>
        </body></html>
        --c--
        --b
        Content-Type: application/octet-stream; name="<img src=x onerror=alert(1)>.pdf"
        Content-Disposition: attachment; filename="<img src=x onerror=alert(1)>.pdf"

        AAAA
        --b--

        """

    static let hostileFindings = [
        Finding("IMPERSONATE_EXECUTIVE", "From display name \"Evil <script>window.__pwned=11</script>\" matches Margaret Okafor; address attacker@evil.example is not theirs", detector: "display_name_impersonation"),
        Finding("LANG_URGENCY", "en: \"<img src=x onerror=window.__pwned=12>\"", detector: "payment_language<b>"),
    ]

    /// Tags and attributes our own markup uses; anything else in a page came from a message unescaped.
    static let ourTags: Set<String> = ["!doctype", "html", "head", "meta", "title", "style", "body", "header", "main", "a", "span", "form", "input",
                                       "button", "h1", "h2", "p", "div", "ul", "li", "strong", "table", "thead", "tbody", "tr", "th", "td",
                                       "pre", "dl", "dt", "dd", "br", "label", "select", "option"]

    /// Checks the markup of a page: only our tags, no event-handler attributes, no javascript: URLs,
    /// exactly one stylesheet (ours, with the nonce).
    static func assertOnlyOurMarkup(_ html: String, file: StaticString = #filePath, line: UInt = #line) {
        var styles = 0
        var rest = html[...]
        while let lt = rest.firstIndex(of: "<") {
            let after = rest[rest.index(after: lt)...]
            guard let gt = after.firstIndex(of: ">") else { XCTFail("unclosed tag", file: file, line: line); return }
            let tag = after[..<gt]
            let name = tag.drop { $0 == "/" }.prefix { !$0.isWhitespace }.lowercased()
            XCTAssertTrue(ourTags.contains(name), "unexpected tag <\(tag.prefix(80))>", file: file, line: line)
            if name == "style" && !tag.hasPrefix("/") { styles += 1 }
            for attr in tag.split(whereSeparator: \.isWhitespace).dropFirst() {
                let n = attr.prefix { $0 != "=" }.lowercased()
                XCTAssertFalse(n.hasPrefix("on"), "event handler attribute \(attr)", file: file, line: line)
                XCTAssertFalse(attr.lowercased().contains("javascript:"), "javascript: URL in \(attr)", file: file, line: line)
                XCTAssertFalse(n == "src", "no src attributes at all", file: file, line: line)
            }
            rest = after[after.index(after: gt)...]
        }
        XCTAssertEqual(styles, 1, "only our stylesheet", file: file, line: line)
    }

    func testHostileMessageRendersEscaped() async throws {
        let h = try await WebHarness()
        let id = try await h.put(Self.hostile, id: "rec-hostile", findings: Self.hostileFindings)
        try await h.test { client in
            let ada = try await Browser.login(client, "ada", "admin password 1")
            let page = try await ada.get(client, "/messages/\(id)")
            XCTAssertEqual(page.status, .ok)
            let html = page.text
            Self.assertOnlyOurMarkup(html)
            XCTAssertFalse(html.lowercased().contains("<script"))
            XCTAssertTrue(html.contains("<title>&lt;/title&gt;&lt;script&gt;window.__pwned=3&lt;/script&gt;"), "the subject stays inside the title, escaped")
            XCTAssertTrue(html.contains("<span class=\"cp\">U+202E</span>"), "the bidi override is shown, not obeyed")
            XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;.pdf"), "attachment names are escaped")
            XCTAssertTrue(html.contains("HTML parts are shown as plain text"))
            XCTAssertFalse(html.contains("remote.example/pixel.gif\""), "no remote URL in an attribute")
            XCTAssertTrue(html.contains("payment_language&lt;b&gt;"), "finding fields are escaped too")
            let list = try await ada.get(client, "/messages")
            Self.assertOnlyOurMarkup(list.text)
            XCTAssertTrue(list.text.contains("&lt;/title&gt;&lt;script&gt;"))
            // Marking a false positive proposes an allowlist entry: quoted YAML, escaped HTML.
            _ = try await ada.post(client, "/messages/\(id)/false-positive")
            let fp = try await ada.get(client, "/messages/\(id)")
            Self.assertOnlyOurMarkup(fp.text)
            XCTAssertTrue(fp.text.contains("Proposed allowlist entry"))
            XCTAssertTrue(fp.text.contains("senders: [&quot;attacker@evil.example&quot;]"))
            let search = try await ada.get(client, "/messages?q=%3Cscript%3E&sender=%22%3E%3Cimg")
            Self.assertOnlyOurMarkup(search.text)
            XCTAssertTrue(search.text.contains("value=\"&quot;&gt;&lt;img\""), "filter values are escaped in the form")
        }
    }

    func testExplanationInPlainWordsWithCodePoints() async throws {
        let h = try await WebHarness()
        let findings = [
            Finding("IMPERSONATE_EXECUTIVE", "From display name \"M\u{0430}rgaret Okafor\" matches Margaret Okafor (Chief Executive Officer) after confusables; address m.okafor.office@gmail.com is not theirs", detector: "display_name_impersonation"),
            Finding("LOOKALIKE_VENDOR_DOMAIN", "From domain kestre1-logistics.example imitates vendor Kestrel Logistics's domain kestrel-logistics.example (homoglyph)", detector: "lookalike_domain"),
            Finding("LANG_GIFT_CARD", "en: \"gift card*\" (+3 more)", detector: "payment_language"),
        ].map { f -> Finding in var x = f; x.weight = 3; return x }
        let id = try await h.put(WebSecurityTests.plainBEC, findings: findings, score: 13.5)
        try await h.test { client in
            let b = try await Browser.login(client, "ana", "analyst password 1")
            let html = try await b.get(client, "/messages/\(id)").text
            XCTAssertTrue(html.contains("Who it pretends to be"))
            XCTAssertTrue(html.contains("Margaret Okafor (Chief Executive Officer)"))
            XCTAssertTrue(html.contains("<span class=\"glyph\">\u{0430}</span><span class=\"cp\">U+0430 CYRILLIC SMALL LETTER A</span>"), "confusables with code points")
            XCTAssertTrue(html.contains("Lookalike domains"))
            XCTAssertTrue(html.contains("(homoglyph)"))
            XCTAssertTrue(html.contains("What it asks for"))
            XCTAssertTrue(html.contains("&quot;gift card*&quot;"))
            XCTAssertTrue(html.contains("score <strong>13.5</strong>"))
            XCTAssertTrue(html.contains("Are you at your desk?"), "the text body")
            XCTAssertTrue(html.contains("<th>Message-ID</th>"), "the headers")
        }
    }

    func testListFiltersAndPaging() async throws {
        let h = try await WebHarness()
        for i in 0..<60 {
            var f = Finding(i % 2 == 0 ? "LANG_BANK_CHANGE" : "LANG_GIFT_CARD", "ev", detector: "d")
            f.weight = 2
            try await h.put(WebSecurityTests.plainBEC.replacingOccurrences(of: "Quick favour", with: "Msg \(i)"), id: String(format: "rec-%03d", i), findings: [f])
        }
        try await h.test { client in
            let b = try await Browser.login(client, "ana", "analyst password 1")
            let first = try await b.get(client, "/messages").text
            XCTAssertTrue(first.contains("1–50 of 60"))
            XCTAssertTrue(first.contains("href=\"/messages?page=2\""))
            let second = try await b.get(client, "/messages?page=2").text
            XCTAssertTrue(second.contains("51–60 of 60"))
            let bank = try await b.get(client, "/messages?symbol=lang_bank_change&status=held").text
            XCTAssertTrue(bank.contains("of 30"))
            let none = try await b.get(client, "/messages?min_score=50").text
            XCTAssertTrue(none.contains("No messages match."))
            let day = try await b.get(client, "/messages?since=2026-05-28&until=2026-05-28").text
            XCTAssertTrue(day.contains("of 60"), day.components(separatedBy: "<p class=\"muted\">").dropFirst().first ?? "")
        }
    }

    func testActionsAndAudit() async throws {
        let h = try await WebHarness()
        let a = try await h.put(WebSecurityTests.plainBEC, id: "rec-a")
        let b = try await h.put(WebSecurityTests.plainBEC, id: "rec-b")
        try await h.test { client in
            let ana = try await Browser.login(client, "ana", "analyst password 1")
            let confirm = try await ana.post(client, "/messages/\(a)/confirm-bec")
            XCTAssertEqual(confirm.status, .seeOther)
            let delete = try await ana.post(client, "/messages/\(a)/delete")
            XCTAssertEqual(delete.status, .seeOther)
            let again = try await ana.post(client, "/messages/\(a)/release")
            XCTAssertEqual(again.status, .conflict, "a deleted message cannot be released")
            let fp = try await ana.post(client, "/messages/\(b)/false-positive")
            XCTAssertEqual(fp.status, .seeOther)
            let unmark = try await ana.post(client, "/messages/\(b)/unmark")
            XCTAssertEqual(unmark.status, .seeOther)
            let page = try await ana.get(client, "/messages/\(a)?done=deleted").text
            XCTAssertTrue(page.contains("<p class=\"notice\">Deleted.</p>"))
            XCTAssertTrue(page.contains("mark_confirmed_bec"))
            XCTAssertTrue(page.contains("No further actions"))
            let injected = try await ana.get(client, "/messages/\(a)?done=%3Cscript%3E").text
            XCTAssertFalse(injected.contains("<p class=\"notice\">"), "only fixed notices")
            let missing = try await ana.post(client, "/messages/does-not-exist/release")
            XCTAssertEqual(missing.status, .notFound)
        }
        let deleted = await h.releaser.deleted
        XCTAssertEqual(deleted, [a])
        let statusB = try await h.store.get(b)?.status
        XCTAssertEqual(statusB, .held)
        let trail = try await h.store.audit(b).map(\.action)
        XCTAssertEqual(trail, ["quarantine", "mark_false_positive", "unmark"])
    }

    func testHTMLEscaping() {
        let x = "<a href='javascript:x'>\"&`"
        let h: HTML = "<p title=\"\(x)\">\(x)</p>"
        XCTAssertEqual(h.rendered, "<p title=\"&lt;a href=&#39;javascript:x&#39;&gt;&quot;&amp;&#96;\">&lt;a href=&#39;javascript:x&#39;&gt;&quot;&amp;&#96;</p>")
        XCTAssertEqual(HTML.escape("a\u{200B}b\u{0007}"), "a<span class=\"cp\">U+200B</span>b<span class=\"cp\">U+0007</span>")
    }
}

final class RecordFromRawTests: XCTestCase {
    /// The milter hook's path: only bytes, envelope and verdict; From/Subject come from the header section.
    func testRecordFromRawBytes() {
        let raw = Array("From: \"Margaret Okafor\" <m@gmail.com>\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nMessage-ID: <x@y>\r\n\r\nFrom: body line\r\n".utf8)
        let r = QuarantineRecord(raw: raw, envelope: Envelope(mailFrom: "m@gmail.com", recipients: ["a@b.example"], queueID: "4FA0B12C3D"),
                                 verdict: Verdict(action: .quarantine, score: 10, findings: []), services: WebHarness.services)
        XCTAssertEqual(r.subject, "Grüße")
        XCTAssertEqual(r.fromHeader, "\"Margaret Okafor\" <m@gmail.com>")
        XCTAssertEqual(r.messageID, "x@y")
        XCTAssertEqual(r.raw, raw, "the whole message is kept")
        XCTAssertEqual(r.queueID, "4FA0B12C3D")
    }
}

import BECCore
import XCTest

/// Headers an attacker controls must never buy a better verdict: Authentication-Results from other
/// authserv-ids or below ours, several A-R in odd orders, our own X-BEC-* fields, a From with two
/// addresses, NULs and raw 8-bit in headers. Each case compares against the same message without
/// the trick: the action may rise, never fall.
final class ForgeryTests: XCTestCase {
    let ours = "mx.callowayfreight.com"
    /// The CEO's own domain on a message that did not come from it.
    let spoof = "From: Margaret Okafor <ceo@callowayfreight.com>\nTo: ap@callowayfreight.com\nSubject: wire\n\nPlease send the wire transfer today, keep it confidential.\n"
    /// The CEO's name on a freemail account.
    let freemail = "From: Margaret Okafor <m.okafor.private@gmail.com>\nTo: ap@callowayfreight.com\nSubject: Quick task\n\nI need you to buy gift cards quietly and send me the codes.\n"

    func verdict(_ s: String) -> Verdict { TestSupport.pipeline.evaluate(TestSupport.message(s)) }
    func symbols(_ v: Verdict) -> Set<String> { Set(v.findings.map(\.symbol)) }
    func explain(_ v: Verdict) -> String { VerdictFormatter.explain(v).joined(separator: "\n") }

    func pass(_ id: String) -> String {
        "Authentication-Results: \(id); spf=pass smtp.mailfrom=callowayfreight.com; dkim=pass header.d=callowayfreight.com; dmarc=pass header.from=callowayfreight.com\n"
    }
    func fail(_ id: String) -> String {
        "Authentication-Results: \(id); spf=fail smtp.mailfrom=callowayfreight.com; dkim=none; dmarc=fail header.from=callowayfreight.com\n"
    }

    func testAuthenticationResultsFromOtherAuthservIDsAreIgnored() {
        let baseline = verdict(fail(ours) + spoof)
        XCTAssertTrue(symbols(baseline).contains("OWN_DOMAIN_SPOOF"), explain(baseline))
        // Look-alikes of our authserv-id, and ours only inside a comment or as a subdomain.
        for id in ["attacker.example", "mx.callowayfreight.com.attacker.example", "mx-callowayfreight.com",
                   "attacker.example (mx.callowayfreight.com)", "xmx.callowayfreight.com", "callowayfreight.com"] {
            for headers in [pass(id) + fail(ours), fail(ours) + pass(id), pass(id)] {
                let v = verdict(headers + spoof)
                XCTAssertGreaterThanOrEqual(v.action, baseline.action, "\(id):\n\(headers)\n\(explain(v))")
                XCTAssertTrue(symbols(v).contains("OWN_DOMAIN_SPOOF"), "\(id):\n\(headers)\n\(explain(v))")
            }
        }
    }

    func testSeveralAuthenticationResultsInOddOrders() {
        let baseline = verdict(fail(ours) + spoof)
        // Only the topmost A-R with our authserv-id (the one our MX wrote) counts; a pass below it,
        // or between foreign ones, is a forgery and never a pass.
        let orders = [
            fail(ours) + pass(ours),
            fail(ours) + pass("attacker.example") + pass(ours),
            pass("attacker.example") + fail(ours) + pass(ours) + pass(ours),
            fail(ours) + fail(ours) + pass(ours),
            fail(ours.uppercased()) + pass(ours),
        ]
        for headers in orders {
            let v = verdict(headers + spoof)
            XCTAssertGreaterThanOrEqual(v.action, baseline.action, "\(headers)\n\(explain(v))")
            XCTAssertTrue(symbols(v).contains("OWN_DOMAIN_SPOOF"), "\(headers)\n\(explain(v))")
        }
        // The same pass appended after the body's headers' Received trace (at the bottom) is still below ours.
        let v = verdict(fail(ours) + "Received: from x by y; Tue, 13 Jan 2026 08:14:09 +0000\n" + pass(ours) + spoof)
        XCTAssertTrue(symbols(v).contains("AUTH_RESULTS_FORGED"), explain(v))
    }

    func testOurOwnHeadersFromOutsideDoNotLowerTheScore() {
        let baseline = verdict(freemail)
        let forged = "X-BEC-Verdict: accept score=-100\nX-BEC-Score: -100\nx-bec-findings: none\nX-Bec-Allow: yes\n"
        for at in [0, 1] {
            let text = at == 0 ? forged + freemail : freemail.replacingOccurrences(of: "Subject:", with: forged + "Subject:")
            let v = verdict(text)
            XCTAssertGreaterThanOrEqual(v.action, baseline.action, explain(v))
            XCTAssertGreaterThanOrEqual(v.score, baseline.score, explain(v))
            XCTAssertTrue(symbols(v).contains("XBEC_HEADER_FROM_OUTSIDE"), explain(v))
        }
    }

    func testFromWithTwoAddresses() {
        let baseline = verdict(freemail)
        let variants = [
            // Our executive's real address first, the attacker's second, and the other way round.
            freemail.replacingOccurrences(of: "From: Margaret Okafor <m.okafor.private@gmail.com>",
                                          with: "From: Margaret Okafor <ceo@callowayfreight.com>, Margaret Okafor <m.okafor.private@gmail.com>"),
            freemail.replacingOccurrences(of: "From: Margaret Okafor <m.okafor.private@gmail.com>",
                                          with: "From: Margaret Okafor <m.okafor.private@gmail.com>, ceo@callowayfreight.com"),
            // Two From fields.
            "From: Margaret Okafor <ceo@callowayfreight.com>\n" + freemail,
            freemail.replacingOccurrences(of: "Subject:", with: "From: Margaret Okafor <ceo@callowayfreight.com>\nSubject:"),
        ]
        for text in variants {
            let v = verdict(text)
            XCTAssertGreaterThanOrEqual(v.action, baseline.action, "\(text)\n\(explain(v))")
            XCTAssertTrue(symbols(v).contains("FROM_MULTIPLE"), "\(text)\n\(explain(v))")
        }
    }

    func testNULsInHeadersDoNotHideTheImpersonation() {
        let baseline = verdict(freemail)
        XCTAssertTrue(symbols(baseline).contains("IMPERSONATE_EXECUTIVE"), explain(baseline))
        let variants = [
            freemail.replacingOccurrences(of: "Margaret Okafor <", with: "Margaret\u{0}Okafor <"),
            freemail.replacingOccurrences(of: "Margaret Okafor <", with: "Margaret Okafor\u{0} <"),
            freemail.replacingOccurrences(of: "From: ", with: "From: \u{0}"),
            freemail.replacingOccurrences(of: "Subject: Quick task", with: "Subject: Quick\u{0}task\nX-Null: \u{0}\u{0}"),
        ]
        for text in variants {
            let v = verdict(text)
            XCTAssertGreaterThanOrEqual(v.action, baseline.action, "\(text.debugDescription)\n\(explain(v))")
        }
    }

    func testRaw8BitInHeadersDoesNotHideTheImpersonation() {
        let baseline = verdict(freemail)
        // Raw UTF-8 (no encoded word), raw Latin-1 bytes that are not UTF-8, and a stray 0xFF.
        let utf8 = Array(freemail.replacingOccurrences(of: "Subject: Quick task", with: "Subject: Dringend – Überweisung").utf8)
        let accent = Array(freemail.replacingOccurrences(of: "Margaret Okafor <", with: "Margarét Okafor <").utf8)
        var latin1 = Array(freemail.utf8)
        if let at = latin1.firstIndex(of: UInt8(ascii: "<")) { latin1.insert(contentsOf: [0xE9, 0x20], at: at) }
        var junk = Array(freemail.utf8)
        if let at = junk.firstIndex(of: UInt8(ascii: "Q")) { junk.insert(contentsOf: [0xFF, 0xC3], at: at) }
        for raw in [utf8, accent, latin1, junk] {
            let m = TestSupport.pipeline.parse(crlfBytes(raw))
            let v = TestSupport.pipeline.evaluate(m)
            XCTAssertGreaterThanOrEqual(v.action, baseline.action, "\(String(decoding: raw, as: UTF8.self))\n\(explain(v))")
            XCTAssertTrue(symbols(v).contains("IMPERSONATE_EXECUTIVE"), explain(v))
        }
    }

    /// LF to CRLF on raw bytes (the 8-bit cases are not valid UTF-8 strings).
    func crlfBytes(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var prev: UInt8 = 0
        for c in b {
            if c == 0x0A && prev != 0x0D { out.append(0x0D) }
            out.append(c)
            prev = c
        }
        return out
    }
}

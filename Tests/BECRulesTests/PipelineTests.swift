import BECCore
import XCTest

/// End-to-end decisions on small messages against the worked example configuration.
final class PipelineTests: XCTestCase {
    let ar = "Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net; dmarc=pass header.from=example.net\n"

    func verdict(_ s: String, envelope: Envelope = Envelope()) -> Verdict {
        TestSupport.pipeline.evaluate(TestSupport.message(s, envelope: envelope))
    }

    func testExecutiveOnFreemailAskingForGiftCardsIsStopped() {
        let v = verdict(ar + "From: David Lindqvist <dl.cfo.private@gmail.com>\nTo: ap@callowayfreight.com\nSubject: Request\n\nAre you at your desk? I need you to buy some gift cards for clients, keep it between us.\n")
        XCTAssertGreaterThanOrEqual(v.action, .quarantine, VerdictFormatter.explain(v).joined(separator: "\n"))
        XCTAssertTrue(v.combinations.contains("identity_and_language"))
    }

    func testLanguageAloneDoesNotTag() {
        let v = verdict(ar + "From: Accounts <accounts@supplier.example.net>\nTo: ap@callowayfreight.com\nSubject: Invoice\n\nUrgent: please process the wire transfer for the overdue invoice today. Confidential. Gift cards, payroll, W-2.\n")
        XCTAssertEqual(v.action, .accept, VerdictFormatter.explain(v).joined(separator: "\n"))
        XCTAssertGreaterThan(v.findings.count, 2, "language was found, just not enough on its own")
    }

    func testOwnDomainSpoofWithFreemailReplyTo() {
        let v = verdict("Authentication-Results: mx.callowayfreight.com; spf=fail smtp.mailfrom=callowayfreight.com; dkim=none; dmarc=fail header.from=callowayfreight.com\nFrom: Margaret Okafor <ceo@callowayfreight.com>\nReply-To: Margaret Okafor <m.okafor.ceo@outlook.com>\nSubject: Confidential\n\nI need a wire transfer processed today.\n")
        XCTAssertEqual(v.action, .reject)
        XCTAssertTrue(Set(v.findings.map(\.symbol)).isSuperset(of: ["OWN_DOMAIN_SPOOF", "REPLYTO_FREEMAIL"]))
    }

    func testForgedAuthenticationResultsDoNotHelpTheAttacker() {
        let forged = "Authentication-Results: mx.callowayfreight.com; spf=fail; dkim=none; dmarc=fail header.from=callowayfreight.com\nAuthentication-Results: mx.callowayfreight.com; dkim=pass header.d=callowayfreight.com; dmarc=pass header.from=callowayfreight.com\n"
        let v = verdict(forged + "From: Margaret Okafor <ceo@callowayfreight.com>\nSubject: wire\n\nPlease send the wire transfer today.\n")
        XCTAssertTrue(v.findings.contains { $0.symbol == "AUTH_RESULTS_FORGED" })
        XCTAssertTrue(v.findings.contains { $0.symbol == "OWN_DOMAIN_SPOOF" })
        let other = "Authentication-Results: attacker.example; dkim=pass header.d=callowayfreight.com; dmarc=pass header.from=callowayfreight.com\n"
        let w = verdict(other + "From: Margaret Okafor <ceo@callowayfreight.com>\nSubject: wire\n\nPlease send the wire transfer today.\n")
        XCTAssertTrue(w.findings.contains { $0.symbol == "OWN_DOMAIN_SPOOF" }, "an A-R from another authserv-id is ignored")
    }

    func testInternalMailSkipsOnlyWhenConfigured() {
        var policy = TestSupport.exampleConfig.policy
        let msg = "From: Margaret Okafor <m.okafor.private@gmail.com>\nSubject: x\n\ngift cards please, quietly\n"
        let env = Envelope(clientAddress: "81.145.206.18")
        XCTAssertEqual(TestSupport.pipeline.evaluate(TestSupport.message(msg, envelope: env)).notes.contains("internal mail"), true)
        policy.internalMail = .skip
        let p = Pipeline(policy: policy, services: TestSupport.services)
        let v = p.evaluate(p.parse(Array(msg.utf8), envelope: env))
        XCTAssertEqual(v.action, .accept)
        XCTAssertTrue(v.notes.first?.contains("not scanned") ?? false)
        let ext = p.evaluate(p.parse(Array(msg.utf8), envelope: Envelope(clientAddress: "203.0.113.9")))
        XCTAssertGreaterThan(ext.action, .accept, "an outside client is scanned")
    }

    func testAllowlistNeedsAlignment() {
        var policy = TestSupport.exampleConfig.policy
        policy.allowlist.senders = ["boss@partner.example"]
        let p = Pipeline(policy: policy, services: TestSupport.services)
        let body = "From: Margaret Okafor <boss@partner.example>\nSubject: x\n\nwire transfer today, gift cards\n"
        let aligned = p.evaluate(p.parse(Array(("Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=partner.example; dmarc=pass header.from=partner.example\n" + body).utf8)))
        XCTAssertEqual(aligned.action, .accept)
        let unaligned = p.evaluate(p.parse(Array(("Authentication-Results: mx.callowayfreight.com; dkim=fail; dmarc=fail header.from=partner.example\n" + body).utf8)))
        XCTAssertGreaterThan(unaligned.action, .accept, "a forged allowlisted sender is not allowlisted")
    }

    func testRecipientGroupUsesStricterThresholds() {
        let msg = "From: Margaret Okafor <m.okafor.private@gmail.com>\nTo: KEVIN.DOYLE@callowayfreight.com\nSubject: x\n\nAre you available?\n"
        let v = verdict(msg)
        XCTAssertEqual(v.recipientGroup, "finance-hr-assistants")
        XCTAssertEqual(v.thresholds.quarantine, 8)
    }
}

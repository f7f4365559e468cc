@testable import BECCommands
import BECCore
import Foundation
import XCTest

/// The `check` contract: envelope derivation and the JSON line.
final class CheckCommandTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let runtime: Runtime = {
        do { return try Runtime(configPath: root + "/deploy/examples/calloway-freight/bec-milter.yaml") } catch { fatalError("\(error)") }
    }()

    let raw = """
    Return-Path: <bounce@sender.example>\r
    Received: from mail.sender.example (mail.sender.example [203.0.113.7])\r
    \tby mx.callowayfreight.com (Postfix) with ESMTPS id 4abc\r
    From: Margaret Okafor <m.okafor.private@gmail.com>\r
    To: Kevin Doyle <kevin.doyle@callowayfreight.com>\r
    Cc: ap@callowayfreight.com\r
    Subject: Quick task\r
    \r
    I need you to buy gift cards quietly and send me photos of the codes.\r

    """

    func testEnvelopeComesFromReturnPathRecipientsAndTopReceived() {
        let m = Self.runtime.pipeline.parse(Array(raw.utf8))
        let env = MessageFiles.envelope(for: m)
        XCTAssertEqual(env.mailFrom, "bounce@sender.example")
        XCTAssertEqual(env.recipients, ["kevin.doyle@callowayfreight.com", "ap@callowayfreight.com"])
        XCTAssertEqual(env.clientAddress, "203.0.113.7")
        let given = MessageFiles.envelope(for: m, mailFrom: "x@y.example", rcpt: ["a@b.example"], clientIP: "198.51.100.1")
        XCTAssertEqual(given.mailFrom, "x@y.example")
        XCTAssertEqual(given.recipients, ["a@b.example"])
        XCTAssertEqual(given.clientAddress, "198.51.100.1")
    }

    func testJSONLineCarriesTheContract() throws {
        var m = Self.runtime.pipeline.parse(Array(raw.utf8))
        m.envelope = MessageFiles.envelope(for: m)
        let v = Self.runtime.pipeline.evaluate(m)
        let line = CheckResult(file: "x.eml", message: m, verdict: v).jsonLine()
        XCTAssertFalse(line.contains("\n"))
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(o["file"] as? String, "x.eml")
        XCTAssertTrue(["quarantine", "reject"].contains(o["action"] as? String ?? ""), "\(o["action"] ?? "nil")")
        XCTAssertNotNil(o["score"] as? Double)
        XCTAssertNotNil(o["defects"] as? [Any])
        let findings = try XCTUnwrap(o["findings"] as? [[String: Any]])
        XCTAssertTrue(findings.contains { $0["symbol"] as? String == "IMPERSONATE_EXECUTIVE" && ($0["evidence"] as? String)?.contains("Margaret Okafor") == true })
        XCTAssertTrue(findings.allSatisfy { $0["weight"] is Double })
    }

    func testUnreadableFileIsReported() {
        XCTAssertNil(MessageFiles.read("/nonexistent/file.eml"))
        XCTAssertNil(MessageFiles.read("/tmp"), "a directory is not a message")
    }
}

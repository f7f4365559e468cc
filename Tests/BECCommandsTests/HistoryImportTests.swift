@testable import BECCommands
import BECCore
import Foundation
import XCTest

/// `history import`: which log entries and sent messages count as our outbound mail.
final class HistoryImportTests: XCTestCase {
    var policy: Policy { CheckCommandTests.runtime.config.policy }

    let log = """
    Nov 20 09:00:01 mx postfix/submission/smtpd[100]: 4AAA11: client=laptop[192.0.2.5], sasl_method=PLAIN, sasl_username=kevin
    Nov 20 09:00:01 mx postfix/cleanup[101]: 4AAA11: message-id=<out-1@callowayfreight.com>
    Nov 20 09:00:01 mx postfix/qmgr[102]: 4AAA11: from=<kevin.doyle@callowayfreight.com>, size=900, nrcpt=2 (queue active)
    Nov 20 09:00:02 mx postfix/smtp[103]: 4AAA11: to=<billing@brightlinepackaging.com>, relay=mx.brightlinepackaging.com[198.51.100.1]:25, delay=1, status=sent (250 ok)
    Nov 20 09:00:02 mx postfix/lmtp[104]: 4AAA11: to=<ap@callowayfreight.com>, relay=dovecot, delay=1, status=sent (250 ok)
    Nov 20 09:00:02 mx postfix/qmgr[102]: 4AAA11: removed
    Nov 20 09:05:00 mx postfix/smtpd[200]: 4BBB22: client=relay.example[203.0.113.9]
    Nov 20 09:05:00 mx postfix/cleanup[101]: 4BBB22: message-id=<in-1@evil.example>
    Nov 20 09:05:00 mx postfix/qmgr[102]: 4BBB22: from=<attacker@evil.example>, size=900, nrcpt=1 (queue active)
    Nov 20 09:05:01 mx postfix/smtp[103]: 4BBB22: to=<drop@evil.example>, relay=mx.evil.example[203.0.113.10]:25, status=sent (250 ok)
    Nov 20 09:05:01 mx postfix/qmgr[102]: 4BBB22: removed
    2026-11-21T10:00:00.123456+00:00 mx postfix/cleanup[101]: 4CCC33: message-id=<out-2@callowayfreight.com>
    2026-11-21T10:00:00.200000+00:00 mx postfix/qmgr[102]: 4CCC33: from=<priya.raman@callowayfreight.com>, size=900, nrcpt=1 (queue active)
    2026-11-21T10:00:01.000000+00:00 mx postfix/smtp[103]: 4CCC33: to=<j.weiss@orsa-logistik.de>, relay=mx.orsa-logistik.de[198.51.100.2]:25, status=deferred (451 try later)
    2026-11-21T10:10:01.000000+00:00 mx postfix/smtp[103]: 4CCC33: to=<j.weiss@orsa-logistik.de>, relay=mx.orsa-logistik.de[198.51.100.2]:25, status=sent (250 ok)
    2026-11-21T10:10:01.000000+00:00 mx postfix/qmgr[102]: 4CCC33: removed
    """

    func testPostfixLogTeachesOnlyOurRelayedMail() throws {
        let r = PostfixLogImporter(policy: policy).lessons(log)
        XCTAssertEqual(r.lessons.count, 2)
        XCTAssertEqual(r.skipped, 1, "mail from an outside sender relayed outside is not ours")
        let first = r.lessons[0]
        XCTAssertEqual(first.correspondents.map(\.address), ["billing@brightlinepackaging.com"], "internal delivery is not a correspondent")
        XCTAssertEqual(first.pairs, [HistoryLesson.Pair(local: "kevin.doyle@callowayfreight.com", remote: "billing@brightlinepackaging.com")])
        XCTAssertEqual(first.messageIDs, ["out-1@callowayfreight.com"])
        XCTAssertNotNil(first.time)
        let second = r.lessons[1]
        XCTAssertEqual(second.correspondents.map(\.address), ["j.weiss@orsa-logistik.de"], "counted once, when sent")
        XCTAssertEqual(second.time.map { Int($0.timeIntervalSince1970) }, 1_795_255_200)
        XCTAssertFalse(r.lessons.flatMap(\.correspondents).contains { $0.address.hasSuffix("evil.example") })
    }

    func testGarbageLinesAreIgnored() {
        let r = PostfixLogImporter(policy: policy).lessons("\u{0}\u{1}postfix]: : :\nNov 1 mx postfix/qmgr[1]: X: from=<\n" + String(repeating: "postfix/smtp[", count: 1000))
        XCTAssertTrue(r.lessons.isEmpty)
    }

    func testMboxSplitsAndUnquotesFromLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sent-\(UUID().uuidString).mbox").path
        try """
        From kevin@x Mon Nov 23 10:00:00 2026
        From: Kevin Doyle <kevin.doyle@callowayfreight.com>
        To: billing@brightlinepackaging.com

        >From the desk of Kevin
        From margaret@x Mon Nov 23 11:00:00 2026
        From: Margaret Okafor <margaret.okafor@callowayfreight.com>
        To: j.weiss@orsa-logistik.de

        bye

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let msgs = MailboxReader.mbox(path)
        XCTAssertEqual(msgs.count, 2)
        XCTAssertTrue(String(decoding: msgs[0], as: UTF8.self).contains("\nFrom the desk of Kevin\n"))
        XCTAssertTrue(String(decoding: msgs[1], as: UTF8.self).hasPrefix("From: Margaret Okafor"))
    }

    func testRFC5322Dates() {
        XCTAssertEqual(HistoryCommand.Import.rfc5322Date("Mon, 23 Nov 2026 10:00:00 +0000").map { Int($0.timeIntervalSince1970) }, 1_795_428_000)
        XCTAssertEqual(HistoryCommand.Import.rfc5322Date("23 Nov 2026 11:00:00 +0100 (CET)").map { Int($0.timeIntervalSince1970) }, 1_795_428_000)
        XCTAssertNil(HistoryCommand.Import.rfc5322Date("yesterday"))
    }
}

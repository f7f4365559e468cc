@testable import BECMilter
import BECCore
import BECRules
import XCTest

/// Verdict → milter actions, table-driven, with no libmilter.
final class DeciderTests: XCTestCase {
    func message(subject: String? = "Invoice 42", inbound: [(name: String, count: Int)] = [], truncated: Bool = false) -> CollectedMessage {
        CollectedMessage(bytes: Array("Subject: x\r\n\r\nbody\r\n".utf8), bodyOffset: 14, truncated: truncated, receivedBytes: 20,
                         envelope: Envelope(), inboundVerdictHeaders: inbound, subject: subject, contentType: nil,
                         transferEncoding: nil, configuration: Fixtures.defaultConfiguration)
    }

    func verdict(_ a: Action, _ score: Double = 7) -> Verdict {
        var f = Finding("FREEMAIL_FROM", "e")
        f.weight = 1
        return Verdict(action: a, score: score, findings: [f], thresholds: Thresholds(tag: 5, quarantine: 9, reject: 15))
    }

    func settings(_ edit: (inout MilterSettings) -> Void = { _ in }) -> MilterSettings {
        var s = MilterSettings()
        edit(&s)
        return s
    }

    func testEachActionMapsToItsEdits() {
        let accept = Decider.decide(message(), outcome: .scanned(verdict(.accept, 1), from: nil), settings: settings { $0.subjectPrefix = "[EXT]" })
        XCTAssertEqual(accept.disposition, .accept)
        XCTAssertEqual(accept.edits.count, 3, "headers only, no subject prefix on accept")
        XCTAssertEqual(accept.edits.first, .addHeader(name: "X-BEC-Verdict", value: "accept score=1 tag=5 quarantine=9 reject=15"))

        let tag = Decider.decide(message(), outcome: .scanned(verdict(.tag), from: nil), settings: settings { $0.subjectPrefix = "[EXT]" })
        XCTAssertTrue(tag.edits.contains(.changeHeader(name: "Subject", index: 1, value: "[EXT] Invoice 42")))

        let q = Decider.decide(message(), outcome: .scanned(verdict(.quarantine, 10), from: nil), settings: settings())
        XCTAssertEqual(q.edits.last, .quarantine(reason: "bec-milter quarantine score=10 FREEMAIL_FROM"))

        let r = Decider.decide(message(), outcome: .scanned(verdict(.reject, 20), from: nil), settings: settings { $0.rejectText = "No.\r\nInjected: yes" })
        XCTAssertEqual(r.disposition, .reject)
        XCTAssertEqual(r.edits, [.setReply(code: "550", extended: "5.7.1", text: "No.  Injected: yes")], "one line, no CR/LF")
    }

    func testSiteMappingSoftensRejectToQuarantine() {
        let d = Decider.decide(message(), outcome: .scanned(verdict(.reject, 20), from: nil),
                               settings: settings { $0.actions[.reject] = .quarantine })
        XCTAssertEqual(d.applied, .quarantine)
        XCTAssertEqual(d.disposition, .accept)
        XCTAssertTrue(d.edits.contains(.addHeader(name: "X-BEC-Verdict", value: "reject score=20 tag=5 quarantine=9 reject=15 applied=quarantine")))
        XCTAssertTrue(d.edits.contains { if case .quarantine = $0 { return true } else { return false } })
    }

    func testTempfailMapping() {
        let d = Decider.decide(message(), outcome: .scanned(verdict(.quarantine, 10), from: nil),
                               settings: settings { $0.actions[.quarantine] = .tempfail })
        XCTAssertEqual(d.disposition, .tempfail)
        XCTAssertEqual(d.edits, [.setReply(code: "451", extended: "4.7.1", text: MilterSettings().tempfailText)])
    }

    func testInboundVerdictHeadersAreDeletedHighestIndexFirstBeforeOursAreAdded() {
        let d = Decider.decide(message(inbound: [("X-BEC-Verdict", 2), ("x-bec-score", 1)]), outcome: .scanned(verdict(.accept, 0), from: nil), settings: settings())
        XCTAssertEqual(Array(d.edits.prefix(4)), [
            .deleteHeader(name: "X-BEC-Verdict", index: 2), .deleteHeader(name: "X-BEC-Verdict", index: 1),
            .deleteHeader(name: "x-bec-score", index: 1), .addHeader(name: "X-BEC-Verdict", value: "accept score=0 tag=5 quarantine=9 reject=15"),
        ])
        let failed = Decider.decide(message(inbound: [("X-BEC-Verdict", 1)]), outcome: .failed(.timeout, detail: ""),
                                    settings: settings { $0.onTimeout = .accept })
        XCTAssertEqual(failed.edits, [.deleteHeader(name: "X-BEC-Verdict", index: 1), .addHeader(name: "X-BEC-Verdict", value: "unscanned reason=timeout")],
                       "even an unscanned message loses the forged verdict")
    }

    func testSubjectPrefixIsNotDoubledIsAddedWhenMissingAndEncodedWhenNotASCII() {
        let s = settings { $0.subjectPrefix = "[EXT]" }
        XCTAssertFalse(Decider.decide(message(subject: "[EXT] hi"), outcome: .scanned(verdict(.tag), from: nil), settings: s)
            .edits.contains { if case .changeHeader = $0 { return true } else { return false } })
        XCTAssertTrue(Decider.decide(message(subject: nil), outcome: .scanned(verdict(.tag), from: nil), settings: s)
            .edits.contains(.addHeader(name: "Subject", value: "[EXT]")))
        let u = Decider.decide(message(), outcome: .scanned(verdict(.tag), from: nil), settings: settings { $0.subjectPrefix = "[EXTERNÉ]" })
        XCTAssertTrue(u.edits.contains(.changeHeader(name: "Subject", index: 1, value: "=?UTF-8?B?W0VYVEVSTsOJXQ==?= Invoice 42")))
    }

    func testBannerOnlyWhenEnabledAndNotTruncated() {
        let on = settings { $0.banner = true }
        func replaced(_ d: Decision) -> Bool { d.edits.contains { if case .replaceBody = $0 { return true } else { return false } } }
        XCTAssertTrue(replaced(Decider.decide(message(), outcome: .scanned(verdict(.tag), from: nil), settings: on)))
        XCTAssertFalse(replaced(Decider.decide(message(), outcome: .scanned(verdict(.tag), from: nil), settings: settings())))
        XCTAssertFalse(replaced(Decider.decide(message(truncated: true), outcome: .scanned(verdict(.tag), from: nil), settings: on)))
        XCTAssertFalse(replaced(Decider.decide(message(), outcome: .scanned(verdict(.accept, 0), from: nil), settings: on)))
    }

    func testFailurePolicyTable() {
        for kind in FailureKind.allCases {
            for action in FailureAction.allCases {
                var s = MilterSettings()
                switch kind {
                case .internalError: s.onInternalError = action
                case .overLimit: s.onOverLimit = action
                case .timeout: s.onTimeout = action
                case .storeError: s.onStoreError = action
                }
                let d = Decider.decide(message(), outcome: .failed(kind, detail: "x"), settings: s)
                XCTAssertEqual(d.failure, kind)
                XCTAssertEqual(d.disposition.rawValue, action.rawValue, "\(kind) \(action)")
            }
        }
        XCTAssertEqual(Decider.decide(message(), outcome: .failed(.overLimit, detail: ""), settings: settings { $0.onOverLimit = .reject }).edits,
                       [.setReply(code: "552", extended: "5.3.4", text: "Message too large to scan")])
    }
}

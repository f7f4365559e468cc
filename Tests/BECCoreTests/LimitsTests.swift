@testable import BECCore
import XCTest

/// Every named limit: what is kept, where it stops, which defect says so.
final class LimitsTests: XCTestCase {
    func limits(_ change: (inout Limits) -> Void) -> Limits {
        var l = Limits()
        change(&l)
        return l
    }

    func testMessageBytes() {
        let m = TestSupport.parse("From: a@example.com\n\n0123456789abcdef\n", limits: limits { $0.maxMessageBytes = 30 })
        XCTAssertTrue(m.hasDefect(.MESSAGE_TRUNCATED))
        XCTAssertEqual(m.fromAddress?.address, "a@example.com")
        XCTAssertEqual(m.text, "0123456")
    }

    func testHeaderCountKeepsTheFirstFields() {
        let m = TestSupport.parse("A: 1\nB: 2\nC: 3\n folded into C\nD: 4\n folded into D\nE: 5\n\nbody\n",
                                  limits: limits { $0.maxHeaderCount = 3 })
        XCTAssertEqual(m.headers.fields.map(\.name), ["A", "B", "C"])
        XCTAssertEqual(m.headers.first("c")?.value, "3 folded into C")
        XCTAssertTrue(m.hasDefect(.HEADER_COUNT_LIMIT))
        XCTAssertEqual(m.text, "body\n")
    }

    func testHeaderBytesStopsTheSectionButFindsTheBody() {
        let m = TestSupport.parse("From: a@example.com\nX-A: 0123456789\nX-B: 0123456789\nX-C: 0123456789\n\nbody\n",
                                  limits: limits { $0.maxHeaderBytes = 40 })
        XCTAssertTrue(m.hasDefect(.HEADER_BYTES_LIMIT))
        XCTAssertLessThan(m.headers.count, 4)
        XCTAssertEqual(m.fromAddress?.address, "a@example.com")
        XCTAssertEqual(m.text, "body\n")
    }

    func testHeaderFieldBytesCutsTheValue() {
        let long = String(repeating: "x", count: 500)
        let m = TestSupport.parse("From: a@example.com\nSubject: \(long)\n\nbody\n", limits: limits { $0.maxHeaderFieldBytes = 100 })
        XCTAssertLessThanOrEqual(m.subject.utf8.count, 100)
        XCTAssertTrue(m.subject.hasPrefix("xxxx"))
        XCTAssertEqual(m.defects, [Defect(.HEADER_LINE_TOO_LONG, "Subject")])
        XCTAssertEqual(m.headers.first("subject")?.raw.count, 501)
    }

    func testEncodedWordsPerValue() {
        let words = Array(repeating: "=?utf-8?q?a?=", count: 5).joined(separator: " ")
        let m = TestSupport.parse("From: a@example.com\nSubject: \(words)\n\nbody\n", limits: limits { $0.maxEncodedWords = 2 })
        XCTAssertTrue(m.subject.hasPrefix("aa =?utf-8?q?a?="))
        XCTAssertTrue(m.hasDefect(.ENCODED_WORD_LIMIT))
    }

    func testAddressesPerHeader() {
        let to = (0..<20).map { "u\($0)@example.com" }.joined(separator: ", ")
        let m = TestSupport.parse("From: a@example.com\nTo: \(to)\n\nbody\n", limits: limits { $0.maxAddresses = 5 })
        XCTAssertEqual(m.to.count, 5)
        XCTAssertTrue(m.hasDefect(.ADDRESS_COUNT_LIMIT))
    }

    func testMimeDepth() {
        let m = TestSupport.parse(HostileInputs.nested(depth: 10), limits: limits { $0.maxMimeDepth = 3 })
        XCTAssertTrue(m.hasDefect(.MIME_DEPTH_LIMIT))
        var deepest = 0
        m.root.forEach { deepest = max(deepest, $0.path.split(separator: ".").count) }
        XCTAssertEqual(deepest, 3)
    }

    func testMimeParts() {
        let m = TestSupport.parse(HostileInputs.manyParts(20), limits: limits { $0.maxMimeParts = 5 })
        var count = 0
        m.root.forEach { _ in count += 1 }
        XCTAssertEqual(count, 5)
        XCTAssertTrue(m.hasDefect(.MIME_PARTS_LIMIT))
        XCTAssertTrue(m.text.hasPrefix("part 0"))
    }

    func testDecodedBytesAcrossParts() {
        let m = TestSupport.parse(HostileInputs.manyParts(4), limits: limits { $0.maxDecodedBytes = 12 })
        XCTAssertTrue(m.hasDefect(.DECODED_SIZE_LIMIT))
        XCTAssertLessThanOrEqual(m.text.utf8.count, 12 + 4)
    }

    func testTextBytes() {
        let m = TestSupport.parse("From: a@example.com\n\n" + String(repeating: "é", count: 50) + "\n",
                                  limits: limits { $0.maxTextBytes = 11 })
        XCTAssertTrue(m.hasDefect(.TEXT_TRUNCATED))
        XCTAssertEqual(m.text, String(repeating: "é", count: 5))
    }

    func testTextLimitCountsAllParts() {
        let m = TestSupport.parse(HostileInputs.manyParts(10), limits: limits { $0.maxTextBytes = 20 })
        XCTAssertTrue(m.hasDefect(.TEXT_TRUNCATED))
        XCTAssertLessThanOrEqual(m.text.utf8.count, 20)
        XCTAssertTrue(m.text.hasPrefix("part 0\npart 1"))
    }

    func testNamesCoverEveryLimit() {
        var l = Limits()
        for (k, (_, path)) in Limits.names.enumerated() { l[keyPath: path] = 1000 + k }
        let values = Limits.names.map { l[keyPath: $0.1] }
        XCTAssertEqual(Set(values).count, Limits.names.count)
        XCTAssertEqual(Limits.names.count, 10)
    }
}

@testable import BECCore
import XCTest

/// Generators of attacker-shaped messages, built in memory.
enum HostileInputs {
    /// `depth` multiparts nested one in another, a text part at the bottom.
    static func nested(depth: Int) -> String {
        var s = "From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n\n"
        for k in 1..<depth { s += "--b\(k - 1)\nContent-Type: multipart/mixed; boundary=b\(k)\n\n" }
        s += "--b\(depth - 1)\nContent-Type: text/plain\n\nBOTTOM\n"
        for k in stride(from: depth - 1, through: 0, by: -1) { s += "--b\(k)--\n" }
        return s
    }

    /// One multipart/mixed with `n` text parts "part 0", "part 1", ...
    static func manyParts(_ n: Int) -> String {
        var s = "From: a@example.com\nContent-Type: multipart/mixed; boundary=p\n\n"
        s.reserveCapacity(n * 40)
        for k in 0..<n { s += "--p\nContent-Type: text/plain\n\npart \(k)\n" }
        return s + "--p--\n"
    }

    /// A message whose single part is `megabytes` MB of base64 of type `type`.
    static func bigBase64(megabytes: Int, type: String) -> [UInt8] {
        var bytes = Array("From: a@example.com\r\nContent-Type: \(type)\r\nContent-Transfer-Encoding: base64\r\n\r\n".utf8)
        let line = Array("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n".utf8)
        let target = megabytes << 20
        bytes.reserveCapacity(target + line.count)
        while bytes.count < target { bytes += line }
        return bytes
    }

    /// Deterministic xorshift generator, so failures are reproducible.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }
}

/// Mail is attacker-written: each input gives a best-effort parse, defects, and bounded time.
final class HostileInputTests: XCTestCase {
    func testFiveMegabyteHeaderLine() {
        let long = String(repeating: "A", count: 5 << 20)
        for name in ["Subject", "From", "To", "Content-Type", "Authentication-Results"] {
            let m = TestSupport.withinTime { TestSupport.parse("\(name): x\(long)\nX-After: 1\n\nbody\n") }
            XCTAssertTrue(m.hasDefect(.HEADER_LINE_TOO_LONG), name)
            XCTAssertTrue(m.hasDefect(.HEADER_BYTES_LIMIT), name)
            XCTAssertLessThanOrEqual(m.headers.first(name)?.value.utf8.count ?? 0, Limits().maxHeaderFieldBytes, name)
            XCTAssertEqual(m.text, "body\n", name)
        }
    }

    func testHundredThousandHeaders() {
        let input = String(repeating: "X-H: v\n", count: 100_000) + "From: late@example.com\n\nbody\n"
        let m = TestSupport.withinTime { TestSupport.parse(input) }
        XCTAssertEqual(m.headers.count, Limits().maxHeaderCount)
        XCTAssertTrue(m.hasDefect(.HEADER_COUNT_LIMIT))
        XCTAssertTrue(m.hasDefect(.HEADER_BYTES_LIMIT))
        XCTAssertEqual(m.text, "body\n")
    }

    func testTenThousandMimeParts() {
        let m = TestSupport.withinTime { TestSupport.parse(HostileInputs.manyParts(10_000)) }
        var count = 0
        m.root.forEach { _ in count += 1 }
        XCTAssertEqual(count, Limits().maxMimeParts)
        XCTAssertTrue(m.hasDefect(.MIME_PARTS_LIMIT))
        XCTAssertTrue(m.text.hasPrefix("part 0\npart 1\n"))
    }

    func testTwoHundredLevelsOfNesting() {
        let m = TestSupport.withinTime { TestSupport.parse(HostileInputs.nested(depth: 200)) }
        XCTAssertTrue(m.hasDefect(.MIME_DEPTH_LIMIT))
        var deepest = 0
        m.root.forEach { deepest = max(deepest, $0.path.split(separator: ".").count) }
        XCTAssertEqual(deepest, Limits().maxMimeDepth)
    }

    func testTwoHundredEmbeddedMessages() {
        let input = String(repeating: "From: a@example.com\nContent-Type: message/rfc822\n\n", count: 200) + "innermost\n"
        let m = TestSupport.withinTime { TestSupport.parse(input) }
        XCTAssertTrue(m.hasDefect(.MIME_DEPTH_LIMIT))
        var deepest = 0
        m.root.forEach { deepest = max(deepest, $0.path.split(separator: ".").count) }
        XCTAssertEqual(deepest, Limits().maxMimeDepth)
    }

    /// Every level of nesting scans its own body: a big body at the bottom of deep nesting.
    func testDeepNestingAroundABigBody() {
        let nested = HostileInputs.nested(depth: 40)
        let big = String(repeating: "0123456789abcdef 0123456789abcdef 0123456789abcdef 0123456789abcdef\n", count: 60_000)
        let input = nested.replacingOccurrences(of: "BOTTOM\n", with: big)
        let m = TestSupport.withinTime { TestSupport.parse(input) }
        XCTAssertTrue(m.hasDefect(.MIME_DEPTH_LIMIT))
        XCTAssertEqual(m.size, input.utf8.count + input.utf8.filter { $0 == 0x0A }.count)
    }

    func testEmptyAndTinyInputs() {
        for input in ["", "\n", "\r\n\r\n", ":", "From:", "From: <", "=?", "--", " \n x"] {
            let m = TestSupport.parse(Array(input.utf8))
            XCTAssertTrue(m.from.allSatisfy { $0.localPart.isEmpty }, input)
            XCTAssertEqual(m.size, input.utf8.count, input)
        }
        XCTAssertTrue(TestSupport.parse([]).hasDefect(.MISSING_FROM))
    }

    func testFiftyMegabyteBase64Attachment() {
        let input = HostileInputs.bigBase64(megabytes: 50, type: "application/octet-stream")
        let m = TestSupport.withinTime(30) { TestSupport.parse(input) }
        XCTAssertTrue(m.hasDefect(.MESSAGE_TRUNCATED))
        XCTAssertEqual(m.attachments.count, 1)
        XCTAssertGreaterThan(m.attachments.first?.size ?? 0, 20 << 20)
    }

    func testFiftyMegabyteBase64TextDecodesOnlyTheBudget() {
        var l = Limits()
        l.maxMessageBytes = 64 << 20
        let input = HostileInputs.bigBase64(megabytes: 50, type: "text/plain")
        let m = TestSupport.withinTime(30) { TestSupport.parse(input, limits: l) }
        XCTAssertTrue(m.hasDefect(.DECODED_SIZE_LIMIT))
        XCTAssertTrue(m.hasDefect(.TEXT_TRUNCATED))
        XCTAssertEqual(m.text.utf8.count, l.maxTextBytes)
        XCTAssertTrue(m.text.hasPrefix("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    }

    func testNULBytesEverywhere() throws {
        var bytes = try TestSupport.fixture("mime-nested-alternative")
        for k in stride(from: 7, to: bytes.count, by: 11) { bytes[k] = 0 }
        let m = TestSupport.withinTime { TestSupport.parse(bytes) }
        XCTAssertFalse(m.defects.isEmpty)
        XCTAssertFalse(m.text.unicodeScalars.contains("\0"))
        XCTAssertFalse(m.subject.unicodeScalars.contains("\0"))
        let allNUL = TestSupport.parse([UInt8](repeating: 0, count: 100_000))
        XCTAssertTrue(allNUL.hasDefect(.MISSING_FROM))
    }

    func testInvalidUTF8Everywhere() throws {
        // Invalid sequences at the end of every line but blank lines and boundary delimiters.
        let clean = try TestSupport.fixture("mime-nested-alternative")
        var bytes: [UInt8] = []
        for line in clean.split(separator: 0x0A, omittingEmptySubsequences: false) {
            bytes += line
            if !line.isEmpty && !line.starts(with: Array("--".utf8)) { bytes += [0x20, 0xFF, 0xC3, 0x41, 0xE2, 0x82] }
            bytes.append(0x0A)
        }
        let m = TestSupport.withinTime { TestSupport.parse(bytes) }
        XCTAssertTrue(m.hasDefect(.HEADER_INVALID_UTF8))
        XCTAssertEqual(m.fromAddress?.address, "alice@example.com")
        XCTAssertTrue(m.text.contains("invoice"), "\(MessageSummary(m))")
        XCTAssertEqual(m.attachments.first?.filename, "invoice.pdf")
        let random = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) | 0x80 }
        XCTAssertTrue(TestSupport.withinTime { TestSupport.parse(random) }.hasDefect(.MISSING_FROM))
    }

    func testCharsetThatDoesNotExist() {
        let m = TestSupport.parse("""
            From: =?x-does-not-exist?B?QWxpY2U=?= <a@example.com>
            Subject: =?x-does-not-exist?Q?Hello?=
            Content-Type: text/plain; charset=x-does-not-exist

            body
            """)
        XCTAssertEqual(m.subject, "Hello")
        XCTAssertEqual(m.fromAddress?.displayName, "Alice")
        XCTAssertEqual(m.text, "body")
        XCTAssertTrue(m.hasDefect(.ENCODED_WORD_UNKNOWN_CHARSET))
        XCTAssertTrue(m.hasDefect(.UNKNOWN_CHARSET))
        let weird = "=?\(String(repeating: "x", count: 60))?Q?a?= =?../../etc/passwd?Q?b?= =?%s%n?q?c?="
        XCTAssertEqual(TestSupport.parse("Subject: \(weird)\n\nx\n").subject, "abc")
    }

    func testHTMLBuiltToBeSlow() {
        let comment = "<!-- " + String(repeating: ">", count: 200_000) + "-->after"
        XCTAssertEqual(TestSupport.withinTime { HTMLText.convert(comment) }.visible, "after")
        let tag = "<a title=\"" + String(repeating: "x", count: 2_000_000)
        _ = TestSupport.withinTime { HTMLText.convert(tag) }
        let entities = String(repeating: "&", count: 1_000_000)
        XCTAssertEqual(TestSupport.withinTime { HTMLText.convert(entities) }.visible.count, 1_000_000)
        let tags = String(repeating: "<div style=display:none>", count: 20_000) + "x"
        XCTAssertEqual(TestSupport.withinTime { HTMLText.convert(tags) }.hidden, "x")
    }

    /// One grapheme cluster of 300,000 combining marks straddles the text limit.
    func testGiantGraphemeClusterAtTheTextLimit() {
        let text = "a" + String(repeating: "\u{301}", count: 300_000)
        let m = TestSupport.withinTime { TestSupport.parse("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n" + text) }
        XCTAssertTrue(m.hasDefect(.TEXT_TRUNCATED))
        XCTAssertLessThanOrEqual(m.text.utf8.count, Limits().maxTextBytes)
        XCTAssertEqual(m.text.unicodeScalars.first, "a")
        XCTAssertEqual(m.text.unicodeScalars.last, "\u{301}")
    }

    func testPathologicalHeaderValues() {
        let many = String(repeating: "=?utf-8?q?a?=", count: 10_000)
        let angles = String(repeating: "<", count: 60_000)
        let parens = String(repeating: "(", count: 60_000)
        let commas = String(repeating: "a,", count: 30_000)
        let openings = String(repeating: "=?a?q?x", count: 9000)
        let input = "From: \(angles)\nTo: \(parens)\nCc: \(commas)\nSubject: \(many)\nComments: \(openings)\n" +
            "Content-Type: text/plain; " + String(repeating: "a*0*=x;", count: 9000) + "\n\nbody\n"
        let m = TestSupport.withinTime { TestSupport.parse(input) }
        XCTAssertTrue(m.hasDefect(.ENCODED_WORD_LIMIT))
        XCTAssertTrue(m.hasDefect(.ADDRESS_COUNT_LIMIT))
        XCTAssertEqual(m.headers.first("comments")?.decoded, openings)
        XCTAssertEqual(m.text, "body\n")
    }

    /// Random byte mutations of every fixture: never a crash, always bounded time.
    func testMutatedFixtures() throws {
        var rng = HostileInputs.Random(state: 0x9E37_79B9_7F4A_7C15)
        let specials: [UInt8] = Array("\r\n:;<>\"()=?-\0\u{7F}".utf8) + [0xFF, 0xC3]
        for name in try TestSupport.fixtureNames() {
            let original = try TestSupport.fixture(name)
            TestSupport.withinTime {
                for _ in 0..<60 {
                    var bytes = original
                    for _ in 0..<(1 + rng.below(8)) where !bytes.isEmpty {
                        let at = rng.below(bytes.count)
                        switch rng.below(3) {
                        case 0: bytes[at] = specials[rng.below(specials.count)]
                        case 1: bytes.remove(at: at)
                        default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + rng.below(64))], at: at)
                        }
                    }
                    let m = TestSupport.parse(bytes)
                    XCTAssertEqual(m.size, bytes.count, name)
                }
            }
        }
    }
}

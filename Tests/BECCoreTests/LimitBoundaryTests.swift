@testable import BECCore
import XCTest

/// Every named limit at N - 1, N and N + 1 of its dimension, with the limit set to N: below and at
/// the limit nothing is flagged and everything is kept; one over, the limit's defect is recorded
/// and the parser keeps what fits (the documented behaviour, README "Limits").
final class LimitBoundaryTests: XCTestCase {
    /// CRLF bytes of `text` (Postfix hands messages over with CRLF).
    func bytes(_ text: String) -> [UInt8] { TestSupport.crlf(Array(text.utf8)) }

    /// Parses `input(size)` for size N - 1, N, N + 1 with `limit` set to N; checks `code` is absent,
    /// absent, present, and hands each message to `kept` (N - 1, N) or `over` (N + 1).
    func boundary(_ limit: WritableKeyPath<Limits, Int>, at n: Int, _ code: Defect.Code,
                  input: (Int) -> [UInt8], kept: (Message, Int) -> Void, over: (Message) -> Void,
                  file: StaticString = #filePath, line: UInt = #line) {
        var limits = Limits()
        limits[keyPath: limit] = n
        for size in [n - 1, n, n + 1] {
            let m = TestSupport.parse(input(size), limits: limits)
            if size <= n {
                XCTAssertFalse(m.hasDefect(code), "\(code) at size \(size), limit \(n): \(m.defects)", file: file, line: line)
                kept(m, size)
            } else {
                XCTAssertTrue(m.hasDefect(code), "no \(code) at size \(size), limit \(n): \(m.defects)", file: file, line: line)
                over(m)
            }
        }
    }

    func testMessageBytes() {
        // "From: a@example.com\r\n\r\n" is 23 bytes; the rest is body text.
        boundary(\.maxMessageBytes, at: 100, .MESSAGE_TRUNCATED,
                 input: { self.bytes("From: a@example.com\n\n") + Array(repeating: UInt8(ascii: "x"), count: $0 - 23) },
                 kept: { m, size in XCTAssertEqual(m.text.utf8.count, size - 23) },
                 over: { m in
                     XCTAssertEqual(m.text.utf8.count, 100 - 23, "scanned up to the limit")
                     XCTAssertEqual(m.fromAddress?.address, "a@example.com")
                 })
    }

    func testHeaderCount() {
        let fields = ["From: a@example.com"] + (1...20).map { "X-\($0): v" }
        boundary(\.maxHeaderCount, at: 10, .HEADER_COUNT_LIMIT,
                 input: { self.bytes(fields.prefix($0).joined(separator: "\n") + "\n\nbody\n") },
                 kept: { m, size in XCTAssertEqual(m.headers.count, size) },
                 over: { m in
                     XCTAssertEqual(m.headers.fields.map(\.name), fields.prefix(10).map { String($0.split(separator: ":")[0]) })
                     XCTAssertEqual(m.text, "body\n")
                 })
    }

    /// The dimension is where a field starts: a field that starts within the first N bytes of the
    /// section is kept; one that starts past them, and everything after it, is not.
    func testHeaderBytes() {
        // "From: a@example.com\r\n" is 21 bytes, "X-Pad: " + pad + "\r\n" is 9 + pad; X-Last starts at `start`.
        boundary(\.maxHeaderBytes, at: 100, .HEADER_BYTES_LIMIT,
                 input: { start in
                     self.bytes("From: a@example.com\nX-Pad: " + String(repeating: "p", count: start - 30) + "\nX-Last: 1\n\nbody\n")
                 },
                 kept: { m, _ in XCTAssertEqual(m.headers.first("x-last")?.value, "1") },
                 over: { m in
                     XCTAssertNil(m.headers.first("x-last"))
                     XCTAssertEqual(m.fromAddress?.address, "a@example.com")
                     XCTAssertEqual(m.text, "body\n", "the body is still found")
                 })
    }

    /// The dimension is the raw value after the colon (here: one space and the text).
    func testHeaderFieldBytes() {
        boundary(\.maxHeaderFieldBytes, at: 50, .HEADER_LINE_TOO_LONG,
                 input: { self.bytes("From: a@example.com\nSubject: " + String(repeating: "s", count: $0 - 1) + "\n\nbody\n") },
                 kept: { m, size in XCTAssertEqual(m.subject, String(repeating: "s", count: size - 1)) },
                 over: { m in
                     XCTAssertEqual(m.subject, String(repeating: "s", count: 49), "cut to the limit")
                     XCTAssertEqual(m.text, "body\n")
                 })
    }

    func testEncodedWords() {
        let word = "=?utf-8?q?a?="
        boundary(\.maxEncodedWords, at: 4, .ENCODED_WORD_LIMIT,
                 input: { self.bytes("From: a@example.com\nSubject: " + Array(repeating: word, count: $0).joined(separator: " ") + "\n\nbody\n") },
                 kept: { m, size in XCTAssertEqual(m.subject, String(repeating: "a", count: size)) },
                 over: { m in
                     XCTAssertTrue(m.subject.hasPrefix("aaaa"), m.subject)
                     XCTAssertTrue(m.subject.hasSuffix(word), "the rest is left as text: \(m.subject)")
                 })
    }

    func testAddresses() {
        boundary(\.maxAddresses, at: 5, .ADDRESS_COUNT_LIMIT,
                 input: { self.bytes("From: a@example.com\nTo: " + (0..<$0).map { "u\($0)@example.com" }.joined(separator: ", ") + "\n\nbody\n") },
                 kept: { m, size in XCTAssertEqual(m.to.count, size) },
                 over: { m in XCTAssertEqual(m.to.map(\.address), (0..<5).map { "u\($0)@example.com" }) })
    }

    /// The dimension is the number of nested multiparts.
    func testMimeDepth() {
        boundary(\.maxMimeDepth, at: 4, .MIME_DEPTH_LIMIT,
                 input: { self.bytes(HostileInputs.nested(depth: $0)) },
                 kept: { m, _ in XCTAssertEqual(m.text.trimmingCharacters(in: .whitespacesAndNewlines), "BOTTOM") },
                 over: { m in
                     var deepest = 0
                     m.root.forEach { deepest = max(deepest, $0.path.split(separator: ".").count) }
                     XCTAssertEqual(deepest, 4, "the part at the limit is kept, opaque")
                     XCTAssertFalse(m.text.contains("BOTTOM"))
                 })
    }

    /// The dimension is parts in the tree, the multipart itself included.
    func testMimeParts() {
        boundary(\.maxMimeParts, at: 5, .MIME_PARTS_LIMIT,
                 input: { self.bytes(HostileInputs.manyParts($0 - 1)) },
                 kept: { m, size in
                     var count = 0
                     m.root.forEach { _ in count += 1 }
                     XCTAssertEqual(count, size)
                     XCTAssertTrue(m.text.contains("part \(size - 2)"))
                 },
                 over: { m in
                     var count = 0
                     m.root.forEach { _ in count += 1 }
                     XCTAssertEqual(count, 5)
                     XCTAssertTrue(m.text.hasPrefix("part 0\npart 1\npart 2\npart 3"), m.text)
                     XCTAssertFalse(m.text.contains("part 4"))
                 })
    }

    /// The dimension is decoded body bytes (here a base64 text part decoding to `size` bytes).
    func testDecodedBytes() {
        let plain = Array("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        boundary(\.maxDecodedBytes, at: 48, .DECODED_SIZE_LIMIT,
                 input: { size in
                     let b64 = Data(plain.prefix(size)).base64EncodedString()
                     return self.bytes("From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n\(b64)\n")
                 },
                 kept: { m, size in XCTAssertEqual(Array(m.text.utf8), Array(plain.prefix(size))) },
                 over: { m in XCTAssertEqual(Array(m.text.utf8), Array(plain.prefix(48)), "decoded up to the limit") })
    }

    func testTextBytes() {
        boundary(\.maxTextBytes, at: 40, .TEXT_TRUNCATED,
                 input: { self.bytes("From: a@example.com\n\n") + Array(repeating: UInt8(ascii: "t"), count: $0) },
                 kept: { m, size in XCTAssertEqual(m.text, String(repeating: "t", count: size)) },
                 over: { m in XCTAssertEqual(m.text, String(repeating: "t", count: 40), "the detectors get the first 40 bytes") })
    }

    /// Ten named limits, ten boundary tests above (the time per message is the milter's
    /// `timeout_seconds`: BECMilterTests/LimitBoundaryMilterTests).
    func testEveryNamedLimitHasABoundaryTest() {
        let tested: Set = ["max_message_bytes", "max_header_count", "max_header_bytes", "max_header_field_bytes",
                           "max_encoded_words", "max_addresses", "max_mime_depth", "max_mime_parts",
                           "max_decoded_bytes", "max_text_bytes"]
        XCTAssertEqual(Set(Limits.names.map(\.0)), tested)
    }
}

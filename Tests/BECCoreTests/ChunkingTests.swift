@testable import BECCore
import XCTest

/// The milter hands over header fields one by one, then the body in pieces: collecting them
/// with `MessageAccumulator` and parsing once must give what parsing the whole message gives.
final class ChunkingTests: XCTestCase {
    static let fixtures = [
        "header-folded-subject", "subject-encoded-mixed", "addresses-all-fields", "auth-results-multiple",
        "mime-nested-alternative", "mime-rfc822-embedded", "mime-attachment-rfc2231", "body-html-hidden",
        "body-quoted-printable", "body-base64-junk", "body-8bit-no-charset", "mime-missing-close-boundary",
    ]

    /// A message as libmilter delivers it: (name, value) pairs with the leading space removed and
    /// folded lines joined by "\n", then the body with CRLF line ends.
    func milterView(_ raw: [UInt8]) throws -> (headers: [(String, String)], body: [UInt8]) {
        let blank = try XCTUnwrap((1..<raw.count).first { raw[$0] == 0x0A && raw[$0 - 1] == 0x0A }, "no blank line")
        let head = String(decoding: raw[..<(blank - 1)], as: UTF8.self)
        var headers: [(String, String)] = []
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", let last = headers.popLast() {
                headers.append((last.0, last.1 + "\n" + line))
                continue
            }
            let colon = try XCTUnwrap(line.firstIndex(of: ":"), String(line))
            var value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
            headers.append((String(line[..<colon]), String(value)))
        }
        let bodyStart = blank + 1
        return (headers, TestSupport.crlf(Array(raw[bodyStart...])))
    }

    func accumulate(_ view: (headers: [(String, String)], body: [UInt8]), chunk: Int, maxBytes: Int = 1 << 20) -> MessageAccumulator {
        var acc = MessageAccumulator(maxBytes: maxBytes)
        for (name, value) in view.headers { acc.addHeader(name: name, value: value) }
        acc.endHeaders()
        var i = 0
        while i < view.body.count {
            acc.appendBody(view.body[i..<min(view.body.count, i + chunk)])
            i += chunk
        }
        return acc
    }

    func testEveryChunkSizeGivesTheSameMessage() throws {
        for name in Self.fixtures {
            let raw = try TestSupport.fixture(name)
            let whole = TestSupport.parse(TestSupport.crlf(raw))
            let expected = MessageSummary(whole)
            let view = try milterView(raw)
            XCTAssertFalse(view.body.isEmpty, name)
            for size in 1...min(512, view.body.count) {
                let acc = accumulate(view, chunk: size)
                XCTAssertFalse(acc.truncated)
                let got = MessageSummary(TestSupport.parse(acc.bytes))
                if got != expected {
                    XCTFail("\(name) chunk \(size):\n got \(got)\n want \(expected)")
                    break
                }
            }
            XCTAssertEqual(accumulate(view, chunk: 7).bytes, TestSupport.crlf(raw), name)
        }
    }

    func testFoldedHeaderValuesFromTheMilter() {
        var acc = MessageAccumulator(maxBytes: 1 << 16)
        acc.addHeader(name: "From", value: "\"Okafor,\n Margaret\" <m@example.com>")
        acc.addHeader(name: "Subject", value: "=?utf-8?q?Zahlung?=\r\n\t=?utf-8?q?_f=C3=A4llig?=")
        acc.addHeader(name: "X-Lead-Space", value: " already spaced")
        acc.addHeader(name: "X-Empty", value: "")
        acc.appendBody(Array("body\r\n".utf8))
        let m = TestSupport.parse(acc.bytes)
        XCTAssertEqual(m.fromAddress?.displayName, "Okafor, Margaret")
        XCTAssertEqual(m.subject, "Zahlung fällig")
        XCTAssertEqual(m.headers.first("subject")?.raw, Array(" =?utf-8?q?Zahlung?=\r\n\t=?utf-8?q?_f=C3=A4llig?=".utf8))
        XCTAssertEqual(m.headers.first("x-lead-space")?.raw, Array(" already spaced".utf8))
        XCTAssertEqual(m.headers.first("x-empty")?.value, "")
        XCTAssertEqual(m.text, "body\n")
        XCTAssertEqual(m.defects, [])
    }

    func testBodyWithoutEndHeadersStillSeparates() {
        var acc = MessageAccumulator(maxBytes: 1 << 16)
        acc.addHeader(name: "From", value: "a@example.com")
        acc.appendBody(Array("Subject: not a header\r\n".utf8))
        acc.endHeaders()
        let m = TestSupport.parse(acc.bytes)
        XCTAssertNil(m.headers.first("subject"))
        XCTAssertEqual(m.text, "Subject: not a header\n")
    }

    func testTruncationIsTheSameForEveryChunkSize() throws {
        let raw = try TestSupport.fixture("mime-nested-alternative")
        let view = try milterView(raw)
        let reference = accumulate(view, chunk: view.body.count, maxBytes: 300)
        XCTAssertTrue(reference.truncated)
        XCTAssertEqual(reference.bytes.count, 300)
        for size in 1...view.body.count {
            XCTAssertEqual(accumulate(view, chunk: size, maxBytes: 300).bytes, reference.bytes, "chunk \(size)")
        }
    }

    func testAppendRawIsTheWholeMessage() throws {
        let raw = try TestSupport.fixture("header-folded-subject")
        var acc = MessageAccumulator(maxBytes: 1 << 16)
        for k in stride(from: 0, to: raw.count, by: 5) { acc.appendRaw(raw[k..<min(raw.count, k + 5)]) }
        XCTAssertEqual(acc.bytes, raw)
    }
}

@testable import BECCore
import XCTest

/// RFC 2045 §6 transfer decodings, table-driven, plus the body charsets they feed.
final class TransferDecodingTests: XCTestCase {
    struct QPRow {
        var input: String
        var expected: [UInt8]
        var badEscape = false
        var line: UInt = #line
    }

    func testQuotedPrintable() {
        let rows = [
            QPRow(input: "plain", expected: Array("plain".utf8)),
            QPRow(input: "soft=\r\nbreak", expected: Array("softbreak".utf8)),
            QPRow(input: "soft=\nbreak", expected: Array("softbreak".utf8)),
            QPRow(input: "soft= \t\r\nbreak", expected: Array("softbreak".utf8)),
            QPRow(input: "caf=C3=A9", expected: [0x63, 0x61, 0x66, 0xC3, 0xA9]),
            QPRow(input: "caf=c3=a9", expected: [0x63, 0x61, 0x66, 0xC3, 0xA9]),
            QPRow(input: "a=3Db", expected: Array("a=b".utf8)),
            QPRow(input: "bad =ZZ", expected: Array("bad =ZZ".utf8), badEscape: true),
            QPRow(input: "half =4", expected: Array("half =4".utf8), badEscape: true),
            QPRow(input: "x = y", expected: Array("x = y".utf8), badEscape: true),
            QPRow(input: "end=", expected: Array("end".utf8)),
            QPRow(input: "hard\r\nbreak", expected: Array("hard\r\nbreak".utf8)),
        ]
        for row in rows {
            let out = TransferDecoding.quotedPrintable(Array(row.input.utf8), limit: 1000)
            XCTAssertEqual(out.bytes, row.expected, row.input, line: row.line)
            XCTAssertEqual(out.badEscape, row.badEscape, row.input, line: row.line)
            XCTAssertFalse(out.truncated, line: row.line)
        }
    }

    struct B64Row {
        var input: String
        var expected: String
        var junk = false
        var badPadding = false
        var line: UInt = #line
    }

    func testBase64() {
        let rows = [
            B64Row(input: "SGVsbG8=", expected: "Hello"),
            B64Row(input: "SGVs\r\nbG8=\r\n", expected: "Hello"),
            B64Row(input: "SGVsbG8", expected: "Hello", badPadding: true),
            B64Row(input: "SGVsbA", expected: "Hell", badPadding: true),
            B64Row(input: "SGVsbA==", expected: "Hell"),
            B64Row(input: "SGV*sb!G8=", expected: "Hello", junk: true),
            B64Row(input: "SGVsbG8=QQ", expected: "HelloA", junk: true, badPadding: true),
            B64Row(input: "SGVsbA==SGVsbA==", expected: "HellHell", junk: true),
            B64Row(input: "SGVsbG8=\r\n", expected: "Hello"),
            B64Row(input: "SGVsb", expected: "Hel", badPadding: true),
            B64Row(input: "", expected: ""),
        ]
        for row in rows {
            let out = TransferDecoding.base64(Array(row.input.utf8), limit: 1000)
            XCTAssertEqual(String(decoding: out.bytes, as: UTF8.self), row.expected, row.input, line: row.line)
            XCTAssertEqual(out.junk, row.junk, "junk " + row.input, line: row.line)
            XCTAssertEqual(out.badPadding, row.badPadding, "padding " + row.input, line: row.line)
        }
    }

    func testDecodersStopAtTheLimit() {
        let b64 = TransferDecoding.base64(Array("SGVsbG8gV29ybGQ=".utf8), limit: 4)
        XCTAssertTrue(b64.truncated)
        XCTAssertLessThanOrEqual(b64.bytes.count, 4)
        let tail = TransferDecoding.base64(Array("SGVsbA".utf8), limit: 3)
        XCTAssertLessThanOrEqual(tail.bytes.count, 3)
        XCTAssertTrue(tail.truncated)
        let qp = TransferDecoding.quotedPrintable(Array("abcdef".utf8), limit: 3)
        XCTAssertEqual(qp.bytes, Array("abc".utf8))
        XCTAssertTrue(qp.truncated)
    }

    func testBase64DecodedSizeEstimate() {
        XCTAssertEqual(TransferDecoding.base64DecodedSize(Array("SGVs\r\nbG8=".utf8)), 5)
        XCTAssertEqual(TransferDecoding.base64DecodedSize(Array("".utf8)), 0)
    }

    func testQuotedPrintableBody() throws {
        let m = try TestSupport.parseFixture("body-quoted-printable", crlf: true)
        XCTAssertEqual(m.text, "Soft line break, lowercase hex café, upper é, bad =ZZ escape, equals at end=.\n")
        XCTAssertEqual(TestSupport.codes(m), [.QP_BAD_ESCAPE])
    }

    func testBase64BodyWithJunkAndNoPadding() throws {
        let m = try TestSupport.parseFixture("body-base64-junk", crlf: true)
        XCTAssertEqual(m.text, "Hello World Café")
        XCTAssertEqual(TestSupport.codes(m), [.BASE64_JUNK, .BASE64_BAD_PADDING])
    }

    func testEightBitBodyWithoutCharsetFallsBack() throws {
        let m = try TestSupport.parseFixture("body-8bit-no-charset")
        XCTAssertEqual(m.text, "Café crème “quoted”\n")
        XCTAssertTrue(m.hasDefect(.UNDECLARED_8BIT))
    }

    func testEightBitUTF8BodyWithoutCharsetIsUTF8() {
        let m = TestSupport.parse("From: a@example.com\n\nGrüße\n")
        XCTAssertEqual(m.text, "Grüße\n")
        XCTAssertTrue(m.hasDefect(.UNDECLARED_8BIT))
    }

    func testDeclaredCharsetBody() throws {
        let m = try TestSupport.parseFixture("body-koi8r")
        XCTAssertEqual(m.text, "Киев\n")
        XCTAssertEqual(m.defects, [])
    }

    func testUnknownCharsetBody() throws {
        let m = try TestSupport.parseFixture("body-unknown-charset")
        XCTAssertEqual(m.text, "Plain ASCII text in an unknown charset.\n")
        XCTAssertEqual(m.defects, [Defect(.UNKNOWN_CHARSET, "x-no-such-charset")])
    }

    func testInvalidDataInDeclaredCharset() {
        var bytes = Array("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\nCaf".utf8)
        bytes += [0xE9, 0x0A]
        let m = TestSupport.parse(bytes)
        XCTAssertEqual(m.text, "Café\n")
        XCTAssertTrue(m.hasDefect(.INVALID_CHARSET_DATA))
    }

    func testUnknownTransferEncodingIsReadAsIs() {
        let m = TestSupport.parse("From: a@example.com\nContent-Transfer-Encoding: x-uuencode\n\nraw text\n")
        XCTAssertEqual(m.text, "raw text\n")
        XCTAssertTrue(m.hasDefect(.UNKNOWN_TRANSFER_ENCODING))
    }

    func testNULInBodyIsRemoved() {
        let m = TestSupport.parse("From: a@example.com\n\npay\0ment\n")
        XCTAssertEqual(m.text, "payment\n")
        XCTAssertTrue(m.hasDefect(.NUL_IN_BODY))
    }

    func testCRLFBecomesLFInText() {
        let m = TestSupport.parse(Array("From: a@example.com\r\n\r\none\r\ntwo\r\n".utf8))
        XCTAssertEqual(m.text, "one\ntwo\n")
    }
}

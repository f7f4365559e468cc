@testable import BECCore
import XCTest

/// Every defect code has a message that raises it: a new code without an example fails here.
final class DefectCatalogTests: XCTestCase {
    struct Example {
        var message: String
        var limits = Limits()
    }

    static func limited(_ change: (inout Limits) -> Void) -> Limits {
        var l = Limits()
        change(&l)
        return l
    }

    static let from = "From: a@example.com\n"

    static let examples: [Defect.Code: Example] = [
        .MESSAGE_TRUNCATED: Example(message: from + "\n" + String(repeating: "x", count: 100), limits: limited { $0.maxMessageBytes = 50 }),
        .NO_HEADER_BODY_SEPARATOR: Example(message: from + "not a header\n"),
        .HEADER_COUNT_LIMIT: Example(message: from + "A: 1\nB: 2\n\nx", limits: limited { $0.maxHeaderCount = 2 }),
        .HEADER_BYTES_LIMIT: Example(message: from + "A: 1\nB: 2\n\nx", limits: limited { $0.maxHeaderBytes = 10 }),
        .HEADER_LINE_TOO_LONG: Example(message: from + "A: 0123456789\n\nx", limits: limited { $0.maxHeaderFieldBytes = 5 }),
        .HEADER_NO_COLON: Example(message: "no colon here\n" + from),
        .HEADER_EMPTY_NAME: Example(message: from + ": value\n\nx"),
        .HEADER_NUL: Example(message: from + "Subject: a\0b\n\nx"),
        .HEADER_8BIT: Example(message: from + "Subject: Grüße\n\nx"),
        .HEADER_INVALID_UTF8: Example(message: ""),  // built from bytes in the test
        .MISSING_FROM: Example(message: "Subject: x\n\nx"),
        .MULTIPLE_FROM_HEADERS: Example(message: from + from + "\nx"),
        .FROM_MULTIPLE_ADDRESSES: Example(message: "From: a@example.com, b@example.com\n\nx"),
        .FROM_GROUP: Example(message: "From: G: a@example.com;\n\nx"),
        .FROM_EMPTY: Example(message: "From:\n\nx"),
        .ADDRESS_UNPARSABLE: Example(message: from + "To: just a name\n\nx"),
        .ADDRESS_COUNT_LIMIT: Example(message: from + "To: b@example.com, c@example.com\n\nx", limits: limited { $0.maxAddresses = 1 }),
        .ADDRESS_NO_DOMAIN: Example(message: from + "To: <bob>\n\nx"),
        .IDN_INVALID: Example(message: "From: a@xn--a.example\n\nx"),
        .ENCODED_WORD_MALFORMED: Example(message: from + "Subject: =?utf-8?x?abc?=\n\nx"),
        .ENCODED_WORD_UNKNOWN_CHARSET: Example(message: from + "Subject: =?x-nope?q?abc?=\n\nx"),
        .ENCODED_WORD_IN_QUOTED_STRING: Example(message: "From: \"=?utf-8?q?A?=\" <a@example.com>\n\nx"),
        .ENCODED_WORD_LIMIT: Example(message: from + "Subject: =?utf-8?q?a?= =?utf-8?q?b?=\n\nx", limits: limited { $0.maxEncodedWords = 1 }),
        .RFC2231_MALFORMED: Example(message: from + "Content-Type: text/plain; name*=abc\n\nx"),
        .MIME_DEPTH_LIMIT: Example(message: HostileInputs.nested(depth: 3), limits: limited { $0.maxMimeDepth = 1 }),
        .MIME_PARTS_LIMIT: Example(message: HostileInputs.manyParts(3), limits: limited { $0.maxMimeParts = 2 }),
        .MIME_NO_BOUNDARY: Example(message: from + "Content-Type: multipart/mixed\n\nx"),
        .MIME_MISSING_CLOSE_BOUNDARY: Example(message: from + "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n"),
        .MIME_NO_PARTS: Example(message: from + "Content-Type: multipart/mixed; boundary=b\n\nx\n"),
        .MIME_BAD_CONTENT_TYPE: Example(message: from + "Content-Type: nonsense\n\nx"),
        .QP_BAD_ESCAPE: Example(message: from + "Content-Transfer-Encoding: quoted-printable\n\n=ZZ"),
        .BASE64_JUNK: Example(message: from + "Content-Transfer-Encoding: base64\n\nQUJD*\n"),
        .BASE64_BAD_PADDING: Example(message: from + "Content-Transfer-Encoding: base64\n\nQUI\n"),
        .UNKNOWN_TRANSFER_ENCODING: Example(message: from + "Content-Transfer-Encoding: x-rot13\n\nx"),
        .UNKNOWN_CHARSET: Example(message: from + "Content-Type: text/plain; charset=x-nope\n\nx"),
        .UNDECLARED_8BIT: Example(message: from + "\nGrüße"),
        .INVALID_CHARSET_DATA: Example(message: ""),  // built from bytes in the test
        .NUL_IN_BODY: Example(message: from + "\na\0b"),
        .DECODED_SIZE_LIMIT: Example(message: from + "\n0123456789", limits: limited { $0.maxDecodedBytes = 4 }),
        .TEXT_TRUNCATED: Example(message: from + "\n0123456789", limits: limited { $0.maxTextBytes = 4 }),
        .HTML_HIDDEN_TEXT: Example(message: from + "Content-Type: text/html\n\n<p hidden>x</p>"),
        .AUTH_RESULTS_MALFORMED: Example(message: from + "Authentication-Results: ; spf=pass\n\nx"),
    ]

    func testEveryCodeHasAnExampleThatRaisesIt() {
        for code in Defect.Code.allCases {
            guard let example = Self.examples[code] else {
                XCTFail("no example for \(code.rawValue)")
                continue
            }
            var bytes = TestSupport.crlf(Array(example.message.utf8))
            if code == .HEADER_INVALID_UTF8 { bytes = Array("From: a@example.com\r\nSubject: caf".utf8) + [0xE9, 0x0D, 0x0A] }
            if code == .INVALID_CHARSET_DATA {
                bytes = Array("From: a@example.com\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n".utf8) + [0xC3, 0x28]
            }
            let m = TestSupport.parse(bytes, limits: example.limits)
            XCTAssertTrue(m.hasDefect(code), "\(code.rawValue): got \(m.defects)")
        }
    }

    func testCodesAreUpperSnakeAndStable() {
        for code in Defect.Code.allCases {
            XCTAssertTrue(code.rawValue.allSatisfy { $0.isUppercase || $0 == "_" || $0.isNumber }, code.rawValue)
        }
        XCTAssertEqual(Defect(.UNKNOWN_CHARSET, "x-nope").description, "UNKNOWN_CHARSET(x-nope)")
        XCTAssertEqual(Defect(.MISSING_FROM).description, "MISSING_FROM")
        XCTAssertEqual(Defect(.FROM_EMPTY, String(repeating: "x", count: 500)).detail.count, 200)
    }

    func testDefectsAreDeduplicated() {
        let m = TestSupport.parse("From: a@example.com\nSubject: a\0b\nSubject: c\0d\nX: e\0f\n\nbody\n")
        XCTAssertEqual(m.defects, [Defect(.HEADER_NUL, "Subject"), Defect(.HEADER_NUL, "X")])
    }
}

@testable import BECMilter
import BECCore
import XCTest

/// The warning banner goes into the first text/plain and text/html parts and nowhere else.
final class BannerInserterTests: XCTestCase {
    let banner = BannerInserter(text: "CAUTION: verify payment requests by phone.")

    func s(_ b: [UInt8]?) -> String { b.map { String(decoding: $0, as: UTF8.self) } ?? "<nil>" }

    func testPlainSevenBit() {
        let out = s(banner.insert(body: Array("Hello\r\nworld\r\n".utf8), contentType: nil, transferEncoding: nil))
        XCTAssertEqual(out, "CAUTION: verify payment requests by phone.\r\n\r\nHello\r\nworld\r\n")
    }

    func testHTMLGoesAfterTheBodyTag() {
        let out = s(banner.insert(body: Array("<html><BODY class=x>\r\n<p>Hi</p></body></html>\r\n".utf8),
                                  contentType: "text/html; charset=utf-8", transferEncoding: "8bit"))
        XCTAssertTrue(out.hasPrefix("<html><BODY class=x><div style="), out)
        XCTAssertTrue(out.contains(">CAUTION: verify payment requests by phone.</div>\r\n\r\n<p>Hi</p>"), out)
    }

    func testAlternativeGetsBothAndTheAttachmentIsUntouched() {
        let body = """
        preamble\r
        --outer\r
        Content-Type: multipart/alternative; boundary="inner"\r
        \r
        --inner\r
        Content-Type: text/plain; charset=us-ascii\r
        \r
        Pay the invoice.\r
        --inner\r
        Content-Type: text/html; charset=us-ascii\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        <html><body><p style=3D"x">Pay the invoice.</p></body></html>\r
        --inner--\r
        --outer\r
        Content-Type: text/plain; name=notes.txt\r
        Content-Disposition: attachment; filename=notes.txt\r
        \r
        attached text\r
        --outer--\r
        epilogue\r

        """
        let out = s(banner.insert(body: Array(body.utf8), contentType: "multipart/mixed; boundary=outer", transferEncoding: nil))
        XCTAssertTrue(out.hasPrefix("preamble\r\n--outer\r\n"))
        XCTAssertTrue(out.contains("\r\n\r\nCAUTION: verify payment requests by phone.\r\n\r\nPay the invoice.\r\n--inner\r\n"), out)
        XCTAssertTrue(out.contains("<html><body><div style=3D\""), "QP re-encoded: \(out)")
        XCTAssertTrue(out.contains("\r\n\r\nattached text\r\n--outer--\r\nepilogue\r\n"), out)
        XCTAssertEqual(out.components(separatedBy: "CAUTION").count - 1, 2)
        // The QP part decodes to valid HTML with the banner.
        let qpStart = out.range(of: "quoted-printable\r\n\r\n")!.upperBound
        let qpEnd = out.range(of: "\r\n--inner--")!.lowerBound
        let decoded = TransferDecoding.quotedPrintable(Array(out[qpStart..<qpEnd].utf8), limit: 10_000).bytes
        XCTAssertTrue(s(decoded).contains("<body><div style=\"border"), s(decoded))
        XCTAssertTrue(s(decoded).contains("<p style=\"x\">Pay the invoice.</p>"))
    }

    func testBase64PartIsDecodedAndReencoded() {
        let text = Array("Bonjour,\r\nmerci.\r\n".utf8)
        let encoded = Base64.encodeLines(text, eol: [13, 10])
        let out = banner.insert(body: encoded, contentType: "text/plain; charset=utf-8", transferEncoding: "base64")
        XCTAssertNotNil(out)
        let decoded = TransferDecoding.base64(out ?? [], limit: 10_000).bytes
        XCTAssertEqual(s(decoded), "CAUTION: verify payment requests by phone.\r\n\r\nBonjour,\r\nmerci.\r\n")
        XCTAssertTrue(s(out).split(separator: "\r\n").allSatisfy { $0.count <= 76 })
    }

    func testPartsItCannotChangeSafelyAreSkipped() {
        XCTAssertNil(banner.insert(body: [0xFF, 0xFE, 0x48, 0x00], contentType: "text/plain; charset=utf-16", transferEncoding: "binary"))
        XCTAssertNil(banner.insert(body: Array("x".utf8), contentType: "text/plain", transferEncoding: "x-uuencode"))
        XCTAssertNil(banner.insert(body: Array("%PDF".utf8), contentType: "application/pdf", transferEncoding: "base64"))
        let accented = BannerInserter(text: "ATTENTION : vérifiez")
        XCTAssertNil(accented.insert(body: Array("Hello\r\n".utf8), contentType: "text/plain; charset=us-ascii", transferEncoding: "7bit"),
                     "non-ASCII banner in a 7bit ASCII part")
        let html = s(accented.insert(body: Array("<p>x</p>".utf8), contentType: "text/html; charset=iso-8859-1", transferEncoding: "7bit"))
        XCTAssertTrue(html.contains("ATTENTION : v&#233;rifiez"), html)
    }

    func testOnlyTheFirstPlainPartAndDeepNestingIsBounded() {
        let body = "--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\nContent-Type: text/plain\r\n\r\ntwo\r\n--b--\r\n"
        let out = s(banner.insert(body: Array(body.utf8), contentType: "multipart/mixed; boundary=b", transferEncoding: nil))
        XCTAssertEqual(out.components(separatedBy: "CAUTION").count - 1, 1)
        XCTAssertTrue(out.contains("\r\n\r\ntwo\r\n--b--"))
        var shallow = banner
        shallow.maxDepth = 0
        XCTAssertNil(shallow.insert(body: Array(body.utf8), contentType: "multipart/mixed; boundary=b", transferEncoding: nil))
    }

    func testBoundaryPrefixesAreNotDelimiters() {
        let body = "--ab\r\nContent-Type: text/plain\r\n\r\nline\r\n--abc not a delimiter\r\n--ab--\r\n"
        let out = s(banner.insert(body: Array(body.utf8), contentType: "multipart/mixed; boundary=\"ab\"", transferEncoding: nil))
        XCTAssertTrue(out.contains("CAUTION: verify payment requests by phone.\r\n\r\nline\r\n--abc not a delimiter\r\n--ab--"), out)
    }

    func testQuotedPrintableEncoderRoundTrips() {
        let text = Array("a=b \tend \r\nnon-ascii: é\r\n\(String(repeating: "x", count: 200))\r\n".utf8)
        let enc = QuotedPrintable.encode(text, eol: [13, 10])
        XCTAssertTrue(s(enc).split(separator: "\r\n").allSatisfy { $0.count <= 76 })
        XCTAssertEqual(TransferDecoding.quotedPrintable(enc, limit: 10_000).bytes, text)
    }
}

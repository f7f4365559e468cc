@testable import BECCore
import XCTest

/// RFC 2045/2046 structure: multipart trees, boundaries, embedded messages, attachments.
final class MIMETests: XCTestCase {
    func paths(_ m: Message) -> [String] {
        var out: [String] = []
        m.root.forEach { out.append("\($0.path)=\($0.contentType.mimeType)") }
        return out
    }

    func testNestedMultipartPrefersThePlainAlternative() throws {
        let m = try TestSupport.parseFixture("mime-nested-alternative", crlf: true)
        XCTAssertEqual(paths(m), ["=multipart/mixed", "1=multipart/alternative", "1.1=text/plain",
                                  "1.2=text/html", "2=application/pdf"])
        XCTAssertEqual(m.text, "Please pay the invoice today.")
        XCTAssertFalse(m.text.contains("HTML"))
        XCTAssertFalse(m.text.contains("preamble"))
        XCTAssertFalse(m.text.contains("epilogue"))
        XCTAssertEqual(m.attachments, [Attachment(filename: "invoice.pdf", contentType: "application/pdf", size: 29, path: "2")])
        XCTAssertEqual(m.defects, [])
    }

    func testAlternativeWithOnlyHTMLUsesTheHTML() throws {
        let m = try TestSupport.parseFixture("mime-alternative-html-only")
        XCTAssertEqual(m.text, "Only HTML here")
    }

    func testMissingCloseBoundaryKeepsTheLastPart() throws {
        let m = try TestSupport.parseFixture("mime-missing-close-boundary", crlf: true)
        XCTAssertEqual(m.root.children.count, 2)
        XCTAssertEqual(m.text, "First part.\nSecond part runs to the end.\n")
        XCTAssertEqual(TestSupport.codes(m), [.MIME_MISSING_CLOSE_BOUNDARY])
    }

    func testWrongCloseBoundaryIsTreatedAsMissing() throws {
        let m = try TestSupport.parseFixture("mime-wrong-close-boundary")
        XCTAssertEqual(m.root.children.count, 1)
        XCTAssertTrue(m.text.hasPrefix("Only part.\n"))
        XCTAssertTrue(m.hasDefect(.MIME_MISSING_CLOSE_BOUNDARY))
    }

    func testPreambleAndEpilogueAreNotText() throws {
        let m = try TestSupport.parseFixture("mime-preamble-epilogue")
        XCTAssertEqual(m.text, "Visible part.")
        XCTAssertEqual(m.defects, [])
    }

    /// Text that cannot be split is still scanned: hiding it behind a broken multipart must
    /// not hide it from the detectors.
    func testMultipartWithoutBoundaryIsScannedAsText() throws {
        let m = try TestSupport.parseFixture("mime-no-boundary-param")
        XCTAssertTrue(m.hasDefect(.MIME_NO_BOUNDARY))
        XCTAssertTrue(m.text.contains("Text that cannot be split."))
    }

    func testBrokenMultipartKeepsItsCharset() {
        var bytes = Array("From: a@example.com\nContent-Type: multipart/mixed; charset=koi8-r\n\n".utf8)
        bytes += [0xEB, 0xC9, 0xC5, 0xD7, 0x0A]
        let m = TestSupport.parse(bytes)
        XCTAssertEqual(m.text, "Киев\n")
        XCTAssertEqual(TestSupport.codes(m), [.MIME_NO_BOUNDARY])
    }

    func testMultipartWhoseBoundaryNeverAppears() throws {
        let m = try TestSupport.parseFixture("mime-no-parts")
        XCTAssertTrue(m.hasDefect(.MIME_NO_PARTS))
        XCTAssertEqual(m.text, "Just some text with no delimiter lines.\n")
    }

    func testEmbeddedMessageIsParsedAsAMessage() throws {
        let m = try TestSupport.parseFixture("mime-rfc822-embedded", crlf: true)
        XCTAssertEqual(paths(m), ["=multipart/mixed", "1=text/plain", "2=message/rfc822", "2.1=multipart/mixed",
                                  "2.1.1=text/plain", "2.1.2=application/zip"])
        let inner = try XCTUnwrap(m.root.children.last?.children.first)
        XCTAssertTrue(inner.embedded)
        XCTAssertFalse(m.root.children[0].embedded)
        XCTAssertEqual(inner.headers.first("from")?.value, "Original Sender <orig@example.net>")
        XCTAssertEqual(m.fromAddress?.address, "alice@example.com")
        XCTAssertEqual(m.text, "See the forwarded message.")
        XCTAssertEqual(m.attachments, [Attachment(filename: "payload.zip", contentType: "application/zip", size: 5, path: "2.1.2")])
    }

    func testDigestChildrenDefaultToMessages() {
        let m = TestSupport.parse("""
            From: a@example.com
            Content-Type: multipart/digest; boundary=d

            --d

            From: inner@example.com
            Subject: one

            inner body
            --d--

            """)
        XCTAssertEqual(m.root.children.first?.contentType.mimeType, "message/rfc822")
        XCTAssertEqual(m.root.children.first?.children.first?.headers.first("subject")?.value, "one")
    }

    func testAttachmentsAreListedNotRead() {
        let m = TestSupport.parse("""
            From: a@example.com
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            body
            --b
            Content-Type: text/plain; name=notes.txt
            Content-Disposition: attachment

            ATTACHED-TEXT
            --b
            Content-Type: image/png
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=
            --b
            Content-Type: text/calendar

            BEGIN:VCALENDAR
            --b--

            """)
        XCTAssertEqual(m.attachments.map(\.filename), ["notes.txt", ""])
        XCTAssertEqual(m.attachments.map(\.contentType), ["text/plain", "image/png"])
        XCTAssertEqual(m.attachments.map(\.size), [13, 8])
        XCTAssertEqual(m.text, "body")
        XCTAssertFalse(m.text.contains("ATTACHED-TEXT"))
    }

    func testBoundaryThatIsAPrefixOfAnotherLine() {
        let m = TestSupport.parse("""
            From: a@example.com
            Content-Type: multipart/mixed; boundary=ab

            --ab
            Content-Type: text/plain

            one
            --abc not a delimiter
            --ab  \t
            Content-Type: text/plain

            two
            --ab--

            """)
        XCTAssertEqual(m.root.children.count, 2)
        XCTAssertEqual(m.text, "one\n--abc not a delimiter\ntwo")
        XCTAssertEqual(m.defects, [])
    }

    func testPartWithoutHeadersDefaultsToTextPlain() {
        let m = TestSupport.parse("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nbare part\n--b--\n")
        XCTAssertEqual(m.root.children.first?.contentType, .textPlain)
        XCTAssertEqual(m.text, "bare part")
    }
}

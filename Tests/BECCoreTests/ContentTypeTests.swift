@testable import BECCore
import XCTest

/// RFC 2045 Content-Type and RFC 2183 Content-Disposition values with RFC 2231 parameters.
final class ContentTypeTests: XCTestCase {
    struct Row {
        var input: String
        var parameter: String
        var expected: String?
        var defects: Set<Defect.Code> = []
        var line: UInt = #line
    }

    func split(_ value: String) -> (String, [String: String], [Defect]) {
        var defects: [Defect] = []
        let (main, params) = ContentTypeParser.split(value, services: TestSupport.services, defects: &defects)
        return (main, params, defects)
    }

    func contentType(_ value: String) -> (ContentType?, [Defect]) {
        var defects: [Defect] = []
        let ct = ContentTypeParser.contentType(value, services: TestSupport.services, defects: &defects)
        return (ct, defects)
    }

    func testParameters() {
        let rows = [
            Row(input: "attachment; filename=plain.pdf", parameter: "filename", expected: "plain.pdf"),
            Row(input: "attachment; FILENAME=\"Quoted Name.pdf\"", parameter: "filename", expected: "Quoted Name.pdf"),
            Row(input: "attachment; filename=\"a;b.txt\"; size=3", parameter: "filename", expected: "a;b.txt"),
            Row(input: "attachment; filename=\"a\\\"b.txt\"", parameter: "filename", expected: "a\"b.txt"),
            Row(input: "attachment; filename*=utf-8''na%C3%AFve%20file.txt", parameter: "filename", expected: "naïve file.txt"),
            Row(input: "attachment; filename*=iso-8859-1'en'caf%E9.pdf", parameter: "filename", expected: "café.pdf"),
            Row(input: "attachment; filename*=UTF-8'de-DE'%E2%82%AC.pdf", parameter: "filename", expected: "€.pdf"),
            Row(input: "attachment; filename*=koi8-r''%EB%C9%C5%D7.doc", parameter: "filename", expected: "Киев.doc"),
            Row(input: "attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC.txt", parameter: "filename", expected: "€.txt"),
            Row(input: "attachment; filename*0=\"long \"; filename*1=\"name.pdf\"", parameter: "filename", expected: "long name.pdf"),
            Row(input: "attachment; filename*1=b.pdf; filename*0=a", parameter: "filename", expected: "ab.pdf"),
            Row(input: "attachment; filename*0*=us-ascii'en'a%20; filename*1=b%20c", parameter: "filename", expected: "a b%20c"),
            Row(input: "attachment; filename=\"fallback.pdf\"; filename*=utf-8''real.pdf", parameter: "filename", expected: "real.pdf"),
            Row(input: "attachment; filename*=na%C3%AFve.txt", parameter: "filename", expected: "naïve.txt", defects: [.RFC2231_MALFORMED]),
            Row(input: "attachment; filename*=x-nope''abc.pdf", parameter: "filename", expected: "abc.pdf", defects: [.UNKNOWN_CHARSET]),
            Row(input: "attachment; filename=report(1).pdf", parameter: "filename", expected: "report(1).pdf"),
            Row(input: "attachment; filename=\"=?utf-8?B?Q2Fmw6kucGRm?=\"", parameter: "filename", expected: "Café.pdf"),
            Row(input: "attachment; filename", parameter: "filename", expected: nil),
        ]
        for row in rows {
            let (_, params, defects) = split(row.input)
            XCTAssertEqual(params[row.parameter], row.expected, row.input, line: row.line)
            XCTAssertEqual(Set(defects.map(\.code)), row.defects, row.input, line: row.line)
        }
    }

    func testTypeIsLowercasedAndParametersKeepTheirValue() throws {
        let (ct, defects) = contentType("TEXT/HTML; CHARSET=\"UTF-8\"")
        XCTAssertEqual(ct?.mimeType, "text/html")
        XCTAssertEqual(ct?.charset, "UTF-8")
        XCTAssertTrue(defects.isEmpty)
    }

    /// RFC 2045 §5.1 allows comments: `text/plain; charset=us-ascii (Plain text)`.
    func testCommentsAreIgnored() {
        let (ct, defects) = contentType("text/plain (body text); charset=us-ascii (Plain text)")
        XCTAssertEqual(ct?.mimeType, "text/plain")
        XCTAssertEqual(ct?.charset, "us-ascii")
        XCTAssertTrue(defects.isEmpty, "\(defects)")
        let (quoted, _) = contentType("application/pdf; name=\"report (final).pdf\"")
        XCTAssertEqual(quoted?.parameters["name"], "report (final).pdf")
    }

    func testBadTypeFallsBackToTextPlain() {
        for value in ["garbage", "text/", "/plain", "", "junk multipart/mixed; boundary=x", "text/plain/extra", "tëxt/plain"] {
            let (ct, defects) = contentType(value)
            XCTAssertEqual(ct?.mimeType, "text/plain", value)
            XCTAssertEqual(defects.map(\.code), [.MIME_BAD_CONTENT_TYPE], value)
        }
    }

    func testAbsentHeaderGivesNil() {
        var defects: [Defect] = []
        XCTAssertNil(ContentTypeParser.contentType(nil, services: TestSupport.services, defects: &defects))
    }

    func testFoldedRFC2231FilenameInAMessage() throws {
        let m = try TestSupport.parseFixture("mime-attachment-rfc2231", crlf: true)
        XCTAssertEqual(m.attachments.map(\.filename), ["€ Rechnung März.pdf"])
        XCTAssertEqual(m.attachments.first?.contentType, "application/octet-stream")
        XCTAssertEqual(m.attachments.first?.size, 45)
        XCTAssertEqual(m.text, "See attached.")
    }
}

@testable import BECCore
import XCTest

/// RFC 5322 §2.2 header sections: unfolding, raw bytes, duplicates, odd but common forms.
final class HeaderTests: XCTestCase {
    func testUnfoldingKeepsRawBytesBesideTheValue() throws {
        let m = try TestSupport.parseFixture("header-folded-subject", crlf: true)
        let subject = try XCTUnwrap(m.headers.first("subject"))
        XCTAssertEqual(subject.value, "Quarterly invoice for the\tnorthern region")
        XCTAssertEqual(m.subject, "Quarterly invoice for the\tnorthern region")
        XCTAssertEqual(subject.raw, Array(" Quarterly invoice\r\n for the\r\n\tnorthern region".utf8))
        XCTAssertEqual(m.headers.first("date")?.value, "Mon, 3 Mar 2025 10:00:00 +0000")
        XCTAssertEqual(m.messageID, "folded-1@example.com")
        XCTAssertEqual(m.text, "Body line.\n")
    }

    func testDecodedValueSitsBesideTheEncodedValue() throws {
        let m = try TestSupport.parseFixture("subject-encoded-mixed")
        let subject = try XCTUnwrap(m.headers.first("Subject"))
        XCTAssertTrue(subject.value.hasPrefix("=?UTF-8?B?VXJnZW50Og==?="))
        XCTAssertEqual(subject.decoded, "Urgent: wire transfer to ZürichКиев today")
        XCTAssertEqual(m.fromAddress?.displayName, "André Pirard")
    }

    func testTwoFromHeadersAreBothKept() throws {
        let m = try TestSupport.parseFixture("from-two-headers")
        XCTAssertEqual(m.headers.all("from").count, 2)
        XCTAssertEqual(m.from.map(\.address), ["alice@example.com", "mallory@evil.example"])
        XCTAssertTrue(m.hasDefect(.MULTIPLE_FROM_HEADERS))
        XCTAssertTrue(m.hasDefect(.FROM_MULTIPLE_ADDRESSES))
    }

    func testMissingFrom() throws {
        let m = try TestSupport.parseFixture("from-missing")
        XCTAssertTrue(m.from.isEmpty)
        XCTAssertNil(m.fromAddress)
        XCTAssertTrue(m.hasDefect(.MISSING_FROM))
        XCTAssertFalse(m.hasDefect(.FROM_EMPTY))
    }

    func testFromGroupIsVisible() throws {
        let m = try TestSupport.parseFixture("from-group")
        XCTAssertEqual(m.from.map(\.address), ["alice@example.com", "bob@example.com"])
        XCTAssertEqual(m.from.map(\.group), ["Finance Team", "Finance Team"])
        XCTAssertEqual(m.from.last?.displayName, "Bob B")
        XCTAssertTrue(m.hasDefect(.FROM_GROUP))
        XCTAssertTrue(m.hasDefect(.FROM_MULTIPLE_ADDRESSES))
    }

    func testFromEmptyGroupIsAGroupAndEmpty() throws {
        let m = try TestSupport.parseFixture("from-empty-group")
        XCTAssertTrue(m.from.isEmpty)
        XCTAssertTrue(m.hasDefect(.FROM_EMPTY))
        XCTAssertTrue(m.hasDefect(.FROM_GROUP))
        XCTAssertFalse(m.hasDefect(.MISSING_FROM))
    }

    func testFromNullAddressIsEmpty() throws {
        let m = try TestSupport.parseFixture("from-null-address")
        XCTAssertTrue(m.hasDefect(.FROM_EMPTY))
        XCTAssertTrue(m.from.allSatisfy { $0.localPart.isEmpty })
    }

    func testHeaderNamesAreCaseInsensitiveAndKeptAsWritten() throws {
        let m = try TestSupport.parseFixture("header-names-mixed-case")
        XCTAssertEqual(m.headers.fields.map(\.name), ["FROM", "tO", "sUbJeCt", "CONTENT-TYPE"])
        XCTAssertEqual(m.headers.first("Subject")?.value, "shouting names")
        XCTAssertEqual(m.headers.first("subject")?.key, "subject")
        XCTAssertTrue(m.headers.contains("content-type"))
        XCTAssertFalse(m.headers.contains("content"))
        XCTAssertEqual(m.fromAddress?.address, "alice@example.com")
        XCTAssertEqual(m.to.map(\.address), ["bob@example.org"])
        XCTAssertEqual(m.root.contentType.mimeType, "text/plain")
        XCTAssertEqual(m.root.contentType.charset, "UTF-8")
        XCTAssertEqual(m.text, "Body in mixed case headers.\n")
    }

    /// RFC 5322 §4.5 obs-optional: whitespace before the colon, even on the very first line
    /// (where "From :" must not be mistaken for an mbox "From " separator).
    func testObsoleteSpaceBeforeColon() throws {
        let m = try TestSupport.parseFixture("header-space-before-colon")
        XCTAssertEqual(m.headers.fields.map(\.name), ["From", "Subject", "To"])
        XCTAssertEqual(m.fromAddress?.address, "alice@example.com")
        XCTAssertEqual(m.subject, "obsolete whitespace")
        XCTAssertFalse(m.hasDefect(.MISSING_FROM))
    }

    func testMboxFromLineIsSkipped() throws {
        let m = try TestSupport.parseFixture("mbox-from-line")
        XCTAssertEqual(m.headers.fields.map(\.name), ["From", "To", "Subject"])
        XCTAssertEqual(m.fromAddress?.displayName, "Alice")
        XCTAssertFalse(m.hasDefect(.MULTIPLE_FROM_HEADERS))
        XCTAssertFalse(m.hasDefect(.HEADER_NO_COLON))
    }

    func testBodyWithoutBlankLine() throws {
        let m = try TestSupport.parseFixture("header-no-blank-line")
        XCTAssertEqual(m.headers.count, 2)
        XCTAssertTrue(m.hasDefect(.NO_HEADER_BODY_SEPARATOR))
        XCTAssertTrue(m.text.hasPrefix("This line is the body"))
    }

    func testMixedLineEnds() {
        let m = TestSupport.parse(Array("From: a@example.com\r\nSubject: one\n two\r\n\r\nbody\nline\r\n".utf8))
        XCTAssertEqual(m.subject, "one two")
        XCTAssertEqual(m.headers.first("subject")?.raw, Array(" one\n two".utf8))
        XCTAssertEqual(m.text, "body\nline\n")
    }

    func testFirstLineWithoutColon() {
        let m = TestSupport.parse("garbage first line\nFrom: a@example.com\n\nbody\n")
        XCTAssertTrue(m.hasDefect(.HEADER_NO_COLON))
        XCTAssertEqual(m.headers.count, 0)
        XCTAssertTrue(m.hasDefect(.MISSING_FROM))
    }

    func testEmptyHeaderName() {
        let m = TestSupport.parse(": nameless\nFrom: a@example.com\n\nbody\n")
        XCTAssertTrue(m.hasDefect(.HEADER_EMPTY_NAME))
        XCTAssertEqual(m.headers.fields.first?.value, "nameless")
        XCTAssertEqual(m.fromAddress?.address, "a@example.com")
    }

    func testNULInHeaderBecomesSpace() {
        let m = TestSupport.parse("From: a@example.com\nSubject: pay\0now\n\nbody\n")
        XCTAssertEqual(m.subject, "pay now")
        XCTAssertTrue(m.hasDefect(.HEADER_NUL))
    }

    func testInvalidUTF8HeaderFallsBackToWindows1252() {
        var bytes = Array("From: a@example.com\nSubject: Caf".utf8)
        bytes += [0xE9, 0x20, 0x93, 0x71, 0x94, 0x0A, 0x0A] + Array("body\n".utf8)
        let m = TestSupport.parse(bytes)
        XCTAssertEqual(m.subject, "Café “q”")
        XCTAssertTrue(m.hasDefect(.HEADER_INVALID_UTF8))
    }

    func testRawUTF8HeaderIsDecodedAndNoted() {
        let m = TestSupport.parse("From: a@example.com\nSubject: Café\n\nbody\n")
        XCTAssertEqual(m.subject, "Café")
        XCTAssertTrue(m.hasDefect(.HEADER_8BIT))
        XCTAssertFalse(m.hasDefect(.HEADER_INVALID_UTF8))
    }

    func testMessageIDLists() throws {
        let m = try TestSupport.parseFixture("addresses-all-fields")
        XCTAssertEqual(m.messageID, "all-fields@example.com")
        XCTAssertEqual(m.inReplyTo, ["parent@example.com"])
        XCTAssertEqual(m.references, ["root@example.com", "parent@example.com"])
    }

    func testEnvelopeIsCarriedThrough() {
        let env = Envelope(mailFrom: "", recipients: ["bob@example.org"], clientAddress: "192.0.2.7")
        let m = TestSupport.parse("From: a@example.com\n\nbody\n", envelope: env)
        XCTAssertEqual(m.envelope, env)
        XCTAssertEqual(m.size, "From: a@example.com\r\n\r\nbody\r\n".utf8.count)
    }
}

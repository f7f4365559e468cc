@testable import BECCore
import XCTest

/// Properties every fixture must have, whatever edge case it holds.
final class FixtureTests: XCTestCase {
    func testFixturesArePresent() throws {
        let names = try TestSupport.fixtureNames()
        XCTAssertGreaterThanOrEqual(names.count, 30)
        XCTAssertTrue(names.contains("mime-nested-alternative"))
    }

    /// LF and CRLF line ends are the same message to the detectors.
    func testLFAndCRLFGiveTheSameMessage() throws {
        for name in try TestSupport.fixtureNames() {
            let lf = MessageSummary(try TestSupport.parseFixture(name))
            let crlf = MessageSummary(try TestSupport.parseFixture(name, crlf: true))
            XCTAssertEqual(lf, crlf, name)
        }
    }

    /// Raw header bytes are kept exactly: each field's raw value, line end included, is in the input.
    func testRawHeaderBytesRoundTrip() throws {
        for name in try TestSupport.fixtureNames() {
            let raw = TestSupport.crlf(try TestSupport.fixture(name))
            let m = TestSupport.parse(raw)
            for field in m.headers.fields where !field.name.isEmpty {
                XCTAssertNotNil(find(field.raw + [0x0D, 0x0A], in: raw), "\(name): \(field.name)")
            }
            XCTAssertEqual(m.size, raw.count, name)
        }
    }

    /// A clean fixture set: the files named for a defect have it, the plain ones have none.
    func testDefectsOfEachFixture() throws {
        let expected: [String: Set<Defect.Code>] = [
            "header-folded-subject": [], "subject-encoded-mixed": [], "addresses-all-fields": [],
            "header-names-mixed-case": [], "header-space-before-colon": [], "mbox-from-line": [],
            "return-path-null": [], "from-idn-punycode": [.HEADER_8BIT], "from-smtputf8": [.HEADER_8BIT],
            "from-two-headers": [.MULTIPLE_FROM_HEADERS, .FROM_MULTIPLE_ADDRESSES],
            "from-missing": [.MISSING_FROM], "from-group": [.FROM_GROUP, .FROM_MULTIPLE_ADDRESSES],
            "from-empty-group": [.FROM_GROUP, .FROM_EMPTY], "from-null-address": [.FROM_EMPTY],
            "header-no-blank-line": [.NO_HEADER_BODY_SEPARATOR],
            "mime-nested-alternative": [], "mime-alternative-html-only": [], "mime-preamble-epilogue": [],
            "mime-rfc822-embedded": [], "mime-attachment-rfc2231": [], "auth-results-multiple": [], "body-koi8r": [],
            "mime-missing-close-boundary": [.MIME_MISSING_CLOSE_BOUNDARY],
            "mime-wrong-close-boundary": [.MIME_MISSING_CLOSE_BOUNDARY],
            "mime-no-boundary-param": [.MIME_NO_BOUNDARY], "mime-no-parts": [.MIME_NO_PARTS],
            "body-quoted-printable": [.QP_BAD_ESCAPE], "body-base64-junk": [.BASE64_JUNK, .BASE64_BAD_PADDING],
            "body-8bit-no-charset": [.UNDECLARED_8BIT], "body-html-hidden": [.HTML_HIDDEN_TEXT],
            "body-unknown-charset": [.UNKNOWN_CHARSET],
        ]
        let names = try TestSupport.fixtureNames()
        XCTAssertEqual(Set(expected.keys), Set(names), "every fixture needs a row")
        for name in names {
            let m = try TestSupport.parseFixture(name, crlf: true)
            XCTAssertEqual(TestSupport.codes(m), expected[name], name)
        }
    }

    func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        return (0...(hay.count - needle.count)).first { hay[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}

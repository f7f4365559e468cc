@testable import BECCore
import XCTest

/// RFC 2047 encoded words, table-driven: one row per charset or edge case.
final class EncodedWordTests: XCTestCase {
    struct Row {
        var input: String
        var expected: String
        var defects: Set<Defect.Code> = []
        var line: UInt = #line
    }

    func decode(_ s: String, maxWords: Int = 128) -> (String, [Defect]) {
        var defects: [Defect] = []
        let out = EncodedWords.decode(s, services: TestSupport.services, maxWords: maxWords, defects: &defects)
        return (out, defects)
    }

    func check(_ rows: [Row]) {
        for row in rows {
            let (out, defects) = decode(row.input)
            XCTAssertEqual(out, row.expected, row.input, line: row.line)
            XCTAssertEqual(Set(defects.map(\.code)), row.defects, row.input, line: row.line)
        }
    }

    func testCharsets() {
        check([
            Row(input: "=?UTF-8?B?Q2Fmw6k=?=", expected: "Café"),
            Row(input: "=?utf-8?Q?Caf=C3=A9?=", expected: "Café"),
            Row(input: "=?ISO-8859-1?Q?Caf=E9?=", expected: "Café"),
            Row(input: "=?iso-8859-2?B?o/NkvA==?=", expected: "Łódź"),
            Row(input: "=?iso-8859-5?Q?=BF=E0=D8=D2=D5=E2?=", expected: "Привет"),
            Row(input: "=?ISO-8859-7?B?yuHr5+zd8eE=?=", expected: "Καλημέρα"),
            Row(input: "=?ISO-8859-15?Q?=A4?=", expected: "€"),
            Row(input: "=?windows-1250?Q?=A3=F3=64=9F?=", expected: "Łódź"),
            Row(input: "=?windows-1251?B?z/Do4uXy?=", expected: "Привет"),
            Row(input: "=?windows-1252?Q?=93Hi=94?=", expected: "“Hi”"),
            Row(input: "=?windows-1253?B?xevr3OTh?=", expected: "Ελλάδα"),
            Row(input: "=?windows-1255?B?+ezl7Q==?=", expected: "שלום"),
            Row(input: "=?KOI8-R?B?68nF1w==?=", expected: "Киев"),
            Row(input: "=?gb2312?B?1tDOxA==?=", expected: "中文"),
            Row(input: "=?GBK?Q?=D2=F8=D0=D0=D5=CB=BB=A7?=", expected: "银行账户"),
            Row(input: "=?Shift_JIS?B?k/qWe4zq?=", expected: "日本語"),
        ])
    }

    func testFormsAndWhitespace() {
        check([
            Row(input: "=?utf-8?b?Q2Fmw6k=?=", expected: "Café"),
            Row(input: "=?utf-8?q?a_b=5Fc?=", expected: "a b_c"),
            Row(input: "=?utf-8?q?caf=c3=a9?=", expected: "café"),
            Row(input: "=?utf-8*en?q?hello?=", expected: "hello"),
            Row(input: "=?utf-8?q?a?= =?utf-8?q?b?=", expected: "ab"),
            Row(input: "=?utf-8?q?a?=\t  =?utf-8?q?b?=", expected: "ab"),
            Row(input: "=?utf-8?q?a?=\r\n =?utf-8?q?b?=", expected: "ab"),
            Row(input: "=?iso-8859-1?q?=E9?= =?utf-8?q?=C3=A9?=", expected: "éé"),
            Row(input: "=?utf-8?q?a?= b", expected: "a b"),
            Row(input: "x =?utf-8?q?a?=", expected: "x a"),
            Row(input: "=?utf-8?q?a?= and =?utf-8?q?b?=", expected: "a and b"),
            Row(input: "pre=?utf-8?q?a?=post", expected: "preapost"),
            Row(input: "=?utf-8?b?Q2Fmw6k?=", expected: "Café"),
            Row(input: "=?utf-8?q??=", expected: ""),
            Row(input: "plain text only", expected: "plain text only"),
        ])
    }

    /// A multi-byte character may be split across two words of one charset (RFC 2047 forbids
    /// it; mailers do it anyway): the bytes are joined before charset conversion.
    func testMultibyteCharacterSplitAcrossWords() {
        check([
            Row(input: "=?UTF-8?Q?Caf=C3?= =?UTF-8?Q?=A9?=", expected: "Café"),
            Row(input: "=?utf-8?b?5pc=?= =?utf-8?b?pQ==?=", expected: "日"),
            Row(input: "=?Shift_JIS?Q?=93?= =?shift_jis?Q?=FA?=", expected: "日"),
        ])
    }

    func testMalformedWordsAreLeftAsText() {
        check([
            Row(input: "=?utf-8?x?abc?=", expected: "=?utf-8?x?abc?=", defects: [.ENCODED_WORD_MALFORMED]),
            Row(input: "=?utf-8?q?abc", expected: "=?utf-8?q?abc", defects: [.ENCODED_WORD_MALFORMED]),
            Row(input: "=??q?abc?=", expected: "=??q?abc?=", defects: [.ENCODED_WORD_MALFORMED]),
            Row(input: "=?utf-8?q?a b?=", expected: "=?utf-8?q?a b?=", defects: [.ENCODED_WORD_MALFORMED]),
            Row(input: "=?utf-8?qq?abc?=", expected: "=?utf-8?qq?abc?=", defects: [.ENCODED_WORD_MALFORMED]),
            Row(input: "math: 1+1=?2", expected: "math: 1+1=?2", defects: []),
        ])
    }

    func testMalformedWordBesideAGoodOneIsNoted() {
        let (out, defects) = decode("=?utf-8?q?ok?= =?utf-8?z?bad?=")
        XCTAssertEqual(out, "ok =?utf-8?z?bad?=")
        XCTAssertTrue(defects.contains { $0.code == .ENCODED_WORD_MALFORMED })
    }

    func testUnknownCharsetIsBestEffortWithDefect() {
        check([
            Row(input: "=?x-klingon?Q?Caf=C3=A9?=", expected: "Café", defects: [.ENCODED_WORD_UNKNOWN_CHARSET]),
            Row(input: "=?x-klingon?B?Q2Fm6Q==?=", expected: "Café", defects: [.ENCODED_WORD_UNKNOWN_CHARSET]),
        ])
        let (_, defects) = decode("=?x-klingon?Q?a?=")
        XCTAssertEqual(defects.first?.detail, "x-klingon")
    }

    func testWordLimitLeavesTheRestAsText() {
        let (out, defects) = decode("=?utf-8?q?a?= =?utf-8?q?b?= =?utf-8?q?c?=", maxWords: 2)
        XCTAssertEqual(out, "ab =?utf-8?q?c?=")
        XCTAssertEqual(defects.map(\.code), [.ENCODED_WORD_LIMIT])
    }

    func testSubjectHeaderIsDecodedThroughTheParser() {
        let m = TestSupport.parse("From: a@example.com\nSubject: =?utf-8?q?Re:_Zahlung?=\n =?utf-8?b?w7xiZXJmw6RsbGln?=\n\nx\n")
        XCTAssertEqual(m.subject, "Re: Zahlungüberfällig")
        XCTAssertEqual(m.headers.first("subject")?.value, "=?utf-8?q?Re:_Zahlung?= =?utf-8?b?w7xiZXJmw6RsbGln?=")
    }
}

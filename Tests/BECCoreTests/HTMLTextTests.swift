@testable import BECCore
import XCTest

/// HTML to the text a reader sees, table-driven.
final class HTMLTextTests: XCTestCase {
    struct Row {
        var html: String
        var visible: String
        var hidden = ""
        var line: UInt = #line
    }

    func check(_ rows: [Row]) {
        for row in rows {
            let r = HTMLText.convert(row.html)
            XCTAssertEqual(r.visible, row.visible, row.html, line: row.line)
            XCTAssertEqual(r.hidden, row.hidden, row.html, line: row.line)
        }
    }

    func testTagsAndBlocks() {
        check([
            Row(html: "<p>Hello</p><p>World</p>", visible: "Hello\n\nWorld"),
            Row(html: "Hello<br>World", visible: "Hello\nWorld"),
            Row(html: "<b>bold</b> and <i>italic</i>", visible: "bold and italic"),
            Row(html: "<P CLASS=x>Upper</P>", visible: "Upper"),
            Row(html: "<a href=\"https://x.example/?a=1&b=2\" title='a>b'>link</a>", visible: "link"),
            Row(html: "one<!-- a comment with <p> tags -->two", visible: "onetwo"),
            Row(html: "one<!---->two", visible: "onetwo"),
            Row(html: "  lots   of\n\n\n\n  space  ", visible: "lots of\n\nspace"),
        ])
    }

    func testScriptStyleAndHeadAreDropped() {
        check([
            Row(html: "<head><title>T</title></head><body>B</body>", visible: "B"),
            Row(html: "<style>p{color:red}</style>text", visible: "text"),
            Row(html: "<SCRIPT>var x=1;</SCRIPT>text", visible: "text"),
            Row(html: "<script>if (a<b) { c() }</script>after", visible: "after"),
            Row(html: "<script>document.write('<p>x</p>')</script>after", visible: "after"),
            Row(html: "<style>a>b{}</style>after", visible: "after"),
        ])
    }

    /// A "<" that does not start a tag is text, as browsers show it.
    func testLessThanThatIsNotATag() {
        check([
            Row(html: "price < 5 and x > 3", visible: "price < 5 and x > 3"),
            Row(html: "a <3 b", visible: "a <3 b"),
        ])
    }

    func testEntities() {
        check([
            Row(html: "Pay &amp; confirm &lt;today&gt;", visible: "Pay & confirm <today>"),
            Row(html: "&#8364;100 &#x20AC;5 &#X20ac;", visible: "€100 €5 €"),
            Row(html: "caf&eacute; &Eacute; &copy; &quot;q&quot;", visible: "café É © \"q\""),
            Row(html: "a&nbsp;b", visible: "a b"),
            Row(html: "&amp;lt; stays one level", visible: "&lt; stays one level"),
            Row(html: "&unknown; &#0; &#xD800; &#99999999999;", visible: "&unknown; \u{FFFD} \u{FFFD} &#99999999999;"),
            Row(html: "AT&T &amp", visible: "AT&T &"),
        ])
    }

    func testHiddenTextIsKeptApart() {
        check([
            Row(html: "<div style=\"display: none\">secret</div>shown", visible: "shown", hidden: "secret"),
            Row(html: "<span style='visibility:hidden'>secret</span>shown", visible: "shown", hidden: "secret"),
            Row(html: "<p style=\"font-size:0px\">secret</p>shown", visible: "shown", hidden: "secret"),
            Row(html: "<p style=\"font-size:0.9em\">small</p>", visible: "small"),
            Row(html: "<div hidden>secret</div>shown", visible: "shown", hidden: "secret"),
            Row(html: "<div style=\"display:none\"><div>a</div>b</div>c", visible: "c", hidden: "a\nb"),
            Row(html: "<img hidden src=x>shown", visible: "shown"),
        ])
    }

    func testHTMLBodyInAMessage() throws {
        let m = try TestSupport.parseFixture("body-html-hidden", crlf: true)
        for absent in ["TITLE-TEXT", "color", "SCRIPT-TEXT", "HIDDEN-TEXT", "COMMENT-TEXT", "<p>"] {
            XCTAssertFalse(m.text.contains(absent), absent)
        }
        XCTAssertTrue(m.text.contains("Pay & confirm <today> €100 €5 café"), m.text)
        XCTAssertTrue(m.text.contains("Visible tail"), m.text)
        XCTAssertEqual(m.hiddenText, "HIDDEN-TEXT")
        XCTAssertEqual(m.defects, [Defect(.HTML_HIDDEN_TEXT, "")])
    }

    func testConversionReadsAtMostTheLimit() {
        let r = HTMLText.convert("<p>" + String(repeating: "x", count: 100) + "</p>", limit: 13)
        XCTAssertEqual(r.visible, "xxxxxxxxxx")
    }
}

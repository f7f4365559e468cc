@testable import BECCore
import XCTest

/// RFC 5322 §3.4 mailboxes and address lists, table-driven.
final class AddressTests: XCTestCase {
    /// One expected mailbox: display name, local part, Unicode domain, ASCII domain, group.
    struct Box: Equatable, CustomStringConvertible {
        var display: String
        var local: String
        var domain: String
        var ascii: String? = nil
        var group: String? = nil

        init(_ display: String, _ local: String, _ domain: String, ascii: String? = nil, group: String? = nil) {
            self.display = display
            self.local = local
            self.domain = domain
            self.ascii = ascii ?? domain
            self.group = group
        }

        init(_ a: MailAddress) {
            self.init(a.displayName, a.localPart, a.domain, ascii: a.asciiDomain, group: a.group)
        }

        var description: String { "\(display)|\(local)@\(domain)|\(ascii ?? "")|\(group ?? "-")" }
    }

    struct Row {
        var input: String
        var expected: [Box]
        var defects: Set<Defect.Code> = []
        var line: UInt = #line
    }

    func parse(_ s: String, maxAddresses: Int = 1000) -> ([MailAddress], [Defect]) {
        var defects: [Defect] = []
        let parser = AddressParser(services: TestSupport.services, maxAddresses: maxAddresses)
        let list = parser.parseList(s, defects: &defects)
        return (list, defects)
    }

    func check(_ rows: [Row]) {
        for row in rows {
            let (list, defects) = parse(row.input)
            XCTAssertEqual(list.map(Box.init), row.expected, row.input, line: row.line)
            XCTAssertEqual(Set(defects.map(\.code)), row.defects, row.input, line: row.line)
        }
    }

    func testDisplayNames() {
        check([
            Row(input: "\"Smith, John\" <john@example.com>", expected: [Box("Smith, John", "john", "example.com")]),
            Row(input: "\"John \\\"JJ\\\" Smith\" <j@example.com>", expected: [Box("John \"JJ\" Smith", "j", "example.com")]),
            // A comment beside the phrase is shown by mail clients, so it stays in the display name.
            Row(input: "John Smith (CEO) <j@example.com>", expected: [Box("John Smith (CEO)", "j", "example.com")]),
            Row(input: "j@example.com (John Smith)", expected: [Box("John Smith", "j", "example.com")]),
            Row(input: "j@example.com (John (the boss) Smith)", expected: [Box("John (the boss) Smith", "j", "example.com")]),
            Row(input: "John Q. Public <jqp@example.com>", expected: [Box("John Q. Public", "jqp", "example.com")]),
            Row(input: "Okafor, Margaret <m@example.com>", expected: [Box("Okafor, Margaret", "m", "example.com")]),
            Row(input: "=?utf-8?q?J=C3=B6rg?= Brandt <j@example.de>", expected: [Box("Jörg Brandt", "j", "example.de")]),
            Row(input: "=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_Brandt?= <j@example.de>", expected: [Box("Jörg Brandt", "j", "example.de")]),
            Row(input: "\"=?utf-8?q?J=C3=B6rg?=\" <j@example.de>", expected: [Box("Jörg", "j", "example.de")],
                defects: [.ENCODED_WORD_IN_QUOTED_STRING]),
            Row(input: "\"ceo@example.com\" <x@evil.example>", expected: [Box("ceo@example.com", "x", "evil.example")]),
            Row(input: "ceo@example.com <x@evil.example>", expected: [Box("ceo@example.com", "x", "evil.example")]),
            Row(input: "=?utf-8?q?ceo=40example.com_=3Cceo=40example.com=3E?= <x@evil.example>",
                expected: [Box("ceo@example.com <ceo@example.com>", "x", "evil.example")]),
            Row(input: "\"Bob\" <bob@example.com> (Accounts)", expected: [Box("Bob", "bob", "example.com")]),
            Row(input: "<j@example.com>", expected: [Box("", "j", "example.com")]),
            Row(input: "\"\" <j@example.com>", expected: [Box("", "j", "example.com")]),
        ])
    }

    func testAddrSpecs() {
        check([
            Row(input: "j@example.com", expected: [Box("", "j", "example.com")]),
            Row(input: "John.Smith@Example.COM", expected: [Box("", "John.Smith", "example.com")]),
            Row(input: "\"john smith\"@example.com", expected: [Box("", "john smith", "example.com")]),
            Row(input: "\"ceo@example.com\"@evil.example", expected: [Box("", "ceo@example.com", "evil.example")]),
            Row(input: "j@example.com.", expected: [Box("", "j", "example.com")]),
            Row(input: "j@[192.0.2.1]", expected: [Box("", "j", "[192.0.2.1]")]),
            Row(input: "<@relay.example,@other.example:j@example.com>", expected: [Box("", "j", "example.com")]),
            Row(input: "j @ example . com", expected: [Box("", "j", "example.com")]),
            Row(input: "john", expected: [Box("john", "", "")], defects: [.ADDRESS_UNPARSABLE]),
            Row(input: "<john>", expected: [Box("", "john", "")], defects: [.ADDRESS_NO_DOMAIN]),
            Row(input: "", expected: []),
        ])
    }

    func testGroupsAndLists() {
        check([
            Row(input: "a@example.com, B <b@example.com>,c@example.com", expected: [
                Box("", "a", "example.com"), Box("B", "b", "example.com"), Box("", "c", "example.com"),
            ]),
            Row(input: "Team: a@example.com, \"B\" <b@example.com>;, c@example.com", expected: [
                Box("", "a", "example.com", group: "Team"), Box("B", "b", "example.com", group: "Team"),
                Box("", "c", "example.com"),
            ]),
            Row(input: "undisclosed-recipients:;", expected: []),
            Row(input: "a@example.com,, ,b@example.com", expected: [Box("", "a", "example.com"), Box("", "b", "example.com")]),
        ])
    }

    /// IDN domains are converted both ways through ICU (UTS #46).
    func testInternationalizedDomains() {
        check([
            Row(input: "orders@xn--bcher-kva.example", expected: [Box("", "orders", "bücher.example", ascii: "xn--bcher-kva.example")]),
            Row(input: "orders@Bücher.Example", expected: [Box("", "orders", "bücher.example", ascii: "xn--bcher-kva.example")]),
            Row(input: "pay@xn--pypal-4ve.com", expected: [Box("", "pay", "p\u{430}ypal.com", ascii: "xn--pypal-4ve.com")]),
            Row(input: "x@xn--a.example", expected: [Box("", "x", "xn--a.example")], defects: [.IDN_INVALID]),
        ])
    }

    /// RFC 6531/6532: UTF-8 local parts are kept as written.
    func testSMTPUTF8LocalParts() {
        check([
            Row(input: "Δοκιμή <δοκιμή@παράδειγμα.δοκιμή>", expected: [
                Box("Δοκιμή", "δοκιμή", "παράδειγμα.δοκιμή", ascii: "xn--hxajbheg2az3al.xn--jxalpdlp"),
            ]),
            Row(input: "用户@例え.テスト", expected: [Box("", "用户", "例え.テスト", ascii: "xn--r8jz45g.xn--zckzah")]),
        ])
    }

    func testAddressCountLimit() {
        let value = (0..<10).map { "u\($0)@example.com" }.joined(separator: ", ")
        let (list, defects) = parse(value, maxAddresses: 3)
        XCTAssertEqual(list.map(\.localPart), ["u0", "u1", "u2"])
        XCTAssertEqual(defects.filter { $0.code == .ADDRESS_COUNT_LIMIT }.count, 1)
    }

    func testMailAddressForms() {
        let a = MailAddress(displayName: "Bob", localPart: "Bob.X", domain: "Bücher.Example", asciiDomain: "xn--bcher-kva.example")
        XCTAssertEqual(a.address, "Bob.X@xn--bcher-kva.example")
        XCTAssertEqual(a.normalized, "bob.x@xn--bcher-kva.example")
        XCTAssertEqual(a.domain, "bücher.example")
        XCTAssertEqual(a.description, "\"Bob\" <Bob.X@xn--bcher-kva.example>")
    }

    func testAllAddressHeadersOfAMessage() throws {
        let m = try TestSupport.parseFixture("addresses-all-fields", crlf: true)
        XCTAssertEqual(m.fromAddress.map(Box.init), Box("Okafor, Margaret (CFO)", "margaret.okafor", "example.com"))
        XCTAssertEqual(m.sender.map(Box.init), Box("Mailer Daemon", "mailer", "mailer.example.net"))
        XCTAssertEqual(m.replyTo.map(Box.init), [Box("Margaret", "m.okafor", "freemail.example")])
        XCTAssertEqual(m.to.map(Box.init), [Box("Bob", "bob", "example.org"), Box("", "carol", "example.org")])
        XCTAssertEqual(m.cc.map(Box.init), [
            Box("", "dave", "example.org", group: "Accounts"), Box("", "erin", "example.org", group: "Accounts"),
            Box("Frank F", "frank", "example.org"),
        ])
        XCTAssertEqual(m.returnPath?.address, "bounce+123@mailer.example.net")
        XCTAssertFalse(m.hasDefect(.FROM_GROUP))
    }

    func testNullReturnPath() throws {
        let m = try TestSupport.parseFixture("return-path-null")
        let rp = try XCTUnwrap(m.returnPath)
        XCTAssertEqual(rp.localPart, "")
        XCTAssertEqual(rp.address, "")
        XCTAssertEqual(m.fromAddress?.address, "postmaster@example.com")
    }

    func testIDNAndSMTPUTF8Messages() throws {
        let idn = try TestSupport.parseFixture("from-idn-punycode")
        XCTAssertEqual(idn.fromAddress?.domain, "bücher.example")
        XCTAssertEqual(idn.fromAddress?.asciiDomain, "xn--bcher-kva.example")
        XCTAssertEqual(idn.replyTo.first?.asciiDomain, "xn--bcher-kva.example")
        let utf8 = try TestSupport.parseFixture("from-smtputf8")
        XCTAssertEqual(utf8.fromAddress?.localPart, "δοκιμή")
        XCTAssertEqual(utf8.fromAddress?.displayName, "Δοκιμή")
        XCTAssertFalse(utf8.hasDefect(.HEADER_INVALID_UTF8))
    }
}

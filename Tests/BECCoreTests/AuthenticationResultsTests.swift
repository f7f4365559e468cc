@testable import BECCore
import XCTest

/// RFC 8601 Authentication-Results, table-driven.
final class AuthenticationResultsTests: XCTestCase {
    struct Row {
        var value: String
        var authservID: String?
        var results: [AuthResult]
        var defects: Set<Defect.Code> = []
        var line: UInt = #line
    }

    func r(_ method: String, _ result: String, _ props: [String: String] = [:]) -> AuthResult {
        AuthResult(method: method, result: result, properties: props)
    }

    func testTable() {
        let rows = [
            Row(value: "mx.example.com; spf=pass smtp.mailfrom=example.com", authservID: "mx.example.com",
                results: [r("spf", "pass", ["smtp.mailfrom": "example.com"])]),
            Row(value: "MX.Example.COM 1; dkim=pass header.d=example.com header.s=sel1; dmarc=fail header.from=example.com",
                authservID: "mx.example.com",
                results: [r("dkim", "pass", ["header.d": "example.com", "header.s": "sel1"]),
                          r("dmarc", "fail", ["header.from": "example.com"])]),
            Row(value: "mx.example.com; spf=pass (sender IP is 192.0.2.1; good) smtp.mailfrom=a@example.com",
                authservID: "mx.example.com", results: [r("spf", "pass", ["smtp.mailfrom": "a@example.com"])]),
            Row(value: "mx.example.com (a comment; with (nested) parens); dkim=none",
                authservID: "mx.example.com", results: [r("dkim", "none")]),
            Row(value: "mx.example.com; none", authservID: "mx.example.com", results: []),
            Row(value: "mx.example.com; dkim/1=pass header.i=\"@example.com\"", authservID: "mx.example.com",
                results: [r("dkim", "pass", ["header.i": "@example.com"])]),
            Row(value: "mx.example.com; dmarc=fail reason=\"policy; quarantine now\" header.from=evil.example",
                authservID: "mx.example.com",
                results: [r("dmarc", "fail", ["reason": "policy; quarantine now", "header.from": "evil.example"])]),
            Row(value: "mx.example.com; spf = pass smtp.mailfrom = example.com", authservID: "mx.example.com",
                results: [r("spf", "pass", ["smtp.mailfrom": "example.com"])]),
            Row(value: "mx.example.com;\r\n\tarc=pass; bimi=skipped", authservID: "mx.example.com",
                results: [r("arc", "pass"), r("bimi", "skipped")]),
            Row(value: "mx.example.com; garbage; spf=pass", authservID: "mx.example.com",
                results: [r("spf", "pass")], defects: [.AUTH_RESULTS_MALFORMED]),
            Row(value: "mx.example.com", authservID: "mx.example.com", results: [], defects: [.AUTH_RESULTS_MALFORMED]),
            Row(value: "; spf=pass", authservID: nil, results: [], defects: [.AUTH_RESULTS_MALFORMED]),
            Row(value: "spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=none (message not signed)",
                authservID: "", results: [r("spf", "pass", ["smtp.mailfrom": "example.com"]), r("dkim", "none")],
                defects: [.AUTH_RESULTS_MALFORMED]),
            Row(value: "", authservID: nil, results: [], defects: [.AUTH_RESULTS_MALFORMED]),
            Row(value: "(only a comment)", authservID: nil, results: [], defects: [.AUTH_RESULTS_MALFORMED]),
        ]
        for row in rows {
            var defects: [Defect] = []
            let ar = AuthenticationResultsParser.parse(row.value, index: 3, defects: &defects)
            XCTAssertEqual(ar?.authservID, row.authservID, row.value, line: row.line)
            XCTAssertEqual(ar?.results ?? [], row.results, row.value, line: row.line)
            XCTAssertEqual(Set(defects.map(\.code)), row.defects, row.value, line: row.line)
            if let ar { XCTAssertEqual(ar.headerIndex, 3, line: row.line) }
        }
    }

    func testHeadersOfAMessage() throws {
        let m = try TestSupport.parseFixture("auth-results-multiple", crlf: true)
        XCTAssertEqual(m.authenticationResults.map(\.authservID), ["mx.example.com", "forged.example.net"])
        XCTAssertEqual(m.authenticationResults.map(\.headerIndex), [0, 1])
        let own = try XCTUnwrap(m.authenticationResults.first)
        XCTAssertEqual(own.results.map(\.method), ["spf", "dkim", "dmarc"])
        XCTAssertEqual(own.results(for: "spf").first?.properties["smtp.mailfrom"], "alice@example.com")
        XCTAssertEqual(own.results(for: "dkim").first?.properties["header.d"], "example.com")
        XCTAssertEqual(own.results(for: "dmarc").first?.properties["action"], "none")
        XCTAssertEqual(m.authenticationResults.last?.results(for: "dkim").first?.properties["header.d"], "evil.example")
        XCTAssertEqual(m.defects, [])
    }
}

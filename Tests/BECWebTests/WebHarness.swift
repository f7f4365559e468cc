import BECCore
import BECICU
import BECQuarantine
@testable import BECWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

/// An app over an in-memory store with an admin and an analyst, plus helpers to log in and post forms.
struct WebHarness {
    static let services: ICUServices = {
        do { return try ICUServices() } catch { fatalError("ICU unavailable: \(error)") }
    }()

    let store = MemoryQuarantineStore()
    let releaser = RecordingReleaser()
    let app: WebApp<MemoryQuarantineStore>

    init(secureCookies: Bool = true) async throws {
        var settings = WebSettings()
        settings.secureCookies = secureCookies
        settings.retention = nil
        app = WebApp(store: store, releaser: releaser, settings: settings, services: Self.services)
        try await store.addUser(.hashing(name: "ada", role: .admin, password: "admin password 1", cost: 4), replace: false)
        try await store.addUser(.hashing(name: "ana", role: .analyst, password: "analyst password 1", cost: 4), replace: false)
    }

    func test(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: app.router()).test(.router, body)
    }

    /// Stores a message given as text (LF line ends become CRLF) with a verdict and returns its id.
    @discardableResult
    func put(_ text: String, id: String = UUID().uuidString.lowercased(), findings: [Finding] = [], score: Double = 12,
             envelope: Envelope = Envelope(mailFrom: "m.okafor.office@gmail.com", recipients: ["ap@calloway-freight.example"], queueID: "4FA0B12C3D")) async throws -> String {
        let raw = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        let m = MessageParser(services: Self.services).parse(raw, envelope: envelope)
        let v = Verdict(action: .quarantine, score: score, findings: findings, thresholds: Thresholds(tag: 5, quarantine: 9, reject: 15))
        var r = QuarantineRecord(message: m, verdict: v, raw: raw, receivedAt: Date(timeIntervalSince1970: 1_780_000_000))
        r.id = id
        try await store.put(r)
        return id
    }
}

/// A logged-in (or anonymous) browser: its cookie and the CSRF token of its session.
struct Browser {
    var cookie: String?
    var csrf: String?

    var headers: HTTPFields {
        var h: HTTPFields = [:]
        if let cookie { h[.cookie] = cookie }
        return h
    }

    /// GETs /login for an anonymous session, then posts the credentials.
    static func login(_ client: any TestClientProtocol, _ name: String, _ password: String) async throws -> Browser {
        var b = Browser()
        let page = try await client.execute(uri: "/login", method: .get)
        b.cookie = sessionCookie(page)
        b.csrf = csrf(in: page)
        let res = try await b.post(client, "/login", ["name": name, "password": password])
        XCTAssertEqual(res.status, .seeOther, "login of \(name)")
        let fresh = sessionCookie(res)
        XCTAssertNotNil(fresh)
        XCTAssertNotEqual(fresh, b.cookie, "a new session id after login")
        b.cookie = fresh
        let list = try await client.execute(uri: "/messages", method: .get, headers: b.headers)
        b.csrf = csrf(in: list)
        return b
    }

    func get(_ client: any TestClientProtocol, _ uri: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: headers)
    }

    /// POSTs a form; `csrf` is added unless the form sets it (or `withToken` is false).
    func post(_ client: any TestClientProtocol, _ uri: String, _ form: [String: String] = [:], withToken: Bool = true,
              extra: HTTPFields = [:]) async throws -> TestResponse {
        var f = form
        if withToken, f["csrf"] == nil, let csrf { f["csrf"] = csrf }
        var h = headers
        h[.contentType] = "application/x-www-form-urlencoded"
        for field in extra { h.append(field) }
        let body = f.map { FormData.encode($0.key) + "=" + FormData.encode($0.value) }.joined(separator: "&")
        return try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body))
    }

    static func sessionCookie(_ r: TestResponse) -> String? {
        r.headers[values: .setCookie].first { $0.contains("bec_session=") }.flatMap { $0.split(separator: ";").first.map(String.init) }
    }

    static func csrf(in r: TestResponse) -> String? {
        let html = String(buffer: r.body)
        guard let range = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
}

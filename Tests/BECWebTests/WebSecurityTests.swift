import BECCore
import BECQuarantine
@testable import BECWeb
import Foundation
import Hummingbird
import HummingbirdTesting
import XCTest

final class WebSecurityTests: XCTestCase {
    static let plainBEC = """
        From: "Margaret Okafor" <m.okafor.office@gmail.com>
        To: ap@calloway-freight.example
        Subject: Quick favour
        Message-ID: <abc@gmail.com>

        Are you at your desk? I need gift cards today.

        """

    /// Every route, unauthenticated: pages redirect to the login, everything else is 401.
    func testEveryRouteNeedsASession() async throws {
        let h = try await WebHarness()
        let id = try await h.put(Self.plainBEC, id: "rec-1")
        try await h.test { client in
            for uri in ["/", "/messages", "/messages?status=held", "/messages/\(id)", "/users", "/nonexistent"] {
                let r = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(r.status, .found, uri)
                XCTAssertEqual(r.headers[.location], "/login", uri)
            }
            let raw = try await client.execute(uri: "/messages/\(id)/raw", method: .get)
            XCTAssertEqual(raw.status, .unauthorized, "downloads are not pages")
            for uri in ["/messages/\(id)/release", "/messages/\(id)/delete", "/messages/\(id)/false-positive", "/messages/\(id)/confirm-bec",
                        "/messages/\(id)/unmark", "/users", "/users/ana/delete", "/logout"] {
                let r = try await Browser().post(client, uri, ["csrf": "x"])
                XCTAssertEqual(r.status, .unauthorized, uri)
            }
            let put = try await client.execute(uri: "/messages/\(id)", method: .put)
            XCTAssertEqual(put.status, .unauthorized)
            let health = try await client.execute(uri: "/health", method: .get)
            XCTAssertEqual(health.status, .ok)
            let login = try await client.execute(uri: "/login", method: .get)
            XCTAssertEqual(login.status, .ok)
        }
        let status = try await h.store.get(id)?.status
        XCTAssertEqual(status, .held, "nothing changed")
        let released = await h.releaser.released
        XCTAssertEqual(released, [])
    }

    func testLoginAndLogout() async throws {
        let h = try await WebHarness()
        try await h.put(Self.plainBEC, id: "rec-1")
        try await h.test { client in
            // Wrong password, unknown user, and a login POST without the login form's token.
            var anon = Browser()
            let page = try await client.execute(uri: "/login", method: .get)
            anon.cookie = Browser.sessionCookie(page)
            anon.csrf = Browser.csrf(in: page)
            let wrong = try await anon.post(client, "/login", ["name": "ana", "password": "nope nope nope"])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertTrue(wrong.text.contains("Wrong name or password"))
            let unknown = try await anon.post(client, "/login", ["name": "nobody", "password": "whatever 123"])
            XCTAssertEqual(unknown.status, .unauthorized)
            let noToken = try await anon.post(client, "/login", ["name": "ana", "password": "analyst password 1"], withToken: false)
            XCTAssertEqual(noToken.status, .forbidden, "login CSRF")
            let noCookie = try await Browser(cookie: nil, csrf: anon.csrf).post(client, "/login", ["name": "ana", "password": "analyst password 1"])
            XCTAssertEqual(noCookie.status, .forbidden)

            let b = try await Browser.login(client, "ana", "analyst password 1")
            let list = try await b.get(client, "/messages")
            XCTAssertEqual(list.status, .ok)
            XCTAssertTrue(list.text.contains("Quick favour"))
            let out = try await b.post(client, "/logout")
            XCTAssertEqual(out.status, .seeOther)
            let after = try await b.get(client, "/messages")
            XCTAssertEqual(after.status, .found, "the session is gone after logout")
        }
    }

    func testLoginThrottling() async throws {
        let h = try await WebHarness()
        try await h.test { client in
            var anon = Browser()
            let page = try await client.execute(uri: "/login", method: .get)
            anon.cookie = Browser.sessionCookie(page)
            anon.csrf = Browser.csrf(in: page)
            for _ in 0..<5 { _ = try await anon.post(client, "/login", ["name": "ana", "password": "wrong password"]) }
            let locked = try await anon.post(client, "/login", ["name": "ana", "password": "analyst password 1"])
            XCTAssertEqual(locked.status, .tooManyRequests)
        }
    }

    /// A state-changing request without (or with a wrong, or a cross-origin) token is refused.
    func testCSRF() async throws {
        let h = try await WebHarness()
        let id = try await h.put(Self.plainBEC, id: "rec-1")
        try await h.test { client in
            let b = try await Browser.login(client, "ana", "analyst password 1")
            let none = try await b.post(client, "/messages/\(id)/release", withToken: false)
            XCTAssertEqual(none.status, .forbidden)
            let wrong = try await b.post(client, "/messages/\(id)/release", ["csrf": String(repeating: "A", count: 43)])
            XCTAssertEqual(wrong.status, .forbidden)
            let other = try await Browser.login(client, "ada", "admin password 1")
            let foreign = try await b.post(client, "/messages/\(id)/release", ["csrf": other.csrf ?? ""])
            XCTAssertEqual(foreign.status, .forbidden, "a token of another session does not work")
            let cross = try await b.post(client, "/messages/\(id)/release", extra: [.origin: "https://evil.example"])
            XCTAssertEqual(cross.status, .forbidden, "cross-origin post")
            let opaque = try await b.post(client, "/messages/\(id)/release", extra: [.origin: "null"])
            XCTAssertEqual(opaque.status, .forbidden, "an opaque origin (sandboxed frame) is refused")
            let held = try await h.store.get(id)?.status
            XCTAssertEqual(held, .held)
            let ok = try await b.post(client, "/messages/\(id)/release")
            XCTAssertEqual(ok.status, .seeOther)
            XCTAssertEqual(ok.headers[.location], "/messages/\(id)?done=released")
        }
        let status = try await h.store.get(id)?.status
        XCTAssertEqual(status, .released)
        let released = await h.releaser.released
        XCTAssertEqual(released, [id])
        let trail = try await h.store.audit(id)
        XCTAssertEqual(trail.map(\.action), ["quarantine", "release", "release_done"])
        XCTAssertEqual(trail[1].actor, "ana")
    }

    func testAnalystCannotReachAdminRoutes() async throws {
        let h = try await WebHarness()
        try await h.test { client in
            let ana = try await Browser.login(client, "ana", "analyst password 1")
            let page = try await ana.get(client, "/users")
            XCTAssertEqual(page.status, .forbidden)
            let add = try await ana.post(client, "/users", ["name": "eve", "role": "admin", "password": "eve password 12"])
            XCTAssertEqual(add.status, .forbidden)
            let del = try await ana.post(client, "/users/ada/delete")
            XCTAssertEqual(del.status, .forbidden)
            let list = try await ana.get(client, "/messages")
            XCTAssertFalse(list.text.contains("href=\"/users\""), "no admin link for analysts")

            let ada = try await Browser.login(client, "ada", "admin password 1")
            let users = try await ada.get(client, "/users")
            XCTAssertEqual(users.status, .ok)
            let added = try await ada.post(client, "/users", ["name": "eve", "role": "analyst", "password": "eve password 12"])
            XCTAssertEqual(added.status, .seeOther)
            let short = try await ada.post(client, "/users", ["name": "bob", "role": "analyst", "password": "short"])
            XCTAssertEqual(short.status, .badRequest)
            let removed = try await ada.post(client, "/users/ana/delete")
            XCTAssertEqual(removed.status, .seeOther)
            let kicked = try await ana.get(client, "/messages")
            XCTAssertEqual(kicked.status, .found, "a removed user's sessions end")
        }
        let names = try await h.store.users().map(\.name)
        XCTAssertEqual(names, ["ada", "eve"])
    }

    /// CSP and the other headers on every kind of response; the cookie's attributes.
    func testSecurityHeadersEverywhere() async throws {
        let h = try await WebHarness()
        let id = try await h.put(Self.plainBEC, id: "rec-1")
        try await h.test { client in
            let anonymous = [try await client.execute(uri: "/login", method: .get),
                             try await client.execute(uri: "/messages", method: .get),
                             try await client.execute(uri: "/messages/\(id)/raw", method: .get),
                             try await client.execute(uri: "/health", method: .get)]
            let ada = try await Browser.login(client, "ada", "admin password 1")
            let pages = [try await ada.get(client, "/messages"), try await ada.get(client, "/messages/\(id)"), try await ada.get(client, "/users"),
                         try await ada.get(client, "/messages/nope"), try await ada.get(client, "/nope"),
                         try await ada.post(client, "/messages/\(id)/release", withToken: false)]
            for r in anonymous + pages {
                let csp = r.headers[.contentSecurityPolicy] ?? ""
                XCTAssertTrue(csp.contains("default-src 'none'"), "\(r.status): \(csp)")
                XCTAssertFalse(csp.contains("unsafe"), csp)
                XCTAssertFalse(csp.contains("script-src"), "no script is ever allowed")
                XCTAssertEqual(r.headers[FieldName("X-Content-Type-Options")!], "nosniff")
                XCTAssertEqual(r.headers[FieldName("X-Frame-Options")!], "DENY")
                XCTAssertEqual(r.headers[FieldName("Referrer-Policy")!], "same-origin")
                XCTAssertEqual(r.headers[.cacheControl], "no-store")
                if r.headers[.contentType]?.hasPrefix("text/html") == true {
                    XCTAssertTrue(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'") && csp.contains("style-src 'nonce-"), csp)
                    let nonce = csp.components(separatedBy: "'nonce-")[1].prefix { $0 != "'" }
                    XCTAssertTrue(r.text.contains("<style nonce=\"\(nonce)\">"), "the stylesheet carries this response's nonce")
                }
            }
            let nonces = Set(pages.compactMap { $0.headers[.contentSecurityPolicy] })
            XCTAssertEqual(nonces.count, pages.count, "a fresh nonce per response")
            let raw = try await ada.get(client, "/messages/\(id)/raw")
            XCTAssertEqual(raw.headers[.contentSecurityPolicy], "default-src 'none'; sandbox")
            XCTAssertEqual(raw.headers[.contentType], "application/octet-stream")
            XCTAssertTrue(raw.headers[.contentDisposition]?.hasPrefix("attachment;") == true)

            let login = try await client.execute(uri: "/login", method: .get)
            let setCookie = login.headers[values: .setCookie].joined()
            XCTAssertTrue(setCookie.hasPrefix("__Host-bec_session="), setCookie)
            for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] { XCTAssertTrue(setCookie.contains(attr), "\(attr) in \(setCookie)") }
        }
    }

    func testInsecureCookiesForLoopbackHTTP() async throws {
        let h = try await WebHarness(secureCookies: false)
        try await h.test { client in
            let setCookie = try await client.execute(uri: "/login", method: .get).headers[values: .setCookie].joined()
            XCTAssertTrue(setCookie.hasPrefix("bec_session="), setCookie)
            XCTAssertFalse(setCookie.contains("Secure"))
            XCTAssertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        }
    }
}

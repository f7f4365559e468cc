import BECQuarantine
import Foundation
import Hummingbird

/// Outermost: a CSP nonce per response, security headers on every response (errors and redirects
/// included), and errors turned into plain escaped pages that never echo internals.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = WebContext

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var ctx = context
        ctx.nonce = SessionStore.token()
        var response: Response
        do {
            response = try await next(request, ctx)
        } catch let e as HTTPError {
            response = Layout.errorPage(e.status, e.body ?? e.status.reasonPhrase, ctx)
        } catch let e as QuarantineError {
            response = Layout.errorPage(Self.status(e.code), e.message, ctx)
        } catch {
            context.logger.error("web.error", metadata: ["web.path": "\(request.uri.path)", "error": "\(error)"])
            response = Layout.errorPage(.internalServerError, "Internal error; see the server log.", ctx)
        }
        Self.apply(&response.headers, nonce: ctx.nonce)
        return response
    }

    static func status(_ code: QuarantineError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .conflict, .duplicate: .conflict
        case .invalid: .badRequest
        case .timeout, .unavailable, .schemaTooNew: .serviceUnavailable
        case .releaseFailed: .badGateway
        }
    }

    /// The page CSP: nothing may load or run except our own nonce'd stylesheet and same-origin or
    /// data: images; forms post only to us; no framing of the UI; no plugins, no base-URI tricks.
    static func csp(nonce: String) -> String {
        "default-src 'none'; style-src 'nonce-\(nonce)'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    static func apply(_ h: inout HTTPFields, nonce: String) {
        // A handler may set a stricter policy (the raw download's sandbox); never a looser one.
        if h[.contentSecurityPolicy] == nil { h[.contentSecurityPolicy] = csp(nonce: nonce) }
        h[FieldName("X-Content-Type-Options")!] = "nosniff"
        h[FieldName("X-Frame-Options")!] = "DENY"
        // same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on our own form posts.
        h[FieldName("Referrer-Policy")!] = "same-origin"
        h[FieldName("Cross-Origin-Opener-Policy")!] = "same-origin"
        h[.crossOriginResourcePolicy] = "same-origin"
        h[FieldName("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=(), payment=()"
        // Pages show mail: never keep them in caches.
        h[.cacheControl] = "no-store"
    }
}

/// Finds the session, enforces login on every route but `/login` and `/health` (pages redirect to
/// the login, everything else gets 401), admin-only routes, and the CSRF token on every POST.
struct SessionMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let sessions: SessionStore
    let cookie: CookieSettings
    /// Largest form body accepted.
    static let maxForm = 64 * 1024

    static let publicPaths: Set<String> = ["/login", "/health"]

    func handle(_ request: Request, context: WebContext, next: (Request, WebContext) async throws -> Response) async throws -> Response {
        var ctx = context
        var request = request
        if let id = request.cookies[cookie.name]?.value { ctx.session = await sessions.session(id) }
        let path = request.uri.path
        let isPublic = Self.publicPaths.contains(path)
        if !isPublic && ctx.session?.isAuthenticated != true {
            // Why: a page request is a person who should see the login; anything else is an API-style call.
            if request.method == .get || request.method == .head, !path.hasSuffix("/raw") { return Response.redirect(to: "/login", type: .found) }
            return Layout.errorPage(.unauthorized, "Log in first.", ctx)
        }
        if path == "/users" || path.hasPrefix("/users/"), ctx.session?.role != .admin {
            return Layout.errorPage(.forbidden, "Only admins manage users.", ctx)
        }
        if request.method != .get && request.method != .head {
            guard request.method == .post else { return Layout.errorPage(.methodNotAllowed, "Use the forms.", ctx) }
            // Why: SameSite=Strict already keeps the cookie off cross-site posts; the Origin check and
            // the per-session token make a forged request fail even where a browser ignores SameSite.
            if let origin = request.headers[.origin], !Self.sameOrigin(origin, host: request.head.authority) {
                return Layout.errorPage(.forbidden, "Cross-origin request refused.", ctx)
            }
            let body = try await request.collectBody(upTo: Self.maxForm)
            ctx.form = FormData.parse(String(buffer: body))
            guard let s = ctx.session, let token = ctx.form["csrf"], SessionStore.constantTimeEqual(token, s.csrf) else {
                return Layout.errorPage(.forbidden, "Missing or wrong form token; reload the page and try again.", ctx)
            }
        }
        return try await next(request, ctx)
    }

    /// `Origin: http://host:port` against the request's host.
    static func sameOrigin(_ origin: String, host: String?) -> Bool {
        guard let host, let r = origin.range(of: "://") else { return false }
        return origin[r.upperBound...].lowercased() == host.lowercased()
    }
}

/// Header names HTTPTypes has no constant for (reached through `HTTPFields`, which Hummingbird exports).
typealias FieldName = HTTPFields.Element.Name

/// The session cookie's attributes.
struct CookieSettings: Sendable {
    var secure: Bool
    var maxAge: Int
    /// `__Host-` requires Secure; for plain-HTTP loopback the prefix is dropped.
    var name: String { secure ? "__Host-bec_session" : "bec_session" }

    func cookie(_ value: String) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }

    func expired() -> Cookie {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict)
    }
}

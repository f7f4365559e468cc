import BECQuarantine
import Foundation
import Hummingbird

/// `/login`, `/logout` and `/health`.
struct LoginController<Store: QuarantineStore>: Sendable {
    let store: Store
    let sessions: SessionStore
    let cookie: CookieSettings
    /// Logins from the config file, checked before the store's.
    let configUsers: [QuarantineUser]

    func register(_ router: Router<WebContext>) {
        router.get("/health") { _, _ in try await self.health() }
        router.get("/login") { _, ctx in try await self.loginPage(ctx, error: nil) }
        router.post("/login") { _, ctx in try await self.login(ctx) }
        router.post("/logout") { _, ctx in await self.logout(ctx) }
    }

    func health() async throws -> Response {
        do {
            try await store.ping()
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        } catch {
            return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: "store unavailable\n")))
        }
    }

    /// The form, with an anonymous session whose token the POST must carry (login CSRF).
    func loginPage(_ context: WebContext, error: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        if context.session?.isAuthenticated == true { return Response.redirect(to: "/messages", type: .found) }
        var ctx = context
        var fresh: Session? = nil
        if ctx.session == nil {
            fresh = await sessions.create()
            ctx.session = fresh
        }
        let err: HTML = error.map { "<p class=\"error\">\($0)</p>" } ?? ""
        var response = Layout.response(Layout.page("Log in", ctx, """
            <form class="login" method="post" action="/login">
            <h1>Log in</h1>\(err)
            \(Layout.csrfField(ctx))
            <label>Name <input name="name" autocomplete="username" required autofocus></label>
            <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
            <button class="primary" type="submit">Log in</button>
            </form>
            """), status: status)
        if let fresh { response.setCookie(cookie.cookie(fresh.id)) }
        return response
    }

    func login(_ ctx: WebContext) async throws -> Response {
        let name = ctx.form["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = ctx.form["password"] ?? ""
        guard QuarantineUser.isValidName(name), !password.isEmpty, password.utf8.count <= 1024 else {
            return try await loginPage(ctx, error: "Wrong name or password.", status: .unauthorized)
        }
        guard await sessions.mayAttempt(name) else {
            return try await loginPage(ctx, error: "Too many failed attempts; wait a quarter of an hour.", status: .tooManyRequests)
        }
        guard let user = try await verify(name, password) else {
            await sessions.recordFailure(name)
            ctx.logger.notice("web.login_failed", metadata: ["web.user": "\(name)"])
            return try await loginPage(ctx, error: "Wrong name or password.", status: .unauthorized)
        }
        await sessions.clearFailures(name)
        if let old = ctx.session { await sessions.destroy(old.id) }
        let s = await sessions.create(user: user.name, role: user.role)
        ctx.logger.info("web.login", metadata: ["web.user": "\(user.name)"])
        var response = Response.redirect(to: "/messages", type: .normal)
        response.setCookie(cookie.cookie(s.id))
        return response
    }

    func verify(_ name: String, _ password: String) async throws -> QuarantineUser? {
        if let u = configUsers.first(where: { $0.name == name }) {
            return PasswordHasher.verify(password, hash: u.passwordHash) ? u : nil
        }
        return try await store.verify(name: name, password: password)
    }

    func logout(_ ctx: WebContext) async -> Response {
        if let s = ctx.session { await sessions.destroy(s.id) }
        var response = Response.redirect(to: "/login", type: .normal)
        response.setCookie(cookie.expired())
        return response
    }
}

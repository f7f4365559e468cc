import BECQuarantine
import Foundation
import Hummingbird

/// Admin only (enforced by `SessionMiddleware`): list, add and remove web users.
struct UsersController<Store: QuarantineStore>: Sendable {
    let store: Store
    let sessions: SessionStore
    let configUsers: [QuarantineUser]

    func register(_ router: Router<WebContext>) {
        router.get("/users") { req, ctx in try await self.page(ctx, notice: FormData.parse(req.uri.query ?? "")["done"]) }
        router.post("/users") { _, ctx in try await self.add(ctx) }
        router.post("/users/:name/delete") { _, ctx in try await self.remove(ctx) }
    }

    func page(_ ctx: WebContext, notice: String?, error: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let stored = try await store.users()
        let rows: [HTML] = configUsers.map { u in
            "<tr><td>\(u.name)</td><td>\(u.role.rawValue)</td><td class=\"muted\">config file</td><td></td></tr>"
        } + stored.map { u in
            let del: HTML = u.name == ctx.user ? "<span class=\"muted\">(you)</span>" : """
                <form method="post" action="/users/\(u.name)/delete" class="inline">\(Layout.csrfField(ctx))<button type="submit" class="danger">Remove</button></form>
                """
            return "<tr><td>\(u.name)</td><td>\(u.role.rawValue)</td><td>\(Format.time(u.createdAt))</td><td>\(del)</td></tr>"
        }
        let msg: HTML = notice == "added" ? "<p class=\"notice\">User added.</p>" : notice == "removed" ? "<p class=\"notice\">User removed.</p>" : ""
        let err: HTML = error.map { "<p class=\"error\">\($0)</p>" } ?? ""
        return Layout.response(Layout.page("Users", ctx, """
            <h1>Users</h1>\(msg)\(err)
            <table><thead><tr><th>Name</th><th>Role</th><th>Created</th><th></th></tr></thead><tbody>\(rows)</tbody></table>
            <h2>Add a user</h2>
            <form method="post" action="/users" class="filters">\(Layout.csrfField(ctx))
            <label>Name <input name="name" required pattern="[A-Za-z0-9._@-]{1,64}"></label>
            <label>Role <select name="role"><option value="analyst">analyst</option><option value="admin">admin</option></select></label>
            <label>Password (at least \(PasswordHasher.minimumLength) characters) <input name="password" type="password" autocomplete="new-password" required></label>
            <button type="submit">Add</button></form>
            """), status: status)
    }

    func add(_ ctx: WebContext) async throws -> Response {
        let name = ctx.form["name"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = ctx.form["password"] ?? ""
        guard QuarantineUser.isValidName(name) else { return try await page(ctx, notice: nil, error: "Names are 1 to 64 letters, digits, '.', '_', '-' or '@'.", status: .badRequest) }
        guard let role = UserRole(rawValue: ctx.form["role"] ?? "") else { return try await page(ctx, notice: nil, error: "Unknown role.", status: .badRequest) }
        guard password.count >= PasswordHasher.minimumLength, password.utf8.count <= 72 else {
            return try await page(ctx, notice: nil, error: "Passwords are \(PasswordHasher.minimumLength) to 72 bytes long.", status: .badRequest)
        }
        guard !configUsers.contains(where: { $0.name == name }) else { return try await page(ctx, notice: nil, error: "That name is defined in the config file.", status: .conflict) }
        do {
            try await store.addUser(.hashing(name: name, role: role, password: password), replace: false)
        } catch let e as QuarantineError where e.code == .duplicate {
            return try await page(ctx, notice: nil, error: "A user with that name exists.", status: .conflict)
        }
        ctx.logger.notice("web.user_added", metadata: ["web.user": "\(ctx.user)", "web.new_user": "\(name)", "web.role": "\(role.rawValue)"])
        return Response.redirect(to: "/users?done=added", type: .normal)
    }

    func remove(_ ctx: WebContext) async throws -> Response {
        guard let name = ctx.parameters.get("name"), QuarantineUser.isValidName(name) else { throw HTTPError(.notFound, message: "No such user.") }
        guard name != ctx.user else { return try await page(ctx, notice: nil, error: "You cannot remove yourself.", status: .conflict) }
        try await store.removeUser(named: name)
        await sessions.destroy(user: name)
        ctx.logger.notice("web.user_removed", metadata: ["web.user": "\(ctx.user)", "web.removed_user": "\(name)"])
        return Response.redirect(to: "/users?done=removed", type: .normal)
    }
}

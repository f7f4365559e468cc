import BECCore
import BECQuarantine
import Foundation
import Hummingbird

/// The list, the message page, the raw download and the analyst actions, generic over the store.
struct MessagesController<Store: QuarantineStore>: Sendable {
    let actions: QuarantineActions<Store>
    let parser: MessageParser
    var store: Store { actions.store }

    /// Fixed notices after an action (the query names one; nothing from the request is echoed).
    static var notices: [String: String] { actionNotices }

    func register(_ router: Router<WebContext>) {
        router.get("/") { _, _ in Response.redirect(to: "/messages", type: .found) }
        router.get("/messages") { req, ctx in try await self.list(req, ctx) }
        router.get("/messages/:id") { req, ctx in try await self.show(req, ctx) }
        router.get("/messages/:id/raw") { _, ctx in try await self.raw(ctx) }
        router.post("/messages/:id/release") { _, ctx in try await self.act(ctx, "released") { try await self.actions.release($0, by: ctx.user) } }
        router.post("/messages/:id/delete") { _, ctx in try await self.act(ctx, "deleted") { try await self.actions.delete($0, by: ctx.user) } }
        router.post("/messages/:id/false-positive") { _, ctx in try await self.act(ctx, "false_positive") { try await self.actions.mark($0, as: .falsePositive, by: ctx.user) } }
        router.post("/messages/:id/confirm-bec") { _, ctx in try await self.act(ctx, "confirmed_bec") { try await self.actions.mark($0, as: .confirmedBEC, by: ctx.user) } }
        router.post("/messages/:id/unmark") { _, ctx in try await self.act(ctx, "held") { try await self.actions.mark($0, as: .held, by: ctx.user) } }
    }

    func id(_ ctx: WebContext) throws -> String {
        guard let id = ctx.parameters.get("id"), Format.isRecordID(id) else { throw HTTPError(.notFound, message: "No such message.") }
        return id
    }

    func list(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let q = ListPage.Query(FormData.parse(req.uri.query ?? ""))
        let page = try await store.list(q.filter)
        return Layout.response(Layout.page("Messages", ctx, ListPage.render(page, q, ctx)))
    }

    func show(_ req: Request, _ ctx: WebContext) async throws -> Response {
        let id = try id(ctx)
        guard let record = try await store.get(id) else { throw HTTPError(.notFound, message: "No such message.") }
        let message = parser.parse(record.raw, envelope: record.envelope)
        let notice = FormData.parse(req.uri.query ?? "")["done"].flatMap { Self.notices[$0] }
        let input = MessagePage.Input(record: record, message: message, audit: try await store.audit(id), notice: notice,
                                      releaserName: actions.releaser.name)
        return Layout.response(Layout.page(record.subject.isEmpty ? "(no subject)" : Format.clip(record.subject, 80), ctx, MessagePage.render(input, ctx)))
    }

    /// The original bytes as a download: never rendered by the browser (attachment, octet-stream,
    /// nosniff, and a sandbox CSP in case a browser opens it anyway).
    func raw(_ ctx: WebContext) async throws -> Response {
        let id = try id(ctx)
        guard let record = try await store.get(id) else { throw HTTPError(.notFound, message: "No such message.") }
        try await store.appendAudit(id, AuditEntry(at: Date(), actor: ctx.user, action: "download", detail: "original message downloaded"))
        return Response(status: .ok, headers: [.contentType: "application/octet-stream",
                                               .contentDisposition: "attachment; filename=\"\(id).eml\"",
                                               .contentSecurityPolicy: "default-src 'none'; sandbox"],
                        body: .init(byteBuffer: ByteBuffer(bytes: record.raw)))
    }

    func act(_ ctx: WebContext, _ done: String, _ action: (String) async throws -> Void) async throws -> Response {
        let id = try id(ctx)
        try await action(id)
        ctx.logger.info("web.action", metadata: ["web.user": "\(ctx.user)", "quarantine.id": "\(id)", "quarantine.status": "\(done)"])
        return Response.redirect(to: "/messages/\(id)?done=\(done)", type: .normal)
    }
}

let actionNotices = ["released": "Released.", "deleted": "Deleted.", "false_positive": "Marked as false positive.",
                     "confirmed_bec": "Marked as confirmed BEC.", "held": "Mark cleared."]

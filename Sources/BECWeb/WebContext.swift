import BECQuarantine
import Hummingbird

/// Per-request state the middlewares fill in for the handlers.
public struct WebContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller's session (anonymous before login), set by `SessionMiddleware`.
    public var session: Session?
    /// The CSP nonce of this response's inline stylesheet.
    public var nonce = ""
    /// Decoded `application/x-www-form-urlencoded` body of a POST (already CSRF-checked).
    public var form: [String: String] = [:]

    public init(source: Source) { coreContext = .init(source: source) }

    /// The logged-in user; handlers behind the auth middleware may rely on it.
    var user: String { session?.user ?? "?" }
}

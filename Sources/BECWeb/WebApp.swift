import BECCore
import BECQuarantine
import Foundation
import Hummingbird
import Logging

/// How the UI behaves, independent of where its settings came from.
public struct WebSettings: Sendable {
    /// Secure cookie attribute; false only for plain HTTP on loopback.
    public var secureCookies = true
    /// A session ends after this long without a request.
    public var sessionIdle: TimeInterval = 3600
    /// Logins from the config file (checked before the store's).
    public var configUsers: [QuarantineUser] = []
    /// Applied by `WebApp.runRetention` once an hour; nil disables it.
    public var retention: RetentionPolicy? = RetentionPolicy()

    public init() {}
}

/// The analysts' UI: a Hummingbird router over any `QuarantineStore`.
public struct WebApp<Store: QuarantineStore>: Sendable {
    public let store: Store
    public let actions: QuarantineActions<Store>
    public let settings: WebSettings
    public let sessions: SessionStore
    let parser: MessageParser

    /// - Parameter services: Unicode services for parsing stored messages for display (ICU in production).
    public init(store: Store, releaser: any Releaser, settings: WebSettings, services: any UnicodeServices,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.actions = QuarantineActions(store: store, releaser: releaser, now: now)
        self.settings = settings
        self.sessions = SessionStore(idleTimeout: settings.sessionIdle, now: now)
        self.parser = MessageParser(limits: Limits(), services: services)
    }

    var cookie: CookieSettings { CookieSettings(secure: settings.secureCookies, maxAge: Int(settings.sessionIdle) * 12) }

    /// Every route, behind the security-header and session middlewares.
    public func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.middlewares.add(SecurityHeadersMiddleware())
        router.middlewares.add(SessionMiddleware(sessions: sessions, cookie: cookie))
        LoginController(store: store, sessions: sessions, cookie: cookie, configUsers: settings.configUsers).register(router)
        MessagesController(actions: actions, parser: parser).register(router)
        UsersController(store: store, sessions: sessions, configUsers: settings.configUsers).register(router)
        return router
    }

    /// The server on `host:port`.
    public func application(host: String, port: Int, logger: Logger = Logger(label: "bec-milter.web")) -> some ApplicationProtocol {
        Application(router: router(), configuration: .init(address: .hostname(host, port: port), serverName: nil), logger: logger)
    }

    /// Purges by the retention policy now and then every `interval`, until cancelled.
    public func runRetention(every interval: Duration = .seconds(3600), logger: Logger) async {
        guard let policy = settings.retention else { return }
        while !Task.isCancelled {
            do {
                let r = try await store.purge(policy, now: Date())
                if r.total > 0 { logger.notice("quarantine.purged", metadata: ["quarantine.count": "\(r.total)", "quarantine.bytes": "\(r.bytesFreed)"]) }
            } catch {
                logger.error("quarantine.purge_failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}

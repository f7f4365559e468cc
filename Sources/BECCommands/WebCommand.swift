import ArgumentParser
import BECICU
import BECQuarantine
import BECRules
import BECWeb
import Foundation
import Hummingbird
import Logging

/// `bec-milter web`: the analysts' UI on its own, on the store the milter writes to.
struct WebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "web", abstract: "Serve the quarantine web UI.")
    @Option(name: .long, help: "Main config file (its quarantine: and state_dir keys).") var config: String?
    @Option(name: .long, help: "HOST:PORT, overriding quarantine.web.listen (default 127.0.0.1:8025).") var listen: String?
    @Flag(name: .customLong("insecure-cookies"), help: "Send the session cookie without Secure (plain HTTP on loopback only).") var insecureCookies = false

    func run() async throws {
        let settings = try QuarantineCLI.settings(config)
        guard let (host, port) = QuarantineSettings.hostPort(listen ?? settings.listen) else {
            throw ValidationError("--listen must be HOST:PORT")
        }
        var logger = Logger(label: "bec-milter.web")
        logger.logLevel = .info
        let location = QuarantineCLI.location(settings)
        let store: any QuarantineStore
        do { store = try await location.open(logger: logger) } catch {
            printError("bec-milter web: cannot open the quarantine store \(location): \(error)")
            throw ExitCode(1)
        }
        var web = WebSettings()
        web.secureCookies = settings.secureCookies && !insecureCookies
        web.sessionIdle = TimeInterval(settings.sessionIdleMinutes * 60)
        web.configUsers = settings.users.map { QuarantineUser(name: $0.name, role: UserRole(rawValue: $0.role) ?? .analyst, passwordHash: $0.passwordHash) }
        web.retention = QuarantineCLI.retention(settings)
        if !web.secureCookies && !Self.isLoopback(host) {
            logger.warning("web.insecure_cookies", metadata: ["web.listen": "\(host):\(port)"])
        }
        let releaser = QuarantineCLI.releaser(settings)
        logger.info("web.start", metadata: ["web.listen": "\(host):\(port)", "quarantine.store": "\(location)", "quarantine.release": "\(releaser.name)"])
        try await Self.serve(AnyQuarantineStore(store), releaser: releaser, settings: web, host: host, port: port, logger: logger)
        await store.close()
    }

    static func serve<S: QuarantineStore>(_ store: S, releaser: any Releaser, settings: WebSettings, host: String, port: Int, logger: Logger) async throws {
        let app = WebApp(store: store, releaser: releaser, settings: settings, services: try ICUServices())
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await app.runRetention(logger: logger) }
            group.addTask { try await app.application(host: host, port: port, logger: logger).runService() }
            // The server returns on SIGTERM/SIGINT (graceful shutdown); then stop the retention loop.
            try await group.next()
            group.cancelAll()
        }
    }

    static func isLoopback(_ host: String) -> Bool { host == "localhost" || host.hasPrefix("127.") || host == "::1" }
}

import ArgumentParser
import BECCore
import BECMilter
import BECRules
import Foundation
import Logging

/// `bec-milter run`: the long-running milter. Loads the configuration (or the embedded defaults),
/// listens on the configured socket (or `--socket`), and serves Postfix until SIGTERM.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the milter.",
        discussion: """
        Signals: SIGHUP reloads the configuration and rules (a broken file is refused and logged; \
        the running rules stay), SIGTERM stops accepting connections and drains, SIGUSR1 logs counters.
        """)
    @Option(name: .long, help: "Main config file (default: the embedded defaults).") var config: String?
    @Option(name: .long, help: "Socket, overriding the config: unix:/path or inet:port@host.") var socket: String?

    func run() async throws {
        let rt: Runtime
        do { rt = try Runtime(configPath: config) } catch {
            printError("bec-milter: \(error)")
            throw ExitCode(2)
        }
        let settings = rt.config.milter
        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        var logger = Logger(label: "bec-milter")
        logger.logLevel = level
        let configPath = config
        let services = rt.services
        let engine = MilterEngine(
            configuration: MilterConfiguration(pipeline: rt.pipeline, settings: settings, files: rt.config.files),
            logger: logger,
            loader: {
                let next = Runtime(config: try ConfigLoader().load(path: configPath), services: services)
                return MilterConfiguration(pipeline: next.pipeline, settings: next.config.milter, files: next.config.files)
            },
            quarantineSink: QuarantineStoreSink(settings: rt.config.quarantine, services: services, logger: logger),
            history: rt.config.history.enabled ? HistorySink(settings: rt.config.history, logger: logger) : nil)
        for w in rt.config.warnings.prefix(20) { logger.debug("config: \(w)") }
        do {
            let server = try MilterServer(engine: engine, socket: socket ?? settings.socket)
            try await server.run()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(1)
        }
    }
}

import BECCore
import BECMilter
import BECQuarantine
import BECRules
import Foundation
import Logging

/// Connects the milter's quarantine hook to the quarantine store (issue 5): every held message
/// is written to the store before the milter answers. If the store cannot be opened or written,
/// `store` throws and the milter applies `quarantine.on_store_error` (tempfail by default).
final class QuarantineStoreSink: QuarantineSink, @unchecked Sendable {
    private let location: StoreLocation
    private let timeout: Duration
    private let services: any UnicodeServices
    private let logger: Logger
    private let lock = NSLock()
    private var writer: BlockingQuarantineWriter?

    init(settings: QuarantineSettings, services: any UnicodeServices, logger: Logger) {
        location = QuarantineCLI.location(settings)
        timeout = .seconds(settings.storeTimeoutSeconds)
        self.services = services
        self.logger = logger
        writer = try? Self.open(location, timeout, logger)
        if writer == nil { logger.error("quarantine store \(location) unavailable at start-up; held messages will get quarantine.on_store_error until it answers") }
    }

    static func open(_ l: StoreLocation, _ t: Duration, _ log: Logger) throws -> BlockingQuarantineWriter {
        if case let .sqlite(path) = l {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        return try BlockingQuarantineWriter.open(l, timeout: t, logger: log)
    }

    func store(_ r: BECMilter.QuarantineRecord) throws {
        let w: BlockingQuarantineWriter = try lock.withLock {
            if let w = writer { return w }
            let w = try Self.open(location, timeout, logger)   // the store came back
            writer = w
            return w
        }
        try w.put(BECQuarantine.QuarantineRecord(raw: r.message, envelope: r.envelope, verdict: r.verdict,
                                                 receivedAt: r.receivedAt, services: services))
    }
}

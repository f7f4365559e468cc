import BECCore
import BECHistory
import BECICU
import BECRules
import Foundation
import XCTest

enum Support {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let services: ICUServices = {
        do { return try ICUServices() } catch { fatalError("ICU unavailable: \(error)") }
    }()
    static let config: LoadedConfig = {
        do { return try ConfigLoader().load(path: repoRoot + "/deploy/examples/calloway-freight/bec-milter.yaml") } catch { fatalError("example config: \(error)") }
    }()
    static let pipeline = Pipeline(policy: config.policy, services: services)

    static func message(_ text: String, envelope: Envelope = Envelope()) -> Message {
        let crlf = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        var m = pipeline.parse(Array(crlf.utf8), envelope: envelope)
        if envelope.recipients.isEmpty { m.envelope.recipients = (m.to + m.cc).map(\.address) }
        return m
    }

    static func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bec-history-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    static func sqliteService(warmupDays: Int = 0, keyer: HistoryKeyer = .plain) throws -> HistoryService {
        var s = HistorySettings()
        s.warmupDays = warmupDays
        s.sqlitePath = tempPath("history.sqlite")
        return HistoryService(store: try SQLiteHistoryStore(path: s.resolvedSQLitePath), keyer: keyer, settings: s)
    }

    /// An A-R header from our authserv-id with an aligned DKIM and DMARC pass for `domain`.
    static func ourPass(_ domain: String) -> String {
        "Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=\(domain); dmarc=pass header.from=\(domain)"
    }

    static let outbound = Envelope(mailFrom: "nadia.brennan@callowayfreight.com", recipients: ["partner@northwind.example"],
                                   clientAddress: "192.0.2.10", authenticatedUser: "margaret")
}

import BECCore
import BECRules
import Foundation

/// Receives one JSON line per scanned message (for SIEM ingestion).
public protocol VerdictSink: Sendable {
    func write(_ line: String)
}

/// Writes verdict lines to standard error (journald keeps each as one entry).
public struct StandardErrorVerdictSink: VerdictSink {
    private static let lock = NSLock()
    public init() {}
    public func write(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        Self.lock.lock()
        defer { Self.lock.unlock() }
        bytes.withUnsafeBytes { p in
            var off = 0
            while off < p.count {
                let n = Foundation.write(2, p.baseAddress.map { $0 + off }, p.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}

/// The JSON object of one verdict line. Carries envelope facts and findings, never the subject
/// or body.
struct VerdictLogLine: Encodable {
    struct F: Encodable { var symbol: String; var weight: Double }
    var ts: String
    var event = "bec.verdict"
    var queue_id: String?
    /// The milter action applied.
    var action: String
    /// The core's verdict action; nil when the message could not be scanned.
    var verdict: String?
    var score: Double?
    var findings: [F]
    var failure: String?
    var client_addr: String?
    var client_name: String?
    var mail_from: String?
    var rcpt: [String]
    var from: String?
    var authenticated: Bool
    var truncated: Bool
    var size: Int
    var scan_ms: Double
    var config_generation: Int
    var notes: [String]

    init(decision d: Decision, message m: CollectedMessage, from: String?, scanMilliseconds: Double, now: Date) {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        ts = iso.string(from: now)
        queue_id = m.envelope.queueID
        action = d.applied.rawValue
        verdict = d.verdict?.action.rawValue
        score = d.verdict?.score
        findings = (d.verdict?.findings ?? []).filter { $0.weight != 0 }.map { F(symbol: $0.symbol, weight: $0.weight) }
        failure = d.failure?.rawValue
        client_addr = m.envelope.clientAddress
        client_name = m.envelope.clientName
        mail_from = m.envelope.mailFrom
        rcpt = Array(m.envelope.recipients.prefix(50))
        self.from = from
        authenticated = m.envelope.authenticatedUser != nil
        truncated = m.truncated
        size = m.receivedBytes
        scan_ms = (scanMilliseconds * 100).rounded() / 100
        config_generation = m.configuration.generation
        notes = d.verdict?.notes ?? []
    }

    func json() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? enc.encode(self) else { return "{\"event\":\"bec.verdict\",\"error\":\"encoding\"}" }
        return String(decoding: data, as: UTF8.self)
    }
}

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

    /// `2026-11-29T09:07:54.123Z`, as ISO8601DateFormatter writes it with internet date-time
    /// and fractional seconds, without building that formatter (an ICU date format) per message:
    /// it cost the milter as much CPU as parsing and judging the message.
    static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var secs = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        var t = tm()
        gmtime_r(&secs, &t)
        func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):"
            + "\(pad(t.tm_sec, 2)).\(pad(Int32(((ms % 1000) + 1000) % 1000), 3))Z"
    }

    init(decision d: Decision, message m: CollectedMessage, from: String?, scanMilliseconds: Double, now: Date) {
        ts = Self.timestamp(now)
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

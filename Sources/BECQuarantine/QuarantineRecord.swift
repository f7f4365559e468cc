import BECCore
import Foundation

/// Where a quarantined message stands. `held`, `falsePositive` and `confirmedBEC` all mean the message
/// is still undelivered (an analyst's mark does not move it); `released` and `deleted` are final.
public enum QuarantineStatus: String, Sendable, Codable, CaseIterable, Hashable {
    case held
    case released
    case deleted
    case confirmedBEC = "confirmed_bec"
    case falsePositive = "false_positive"

    /// Still waiting for a release or delete decision.
    public var isPending: Bool { self == .held || self == .falsePositive || self == .confirmedBEC }

    /// The statuses from which a message may still be released, deleted or re-marked.
    public static let pending: Set<QuarantineStatus> = [.held, .falsePositive, .confirmedBEC]
}

/// One quarantined message: the raw bytes exactly as the milter received them (stored uncompressed,
/// so a release re-injects the identical bytes), the SMTP envelope and client facts, the verdict
/// with its full findings breakdown, and the current status.
public struct QuarantineRecord: Sendable {
    /// Unique id chosen by the writer (a random UUID by default), stable across stores.
    public var id: String
    /// When the milter received the message.
    public var receivedAt: Date
    public var status: QuarantineStatus
    /// Envelope and connection facts; `envelope.queueID` is the Postfix queue id of the held message.
    public var envelope: Envelope
    /// Host name of the milter that held the message (whose Postfix hold queue has it).
    public var host: String
    /// The decoded From header as the recipient would see it (for lists and search).
    public var fromHeader: String
    /// The decoded Subject (for lists and search).
    public var subject: String
    public var messageID: String?
    /// The verdict with every finding (symbol, weight, evidence, detector), thresholds and notes.
    public var verdict: Verdict
    /// The message bytes exactly as received.
    public var raw: [UInt8]

    public init(id: String = UUID().uuidString.lowercased(), receivedAt: Date, status: QuarantineStatus = .held,
                envelope: Envelope, host: String = ProcessInfo.processInfo.hostName, fromHeader: String, subject: String,
                messageID: String? = nil, verdict: Verdict, raw: [UInt8]) {
        self.id = id
        self.receivedAt = receivedAt
        self.status = status
        self.envelope = envelope
        self.host = host
        self.fromHeader = fromHeader
        self.subject = subject
        self.messageID = messageID
        self.verdict = verdict
        self.raw = raw
    }

    /// Builds a record from what the milter has at end of message: the parsed message, its verdict and the raw bytes.
    public init(message: Message, verdict: Verdict, raw: [UInt8], receivedAt: Date = Date(),
                host: String = ProcessInfo.processInfo.hostName) {
        self.init(receivedAt: receivedAt, envelope: message.envelope, host: host,
                  fromHeader: message.fromAddress?.description ?? "", subject: message.subject,
                  messageID: message.messageID, verdict: verdict, raw: raw)
    }

    /// Builds a record from the raw bytes alone (the milter's quarantine hook): From, Subject and
    /// Message-ID come from parsing the header section only, so this stays cheap at end of message.
    public init(raw: [UInt8], envelope: Envelope, verdict: Verdict, receivedAt: Date = Date(),
                host: String = ProcessInfo.processInfo.hostName, services: any UnicodeServices) {
        let m = MessageParser(services: services).parse(Array(raw[..<Self.headerEnd(raw)]), envelope: envelope)
        self.init(message: m, verdict: verdict, raw: raw, receivedAt: receivedAt, host: host)
    }

    /// The offset just past the blank line that ends the header section (or the end of the bytes).
    static func headerEnd(_ raw: [UInt8]) -> Int {
        var i = 0
        while i + 1 < raw.count {
            if raw[i] == 10 && raw[i + 1] == 10 { return i + 2 }
            if raw[i] == 10 && raw[i + 1] == 13 && i + 2 < raw.count && raw[i + 2] == 10 { return i + 3 }
            i += 1
        }
        return raw.count
    }

    public var queueID: String? { envelope.queueID }
    public var score: Double { verdict.score }
    public var size: Int { raw.count }
    /// The distinct symbols of the findings, in verdict order.
    public var symbols: [String] {
        var seen = Set<String>()
        return verdict.findings.map(\.symbol).filter { seen.insert($0).inserted }
    }

    /// The listing view of this record (no message bytes).
    public var summary: QuarantineSummary {
        QuarantineSummary(id: id, receivedAt: receivedAt, status: status, action: verdict.action.rawValue, score: score,
                          mailFrom: envelope.mailFrom, recipients: envelope.recipients, fromHeader: fromHeader,
                          subject: subject, queueID: queueID, symbols: symbols, size: size)
    }
}

/// What a list shows of a record: everything but the message bytes and the full verdict.
public struct QuarantineSummary: Sendable, Equatable, Codable {
    public var id: String
    public var receivedAt: Date
    public var status: QuarantineStatus
    /// The verdict's action ("quarantine", "reject", ...).
    public var action: String
    public var score: Double
    public var mailFrom: String?
    public var recipients: [String]
    public var fromHeader: String
    public var subject: String
    public var queueID: String?
    public var symbols: [String]
    public var size: Int
}

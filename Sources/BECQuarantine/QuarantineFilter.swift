import Foundation

/// Which records a list returns, newest first. Every criterion is optional; text criteria match
/// case-insensitively as substrings (never as patterns, so `%` and `_` in a search are literal).
public struct QuarantineFilter: Sendable, Equatable {
    /// Any of these statuses; empty means all.
    public var statuses: Set<QuarantineStatus>
    /// Received at or after.
    public var since: Date?
    /// Received before.
    public var until: Date?
    /// Substring of the envelope sender or the From header.
    public var sender: String?
    /// Substring of any envelope recipient.
    public var recipient: String?
    public var minScore: Double?
    public var maxScore: Double?
    /// Exact finding symbol, e.g. `IMPERSONATE_EXECUTIVE`.
    public var symbol: String?
    /// Free text: substring of subject, From, envelope sender, recipients, queue id or finding evidence.
    public var text: String?
    public var offset: Int
    /// Page size, clamped to 1...QuarantineFilter.maxLimit.
    public var limit: Int

    public static let maxLimit = 500

    public init(statuses: Set<QuarantineStatus> = [], since: Date? = nil, until: Date? = nil, sender: String? = nil,
                recipient: String? = nil, minScore: Double? = nil, maxScore: Double? = nil, symbol: String? = nil,
                text: String? = nil, offset: Int = 0, limit: Int = 50) {
        self.statuses = statuses
        self.since = since
        self.until = until
        self.sender = sender
        self.recipient = recipient
        self.minScore = minScore
        self.maxScore = maxScore
        self.symbol = symbol
        self.text = text
        self.offset = max(0, offset)
        self.limit = min(max(1, limit), Self.maxLimit)
    }

    /// The same filter as an in-memory predicate; the SQL stores implement exactly these semantics.
    public func matches(_ r: QuarantineRecord) -> Bool {
        func has(_ hay: String?, _ needle: String) -> Bool {
            guard let hay else { return false }
            return hay.lowercased().contains(needle.lowercased())
        }
        if !statuses.isEmpty && !statuses.contains(r.status) { return false }
        if let since, r.receivedAt < since { return false }
        if let until, r.receivedAt >= until { return false }
        if let s = sender.nonEmpty, !(has(r.envelope.mailFrom, s) || has(r.fromHeader, s)) { return false }
        if let s = recipient.nonEmpty, !r.envelope.recipients.contains(where: { has($0, s) }) { return false }
        if let minScore, r.score < minScore { return false }
        if let maxScore, r.score > maxScore { return false }
        if let s = symbol.nonEmpty, !r.symbols.contains(s) { return false }
        if let t = text.nonEmpty {
            let fields = [r.subject, r.fromHeader, r.envelope.mailFrom ?? "", r.envelope.recipients.joined(separator: "\n"),
                          r.queueID ?? "", r.verdict.findings.map(\.evidence).joined(separator: "\n")]
            if !fields.contains(where: { has($0, t) }) { return false }
        }
        return true
    }
}

/// One page of a list plus the number of all matching records.
public struct QuarantinePage: Sendable, Equatable {
    public var items: [QuarantineSummary]
    public var total: Int
    public var offset: Int
    public var limit: Int

    public init(items: [QuarantineSummary], total: Int, offset: Int, limit: Int) {
        self.items = items
        self.total = total
        self.offset = offset
        self.limit = limit
    }
}

extension Optional where Wrapped == String {
    /// The string when present and not blank.
    var nonEmpty: String? {
        guard let s = self?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        return s
    }
}

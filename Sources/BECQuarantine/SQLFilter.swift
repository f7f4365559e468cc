import Foundation

/// A bound value for either SQL store.
enum SQLValue: Sendable {
    case text(String)
    case double(Double)
    case int(Int)
    case date(Date)
}

/// Renders a `QuarantineFilter` as a WHERE clause with the same semantics as `QuarantineFilter.matches`,
/// for both dialects: placeholders and the case-insensitive substring test differ.
struct SQLFilter {
    enum Dialect { case sqlite, postgres }

    let dialect: Dialect
    private(set) var values: [SQLValue] = []

    init(_ dialect: Dialect) { self.dialect = dialect }

    /// Adds a bound value and returns its placeholder.
    mutating func bind(_ v: SQLValue) -> String {
        values.append(v)
        return dialect == .sqlite ? "?" : "$\(values.count)"
    }

    /// Case-insensitive substring test; never LIKE, so `%` and `_` in user input are literal.
    mutating func contains(_ column: String, _ needle: String) -> String {
        let p = bind(.text(needle))
        switch dialect {
        case .sqlite: return "bec_contains(\(column), \(p))"
        case .postgres: return "strpos(lower(coalesce(\(column), '')), lower(\(p))) > 0"
        }
    }

    mutating func whereClause(_ f: QuarantineFilter) -> String {
        var c: [String] = []
        if !f.statuses.isEmpty {
            c.append("status IN (" + f.statuses.map(\.rawValue).sorted().map { bind(.text($0)) }.joined(separator: ", ") + ")")
        }
        if let s = f.since { c.append("received_at >= " + bind(.date(s))) }
        if let u = f.until { c.append("received_at < " + bind(.date(u))) }
        if let s = f.sender.nonEmpty { c.append("(" + contains("mail_from", s) + " OR " + contains("from_header", s) + ")") }
        if let r = f.recipient.nonEmpty { c.append(contains("rcpts", r)) }
        if let m = f.minScore { c.append("score >= " + bind(.double(m))) }
        if let m = f.maxScore { c.append("score <= " + bind(.double(m))) }
        if let s = f.symbol.nonEmpty {
            let p = bind(.text(" \(s) "))
            c.append(dialect == .sqlite ? "instr(symbols, \(p)) > 0" : "strpos(symbols, \(p)) > 0")
        }
        if let t = f.text.nonEmpty {
            c.append("(" + ["subject", "from_header", "mail_from", "rcpts", "queue_id", "evidence"]
                .map { contains($0, t) }.joined(separator: " OR ") + ")")
        }
        return c.isEmpty ? "" : " WHERE " + c.joined(separator: " AND ")
    }
}

/// The denormalized columns both SQL stores derive from a record, for filtering and search.
struct RecordColumns {
    let rcpts: String
    let symbols: String
    let evidence: String
    let envelopeJSON: String
    let verdictJSON: String

    init(_ r: QuarantineRecord) throws {
        rcpts = r.envelope.recipients.joined(separator: "\n")
        symbols = " " + r.symbols.joined(separator: " ") + " "
        evidence = r.verdict.findings.map(\.evidence).joined(separator: "\n")
        envelopeJSON = try Self.json(r.envelope)
        verdictJSON = try Self.json(r.verdict)
    }

    static func json<T: Encodable>(_ v: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(v), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ s: String, _ what: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(s.utf8)) } catch {
            throw QuarantineError(.unavailable, "stored \(what) is not valid JSON: \(error)")
        }
    }

    /// The list columns, in the order `summary(...)` reads them.
    static let summarySelect = "id, received_at, status, action, score, mail_from, rcpts, from_header, subject, queue_id, symbols, size"

    static func splitSymbols(_ s: String) -> [String] { s.split(separator: " ").map(String.init) }
    static func splitRecipients(_ s: String) -> [String] { s.isEmpty ? [] : s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    static func status(_ s: String) throws -> QuarantineStatus {
        guard let v = QuarantineStatus(rawValue: s) else { throw QuarantineError(.unavailable, "unknown stored status '\(s)'") }
        return v
    }
}

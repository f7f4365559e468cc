import Foundation

/// Small display helpers shared by the pages.
enum Format {
    static let utc = TimeZone(identifier: "UTC")!

    /// `2026-05-01 14:03:22 UTC`.
    static func time(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = utc
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        func p(_ v: Int?, _ w: Int = 2) -> String { let s = String(v ?? 0); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(p(c.year, 4))-\(p(c.month))-\(p(c.day)) \(p(c.hour)):\(p(c.minute)):\(p(c.second)) UTC"
    }

    /// Parses `yyyy-MM-dd` as midnight UTC.
    static func day(_ s: String?) -> Date? {
        guard let s, s.utf8.count == 10 else { return nil }
        let parts = s.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1970...9999).contains(parts[0]), (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = utc
        return cal.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }

    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return "\(n / 1024) KiB" }
        return String(format: "%.1f MiB", Double(n) / Double(1 << 20))
    }

    /// At most `n` characters, with an ellipsis when cut.
    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n)) + "…" }

    /// Record ids are UUID-like: letters, digits and '-' only, so they are safe in paths and filenames.
    static func isRecordID(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count) && s.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 }
    }
}

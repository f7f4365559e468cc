/// An IPv4 or IPv6 network in CIDR notation, parsed without I/O.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    public let address: [UInt8]
    public let prefix: Int

    /// Parses "10.0.0.0/8", "2001:db8::/32" or a bare address (a host route).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let addr = CIDR.parseAddress(String(first)) else { return nil }
        let maxPrefix = addr.count * 8
        let p = parts.count == 2 ? Int(parts[1]) : maxPrefix
        guard let p, p >= 0, p <= maxPrefix else { return nil }
        address = addr
        prefix = p
    }

    public var description: String {
        address.count == 4 ? address.map(String.init).joined(separator: ".") + "/\(prefix)" : "ipv6/\(prefix)"
    }

    public func contains(_ ip: String) -> Bool {
        guard let a = CIDR.parseAddress(ip), a.count == address.count else { return false }
        var bits = prefix
        for i in 0..<a.count {
            if bits <= 0 { return true }
            let mask: UInt8 = bits >= 8 ? 0xFF : UInt8(0xFF << (8 - bits) & 0xFF)
            if a[i] & mask != address[i] & mask { return false }
            bits -= 8
        }
        return true
    }

    /// Parses IPv4 dotted quads and IPv6 (with "::" and an embedded IPv4 tail; "IPv6:" prefix allowed).
    public static func parseAddress(_ raw: String) -> [UInt8]? {
        var s = Substring(raw)
        if s.lowercased().hasPrefix("ipv6:") { s = s.dropFirst(5) }
        if s.hasPrefix("[") && s.hasSuffix("]") { s = s.dropFirst().dropLast() }
        if !s.contains(":") {
            let q = s.split(separator: ".", omittingEmptySubsequences: false)
            guard q.count == 4 else { return nil }
            var out: [UInt8] = []
            for x in q { guard x.count <= 3, let v = UInt8(x) else { return nil }; out.append(v) }
            return out
        }
        let halves = s.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ h: String) -> [UInt8]? {
            if h.isEmpty { return [] }
            var out: [UInt8] = []
            let g = h.split(separator: ":", omittingEmptySubsequences: false)
            for (i, x) in g.enumerated() {
                if i == g.count - 1, x.contains("."), let v4 = parseAddress(String(x)), v4.count == 4 { out += v4; continue }
                guard x.count <= 4, let v = UInt16(x, radix: 16) else { return nil }
                out += [UInt8(v >> 8), UInt8(v & 0xFF)]
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 16 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 14 else { return nil }
        return head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail
    }
}

extension Substring {
    func components(separatedBy sep: String) -> [String] {
        var out: [String] = []
        var rest = self
        while let r = rest.firstRange(of: sep) {
            out.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        out.append(String(rest))
        return out
    }
}

import Foundation

/// A milter socket as libmilter spells it: `unix:/path` (also `local:`), `inet:port@host`,
/// `inet6:port@host`.
public enum SocketSpec: Equatable, Sendable, CustomStringConvertible {
    case unix(path: String)
    case inet(port: UInt16, host: String?, v6: Bool)

    public init?(_ s: String) {
        if s.hasPrefix("unix:") || s.hasPrefix("local:") {
            let path = String(s.drop(while: { $0 != ":" }).dropFirst())
            guard path.hasPrefix("/"), path.utf8.count < 108 else { return nil }
            self = .unix(path: path)
            return
        }
        let v6 = s.hasPrefix("inet6:")
        guard v6 || s.hasPrefix("inet:") else { return nil }
        let rest = s.dropFirst(v6 ? 6 : 5)
        let parts = rest.split(separator: "@", maxSplits: 1)
        guard let first = parts.first, let port = UInt16(first), port > 0 else { return nil }
        self = .inet(port: port, host: parts.count > 1 ? String(parts[1]) : nil, v6: v6)
    }

    public var description: String {
        switch self {
        case let .unix(path): return "unix:\(path)"
        case let .inet(port, host, v6): return "\(v6 ? "inet6" : "inet"):\(port)" + (host.map { "@\($0)" } ?? "")
        }
    }
}

import BECQuarantine
import Foundation

/// A browser session: anonymous (only a CSRF token for the login form) or logged in.
public struct Session: Sendable, Equatable {
    /// The cookie value: 256 random bits.
    public let id: String
    public var user: String?
    public var role: UserRole?
    /// Sent back in every POST form; compared in constant time.
    public let csrf: String
    public let created: Date
    public var lastSeen: Date

    public var isAuthenticated: Bool { user != nil }
}

/// Server-side sessions in memory: restarting the UI logs everyone out, which is acceptable for an
/// admin tool and keeps secrets out of the database. Idle and absolute lifetimes; failed logins per
/// name are throttled.
public actor SessionStore {
    private var sessions: [String: Session] = [:]
    private var failures: [String: [Date]] = [:]
    let idleTimeout: TimeInterval
    let absoluteTimeout: TimeInterval
    let now: @Sendable () -> Date
    /// Bound on stored sessions (anonymous ones are cheap to create); the oldest idle go first.
    let maxSessions = 10_000
    /// Failed logins allowed per name within `failureWindow` before further attempts are refused.
    let maxFailures = 5
    let failureWindow: TimeInterval = 15 * 60

    public init(idleTimeout: TimeInterval = 3600, absoluteTimeout: TimeInterval = 12 * 3600, now: @escaping @Sendable () -> Date = Date.init) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.now = now
    }

    /// The live session with this id, touched; nil when unknown or expired.
    public func session(_ id: String) -> Session? {
        guard var s = sessions[id] else { return nil }
        let t = now()
        let idle = s.isAuthenticated ? idleTimeout : min(idleTimeout, 1800)
        if t.timeIntervalSince(s.lastSeen) > idle || t.timeIntervalSince(s.created) > absoluteTimeout {
            sessions[id] = nil
            return nil
        }
        s.lastSeen = t
        sessions[id] = s
        return s
    }

    /// A new session; logging in always creates a new one (a fresh id defeats session fixation).
    public func create(user: String? = nil, role: UserRole? = nil) -> Session {
        if sessions.count >= maxSessions { evict() }
        let t = now()
        let s = Session(id: Self.token(), user: user, role: role, csrf: Self.token(), created: t, lastSeen: t)
        sessions[s.id] = s
        return s
    }

    public func destroy(_ id: String) { sessions[id] = nil }

    /// Ends every session of a user (after their removal or a password change).
    public func destroy(user: String) { sessions = sessions.filter { $0.value.user != user } }

    /// Whether `name` may try to log in now.
    public func mayAttempt(_ name: String) -> Bool {
        let t = now()
        let recent = (failures[name] ?? []).filter { t.timeIntervalSince($0) < failureWindow }
        failures[name] = recent.isEmpty ? nil : recent
        return recent.count < maxFailures
    }

    public func recordFailure(_ name: String) { failures[name, default: []].append(now()) }
    public func clearFailures(_ name: String) { failures[name] = nil }

    private func evict() {
        let t = now()
        sessions = sessions.filter { t.timeIntervalSince($0.value.lastSeen) <= idleTimeout }
        if sessions.count >= maxSessions {
            for (id, _) in sessions.sorted(by: { $0.value.lastSeen < $1.value.lastSeen }).prefix(sessions.count / 10 + 1) { sessions[id] = nil }
        }
    }

    /// 32 bytes from the system CSPRNG (getrandom on Linux), base64url without padding.
    static func token() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &g) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Compares secrets without an early exit.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}

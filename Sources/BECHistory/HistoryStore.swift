import BECCore
import Foundation

/// The sender-history store: SQLite on one host, PostgreSQL when several milter hosts share one
/// history. Keys arrive already normalized (and hashed, when configured) from `HistoryService`;
/// a store only counts, finds and forgets.
public protocol HistoryStore: Sendable {
    /// What the store knows about the keys of `query`. `displayNameBoundTo` holds addresses bound
    /// to the name at other domains than the sender's; `newReplyTo` and `unseenThreadIDs` hold the
    /// query's keys the store has not seen.
    func lookup(_ query: HistoryQuery) async throws -> HistoryFacts
    /// Records what delivered messages taught, in one transaction; each lesson's `time` is when
    /// (nil: now).
    func learn(_ batch: [HistoryLesson]) async throws
    /// Everything about one address key (for `history show`).
    func address(_ key: String, domain: String) async throws -> AddressHistory
    func meta(_ key: String) async throws -> String?
    /// Sets `key`; with `onlyIfAbsent` an existing value stays (the store's creation time).
    func setMeta(_ key: String, _ value: String, onlyIfAbsent: Bool) async throws
    /// Forgets rows not seen since `seenBefore` (message ids since `messageIDsBefore`), then the
    /// least recently seen rows of any table over `maxEntries`. Returns the rows deleted.
    func prune(seenBefore: Date, messageIDsBefore: Date, maxEntries: Int) async throws -> Int
    /// Rows per table.
    func counts() async throws -> [String: Int]
    func close() async
}

extension HistoryStore {
    /// Records one lesson at `time`.
    public func learn(_ lesson: HistoryLesson, at time: Date) async throws {
        var l = lesson
        l.time = time
        try await learn([l])
    }
}

/// A store that can answer a lookup on the calling thread (SQLite), so the milter's libmilter
/// threads do not queue behind the Swift concurrency pool under load.
public protocol SynchronousHistoryLookup: Sendable {
    func lookupNow(_ query: HistoryQuery) throws -> HistoryFacts
    func metaNow(_ key: String) throws -> String?
}

/// What `history show` prints for one address.
public struct AddressHistory: Sendable, Codable, Equatable {
    public var address: String
    public var known: Bool
    public var firstSeen: Date?
    public var lastSeen: Date?
    /// Messages our people sent to it.
    public var messagesFromUs: Int
    /// Authenticated messages it sent us.
    public var messagesToUs: Int
    public var domainKnown: Bool
    /// Our people it has corresponded with.
    public var correspondents: [String]
    /// Display-name keys bound to it.
    public var names: [String]
    /// Reply-To addresses seen on its authenticated mail.
    public var replyTos: [String]

    public init(address: String, known: Bool = false, firstSeen: Date? = nil, lastSeen: Date? = nil, messagesFromUs: Int = 0,
                messagesToUs: Int = 0, domainKnown: Bool = false, correspondents: [String] = [], names: [String] = [], replyTos: [String] = []) {
        self.address = address; self.known = known; self.firstSeen = firstSeen; self.lastSeen = lastSeen
        self.messagesFromUs = messagesFromUs; self.messagesToUs = messagesToUs; self.domainKnown = domainKnown
        self.correspondents = correspondents; self.names = names; self.replyTos = replyTos
    }
}

/// The schema both stores create (one version so far), in each dialect.
enum HistorySchema {
    static let version = "1"
    static let tables = ["hist_address", "hist_pair", "hist_binding", "hist_replyto", "hist_msgid"]

    static func statements(bigint: String) -> [String] {
        [
            "CREATE TABLE IF NOT EXISTS hist_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE IF NOT EXISTS hist_address (addr TEXT PRIMARY KEY, domain TEXT NOT NULL, first_seen \(bigint) NOT NULL,
              last_seen \(bigint) NOT NULL, n_out \(bigint) NOT NULL DEFAULT 0, n_in \(bigint) NOT NULL DEFAULT 0)
            """,
            "CREATE INDEX IF NOT EXISTS hist_address_domain ON hist_address (domain)",
            "CREATE INDEX IF NOT EXISTS hist_address_seen ON hist_address (last_seen)",
            """
            CREATE TABLE IF NOT EXISTS hist_pair (remote TEXT NOT NULL, local TEXT NOT NULL, first_seen \(bigint) NOT NULL,
              last_seen \(bigint) NOT NULL, n \(bigint) NOT NULL DEFAULT 0, PRIMARY KEY (remote, local))
            """,
            "CREATE INDEX IF NOT EXISTS hist_pair_seen ON hist_pair (last_seen)",
            """
            CREATE TABLE IF NOT EXISTS hist_binding (name TEXT NOT NULL, addr TEXT NOT NULL, domain TEXT NOT NULL,
              first_seen \(bigint) NOT NULL, last_seen \(bigint) NOT NULL, n \(bigint) NOT NULL DEFAULT 0,
              authoritative INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (name, addr))
            """,
            "CREATE INDEX IF NOT EXISTS hist_binding_addr ON hist_binding (addr)",
            "CREATE INDEX IF NOT EXISTS hist_binding_seen ON hist_binding (last_seen)",
            """
            CREATE TABLE IF NOT EXISTS hist_replyto (addr TEXT NOT NULL, reply_to TEXT NOT NULL, first_seen \(bigint) NOT NULL,
              last_seen \(bigint) NOT NULL, n \(bigint) NOT NULL DEFAULT 0, PRIMARY KEY (addr, reply_to))
            """,
            "CREATE INDEX IF NOT EXISTS hist_replyto_seen ON hist_replyto (last_seen)",
            "CREATE TABLE IF NOT EXISTS hist_msgid (id TEXT PRIMARY KEY, last_seen \(bigint) NOT NULL, direction TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS hist_msgid_seen ON hist_msgid (last_seen)",
        ]
    }

    /// Upserts, in `?` placeholder form; PostgreSQL's store numbers them.
    static func upsertAddress(min: String, max: String) -> String {
        """
        INSERT INTO hist_address (addr, domain, first_seen, last_seen, n_out, n_in) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (addr) DO UPDATE SET first_seen = \(min)(hist_address.first_seen, excluded.first_seen),
          last_seen = \(max)(hist_address.last_seen, excluded.last_seen), n_out = hist_address.n_out + excluded.n_out,
          n_in = hist_address.n_in + excluded.n_in
        """
    }

    static func upsertPair(min: String, max: String) -> String {
        """
        INSERT INTO hist_pair (remote, local, first_seen, last_seen, n) VALUES (?, ?, ?, ?, 1)
        ON CONFLICT (remote, local) DO UPDATE SET first_seen = \(min)(hist_pair.first_seen, excluded.first_seen),
          last_seen = \(max)(hist_pair.last_seen, excluded.last_seen), n = hist_pair.n + 1
        """
    }

    static func upsertBinding(min: String, max: String) -> String {
        """
        INSERT INTO hist_binding (name, addr, domain, first_seen, last_seen, n, authoritative) VALUES (?, ?, ?, ?, ?, 1, ?)
        ON CONFLICT (name, addr) DO UPDATE SET first_seen = \(min)(hist_binding.first_seen, excluded.first_seen),
          last_seen = \(max)(hist_binding.last_seen, excluded.last_seen), n = hist_binding.n + 1,
          authoritative = \(max)(hist_binding.authoritative, excluded.authoritative)
        """
    }

    static func upsertReplyTo(min: String, max: String) -> String {
        """
        INSERT INTO hist_replyto (addr, reply_to, first_seen, last_seen, n) VALUES (?, ?, ?, ?, 1)
        ON CONFLICT (addr, reply_to) DO UPDATE SET first_seen = \(min)(hist_replyto.first_seen, excluded.first_seen),
          last_seen = \(max)(hist_replyto.last_seen, excluded.last_seen), n = hist_replyto.n + 1
        """
    }

    static func upsertMessageID(max: String) -> String {
        """
        INSERT INTO hist_msgid (id, last_seen, direction) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET last_seen = \(max)(hist_msgid.last_seen, excluded.last_seen)
        """
    }

    /// A name bound (at another domain than `domain`) blocks a non-authoritative binding.
    static let bindingBlocked = "SELECT 1 FROM hist_binding WHERE name = ? AND domain <> ? LIMIT 1"
}

import BECCore
import BECRules
import Foundation
import Logging

/// Sender history as the adapters use it: keys the core's plain queries and lessons (hashing them
/// when configured), honours the warm-up period, and maps the store's answers back to evidence.
public final class HistoryService: Sendable {
    public let store: any HistoryStore
    public let keyer: HistoryKeyer
    public let settings: HistorySettings
    private let warm = Locked(false)

    public init(store: any HistoryStore, keyer: HistoryKeyer = .plain, settings: HistorySettings = HistorySettings()) {
        self.store = store
        self.keyer = keyer
        self.settings = settings
    }

    /// Opens the configured store (creating tables) and records its creation time.
    public static func open(_ settings: HistorySettings, logger: Logger = Logger(label: "bec-milter.history")) async throws -> HistoryService {
        let keyer = try settings.hashKeys ? HistoryKeyer.hashed(secretFile: settings.hashKeyFile ?? "") : .plain
        let store: any HistoryStore
        switch settings.store {
        case .sqlite: store = try SQLiteHistoryStore(path: settings.resolvedSQLitePath)
        case .postgres: store = try await PostgresHistoryStore.connect(url: settings.postgresURL ?? "", logger: logger)
        }
        try await store.setMeta("created_at", String(Int(Date().timeIntervalSince1970)), onlyIfAbsent: true)
        try await store.setMeta("hashed_keys", keyer.isHashed ? "yes" : "no", onlyIfAbsent: true)
        if let h = try await store.meta("hashed_keys"), h != (keyer.isHashed ? "yes" : "no") {
            throw HistoryError("the history store was written with hash_keys \(h == "yes" ? "on" : "off"); this config has it \(keyer.isHashed ? "on" : "off") (keys would never match)")
        }
        return HistoryService(store: store, keyer: keyer, settings: settings)
    }

    /// The location without secrets, for logs.
    public static func describe(_ s: HistorySettings) -> String {
        switch s.store {
        case .sqlite: return "sqlite:\(s.resolvedSQLitePath)"
        case .postgres:
            guard var c = URLComponents(string: s.postgresURL ?? "") else { return "postgres" }
            if c.password != nil { c.password = "***" }
            return c.string ?? "postgres"
        }
    }

    /// Whether history findings are given: after `warmup_days` since the store was created, or
    /// once `history import` seeded it. Before that the milter only learns.
    public func isWarm(now: Date = Date()) async throws -> Bool {
        if warm.current { return true }
        return warmUp(seeded: try await store.meta("seeded_at"), created: try await store.meta("created_at"), now: now)
    }

    /// Ready when warm-up is off, the store was seeded, or it is `warmup_days` old; once ready,
    /// remembered.
    private func warmUp(seeded: String?, created: String?, now: Date) -> Bool {
        var ready = settings.warmupDays == 0 || seeded != nil
        if !ready, let c = created, let t = TimeInterval(c), now.timeIntervalSince1970 - t >= Double(settings.warmupDays) * 86_400 { ready = true }
        if ready { warm.withLock { $0 = true } }
        return ready
    }

    /// Marks the store seeded (by `history import`): history findings start now.
    public func markSeeded(now: Date = Date()) async throws {
        try await store.setMeta("seeded_at", String(Int(now.timeIntervalSince1970)), onlyIfAbsent: false)
    }

    /// The facts for `query`; nil while warming up.
    public func facts(for q: HistoryQuery, now: Date = Date()) async throws -> HistoryFacts? {
        guard try await isWarm(now: now) else { return nil }
        let k = Keyed(q, keyer)
        return k.plain(try await store.lookup(k.query), hashed: keyer.isHashed)
    }

    /// The same on the calling thread, for stores that can answer without Swift concurrency
    /// (SQLite): the milter's libmilter threads then never wait for the cooperative pool.
    /// nil when the store cannot (the caller uses the async path), `.some(nil)` while warming up.
    public func factsNow(for q: HistoryQuery, now: Date = Date()) throws -> HistoryFacts?? {
        guard let sync = store as? any SynchronousHistoryLookup else { return nil }
        if !warm.current {
            guard warmUp(seeded: try sync.metaNow("seeded_at"), created: try sync.metaNow("created_at"), now: now) else { return .some(nil) }
        }
        let k = Keyed(q, keyer)
        return .some(k.plain(try sync.lookupNow(k.query), hashed: keyer.isHashed))
    }

    /// A query with its keys hashed (when configured), and the way back to the plain values.
    struct Keyed {
        let query: HistoryQuery
        let replyTos: [String: String]
        let threads: [String: String]

        init(_ q: HistoryQuery, _ keyer: HistoryKeyer) {
            let r = q.replyTos.map { (keyer.key($0, .address), $0) }
            let t = q.threadIDs.map { (keyer.key($0, .messageID), $0) }
            query = HistoryQuery(sender: keyer.key(q.sender, .address), senderDomain: keyer.key(q.senderDomain, .domain),
                                 recipients: q.recipients.map { keyer.key($0, .address) },
                                 nameKey: q.nameKey.map { keyer.key($0, .name) },
                                 replyTos: r.map(\.0), threadIDs: t.map(\.0))
            replyTos = Dictionary(r, uniquingKeysWith: { a, _ in a })
            threads = Dictionary(t, uniquingKeysWith: { a, _ in a })
        }

        func plain(_ keyed: HistoryFacts, hashed: Bool) -> HistoryFacts {
            var f = keyed
            f.newReplyTo = f.newReplyTo.compactMap { replyTos[$0] }
            f.unseenThreadIDs = f.unseenThreadIDs.compactMap { threads[$0] }
            if hashed { f.displayNameBoundTo = f.displayNameBoundTo.map { _ in "an address at another domain (keys hashed)" } }
            return f
        }
    }

    public func learn(_ l: HistoryLesson, now: Date = Date()) async throws {
        try await learn([l], now: now)
    }

    /// Records lessons in one transaction (the milter's learner batches what queued up).
    public func learn(_ batch: [HistoryLesson], now: Date = Date()) async throws {
        let keyed = batch.filter { !$0.isEmpty }.map { l -> HistoryLesson in
            var k = l
            k.time = l.time ?? now
            k.correspondents = l.correspondents.map { .init(address: keyer.key($0.address, .address), domain: keyer.key($0.domain, .domain)) }
            k.pairs = l.pairs.map { .init(local: keyer.key($0.local, .address), remote: keyer.key($0.remote, .address)) }
            k.bindings = l.bindings.map { .init(nameKey: keyer.key($0.nameKey, .name), address: keyer.key($0.address, .address),
                                               domain: keyer.key($0.domain, .domain), authoritative: $0.authoritative) }
            k.replyTos = l.replyTos.map { .init(sender: keyer.key($0.sender, .address), replyTo: keyer.key($0.replyTo, .address)) }
            k.messageIDs = l.messageIDs.map { keyer.key($0, .messageID) }
            return k
        }
        guard !keyed.isEmpty else { return }
        try await store.learn(keyed)
    }

    public func show(_ address: String) async throws -> AddressHistory {
        guard let a = SenderHistoryPlan.addressKey(address) else { throw HistoryError("'\(address)' is not an address") }
        var h = try await store.address(keyer.key(a, .address), domain: keyer.key(SenderHistoryPlan.domain(ofKey: a), .domain))
        h.address = a
        return h
    }

    /// Forgets what expired (`expire_days`, `message_id_days`) and trims tables to `max_entries`.
    public func prune(now: Date = Date()) async throws -> Int {
        try await store.prune(seenBefore: now.addingTimeInterval(-Double(settings.expireDays) * 86_400),
                              messageIDsBefore: now.addingTimeInterval(-Double(settings.messageIDDays) * 86_400),
                              maxEntries: settings.maxEntries)
    }
}

/// A small lock-protected value.
final class Locked<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    var current: T { lock.withLock { value } }
    func withLock<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
}

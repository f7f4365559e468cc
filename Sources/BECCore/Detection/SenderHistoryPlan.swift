import Foundation

/// What the core needs to know about sender history besides the store: which sessions count as
/// outbound submission, and which display names are too generic to bind to one address.
public struct HistoryPolicy: Sendable, Equatable {
    /// Postfix `{daemon_name}` values that mark our own submission service (Postfix's
    /// `-o milter_macro_daemon_name=ORIGINATING` idiom). A SASL-authenticated session counts too.
    public var outboundDaemonNames: Set<String>
    /// Display-name words that make a name a role, not a person ("Accounts Payable", "IT Support"):
    /// such names are never bound to an address.
    public var genericNameWords: Set<String>
    /// Thread ids looked up per message at most (In-Reply-To first, then the newest References).
    public var maxThreadIDs: Int
    /// Recipients looked up or learned per message at most (the rest are ignored, not an error).
    public var maxRecipients = 200
    /// Reply-To addresses looked up or learned per message at most.
    public var maxReplyTos = 10

    public static let defaultGenericWords: Set<String> = [
        "accounts", "account", "payable", "receivable", "billing", "invoice", "invoices", "invoicing", "customer",
        "service", "services", "support", "team", "department", "dept", "noreply", "reply", "info", "admin",
        "administrator", "notification", "notifications", "notice", "sales", "hr", "payroll", "finance", "office",
        "help", "helpdesk", "desk", "security", "alert", "alerts", "newsletter", "marketing", "mail", "mailer",
        "daemon", "system", "calendar", "treasury", "operations", "orders", "order", "shipping", "purchasing",
        "procurement", "it", "the", "via", "on", "behalf", "of", "and", "group", "news", "updates", "bank",
        "payments", "payment", "remittance", "statements", "statement", "reception", "contact", "general",
    ]

    public init(outboundDaemonNames: Set<String> = ["ORIGINATING"], genericNameWords: Set<String> = HistoryPolicy.defaultGenericWords,
                maxThreadIDs: Int = 20) {
        self.outboundDaemonNames = outboundDaemonNames
        self.genericNameWords = genericNameWords
        self.maxThreadIDs = maxThreadIDs
    }
}

/// What to look up in the history store for one inbound message. Keys are normalized here
/// (lower-case addresses with ASCII domains, display-name skeletons, bare message ids); the
/// store may hash them.
public struct HistoryQuery: Sendable, Equatable, Codable {
    public var sender: String
    public var senderDomain: String
    /// Our recipients (envelope, or To/Cc when no envelope is known).
    public var recipients: [String]
    /// The From display name's key (see `SenderHistoryPlan.nameKey`), nil when generic or absent.
    public var nameKey: String?
    public var replyTos: [String]
    public var threadIDs: [String]

    public init(sender: String, senderDomain: String, recipients: [String] = [], nameKey: String? = nil,
                replyTos: [String] = [], threadIDs: [String] = []) {
        self.sender = sender
        self.senderDomain = senderDomain
        self.recipients = recipients
        self.nameKey = nameKey
        self.replyTos = replyTos
        self.threadIDs = threadIDs
    }
}

/// What one delivered message teaches. Built only from mail that cannot be forged: outbound
/// submission (SASL or our submission daemon) or inbound mail with an aligned DKIM/DMARC pass in
/// our own Authentication-Results. Anything else teaches at most its Message-ID, and only when
/// it was accepted clean.
public struct HistoryLesson: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable { case outbound, inbound, ledgerOnly = "ledger_only" }

    public struct Pair: Sendable, Equatable, Codable, Hashable {
        /// Our person.
        public var local: String
        /// The outside correspondent.
        public var remote: String
        public init(local: String, remote: String) { self.local = local; self.remote = remote }
    }

    public struct Correspondent: Sendable, Equatable, Codable {
        public var address: String
        public var domain: String
        public init(address: String, domain: String) { self.address = address; self.domain = domain }
        public init(_ address: String) { self.init(address: address, domain: SenderHistoryPlan.domain(ofKey: address)) }
    }

    public struct Binding: Sendable, Equatable, Codable {
        public var nameKey: String
        public var address: String
        public var domain: String
        /// Outbound (our own people, authenticated) may add a binding for any name; inbound may
        /// only bind a name that is not yet bound to an address at another domain, so an attacker's
        /// authenticated freemail account cannot take over a known name.
        public var authoritative: Bool
        public init(nameKey: String, address: String, domain: String, authoritative: Bool) {
            self.nameKey = nameKey; self.address = address; self.domain = domain; self.authoritative = authoritative
        }
    }

    public struct ReplyTo: Sendable, Equatable, Codable {
        public var sender: String
        public var replyTo: String
        public init(sender: String, replyTo: String) { self.sender = sender; self.replyTo = replyTo }
    }

    public var direction: Direction
    /// Outside addresses that become known correspondents of the organization (outbound only).
    public var correspondents: [Correspondent]
    public var pairs: [Pair]
    public var bindings: [Binding]
    public var replyTos: [ReplyTo]
    public var messageIDs: [String]
    /// When it happened; nil means "now" (imports pass the log's time).
    public var time: Date?

    public init(direction: Direction, correspondents: [Correspondent] = [], pairs: [Pair] = [], bindings: [Binding] = [],
                replyTos: [ReplyTo] = [], messageIDs: [String] = [], time: Date? = nil) {
        self.direction = direction
        self.correspondents = correspondents
        self.pairs = pairs
        self.bindings = bindings
        self.replyTos = replyTos
        self.messageIDs = messageIDs
        self.time = time
    }

    public var isEmpty: Bool { correspondents.isEmpty && pairs.isEmpty && bindings.isEmpty && replyTos.isEmpty && messageIDs.isEmpty }
}

/// The pure part of sender history: which keys a message is looked up by, and what a message
/// may teach. The adapters (milter, `check`, `history import`) do the I/O.
public enum SenderHistoryPlan {
    /// Lower-case address with an ASCII domain; nil for an address without a domain.
    public static func addressKey(_ a: MailAddress) -> String? {
        a.asciiDomain.isEmpty || a.localPart.isEmpty ? nil : a.normalized
    }

    /// Lower-cases an address string already split by the caller (envelope, logs).
    public static func addressKey(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: CharacterSet(charactersIn: " <>\t")).lowercased()
        guard let at = t.lastIndex(of: "@"), at != t.startIndex, t.index(after: at) != t.endIndex else { return nil }
        return t
    }

    public static func domain(ofKey key: String) -> String {
        key.lastIndex(of: "@").map { String(key[key.index(after: $0)...]) } ?? ""
    }

    /// A person's display name as a key that survives case, accents, word order, invisible
    /// characters and confusables: the sorted words' confusable skeleton. Nil when the name has
    /// fewer than two words, holds a generic role word, or is an address.
    public static func nameKey(_ displayName: String, policy: HistoryPolicy, services: any UnicodeServices) -> String? {
        let (visible, _) = TextNormalizer.stripInvisible(displayName)
        if visible.contains("@") { return nil }
        let words = TextNormalizer.words(visible, services: services).filter { !$0.isEmpty }
        guard words.count >= 2, words.count <= 5 else { return nil }
        if words.contains(where: { policy.genericNameWords.contains($0) || $0.allSatisfy(\.isNumber) }) { return nil }
        return services.skeleton(words.sorted().joined(separator: " "))
    }

    /// A message id without angle brackets, lower-cased (ids are compared case-insensitively
    /// here: some MUAs change the case of the domain part when they quote it).
    public static func messageIDKey(_ id: String) -> String? {
        let t = id.trimmingCharacters(in: CharacterSet(charactersIn: " <>\t\r\n")).lowercased()
        return t.isEmpty || t.count > 250 ? nil : t
    }

    /// Whether the session was our own outbound submission.
    public static func isOutbound(_ m: Message, policy: HistoryPolicy) -> Bool {
        if let u = m.envelope.authenticatedUser, !u.isEmpty { return true }
        if let d = m.envelope.daemonName, policy.outboundDaemonNames.contains(d) { return true }
        return false
    }

    /// The message's recipients (envelope, or To/Cc when no envelope is known), ours or the
    /// outside ones.
    static func recipients(_ ctx: DetectionContext, ours: Bool) -> [String] {
        let m = ctx.message
        let all = m.envelope.recipients.isEmpty ? (m.to + m.cc).compactMap(addressKey) : m.envelope.recipients.compactMap(addressKey)
        return unique(all.filter { ctx.isOwnDomain(domain(ofKey: $0)) == ours })
    }

    static func threadIDs(_ m: Message, max: Int) -> [String] {
        var ids = m.inReplyTo.compactMap(messageIDKey)
        for r in m.references.reversed().compactMap(messageIDKey) where !ids.contains(r) { ids.append(r) }
        return Array(unique(ids).prefix(max))
    }

    public static func unique(_ a: [String]) -> [String] {
        var seen = Set<String>()
        return a.filter { seen.insert($0).inserted }
    }
}

extension Pipeline {
    /// The keys to look up for `message`, or nil when history has nothing to say about it
    /// (no usable From, our own outbound mail).
    public func historyQuery(_ message: Message) -> HistoryQuery? {
        let hp = policy.history
        guard !SenderHistoryPlan.isOutbound(message, policy: hp), let from = message.fromAddress,
              let sender = SenderHistoryPlan.addressKey(from) else { return nil }
        let ctx = DetectionContext(message: message, policy: policy, services: services)
        if ctx.isInternal { return nil }
        return HistoryQuery(
            sender: sender, senderDomain: from.asciiDomain,
            recipients: Array(SenderHistoryPlan.recipients(ctx, ours: true).prefix(hp.maxRecipients)),
            nameKey: SenderHistoryPlan.nameKey(from.displayName, policy: hp, services: services),
            replyTos: Array(SenderHistoryPlan.unique(message.replyTo.compactMap(SenderHistoryPlan.addressKey).filter { $0 != sender }).prefix(hp.maxReplyTos)),
            threadIDs: SenderHistoryPlan.threadIDs(message, max: hp.maxThreadIDs))
    }

    /// What `message` teaches once delivered with `verdict`, or nil. Outbound submission teaches
    /// its outside recipients, the sender↔recipient pairs, our sender's name binding and its
    /// Message-ID. Inbound mail teaches its sender, pairs, name binding and Reply-To only with an
    /// aligned DKIM/DMARC pass from our own authserv-id and an accept verdict; other inbound mail
    /// accepted clean teaches only its Message-ID (for the thread ledger).
    public func historyLesson(_ message: Message, verdict: Verdict?) -> HistoryLesson? {
        let hp = policy.history
        let ctx = DetectionContext(message: message, policy: policy, services: services)
        let msgIDs = message.messageID.flatMap(SenderHistoryPlan.messageIDKey).map { [$0] } ?? []
        guard let from = message.fromAddress, let sender = SenderHistoryPlan.addressKey(from) else {
            return msgIDs.isEmpty || verdict?.action != .accept ? nil : HistoryLesson(direction: .ledgerOnly, messageIDs: msgIDs)
        }
        let name = SenderHistoryPlan.nameKey(from.displayName, policy: hp, services: services)
        if SenderHistoryPlan.isOutbound(message, policy: hp) {
            guard policy.internalMail == .learn else { return nil }
            // Only our own addresses teach: an authenticated user writing as someone else's domain
            // (a forwarding service, a misconfigured client) says nothing about our correspondents.
            guard ctx.isOwnDomain(from.asciiDomain) else { return nil }
            let outside = Array(SenderHistoryPlan.recipients(ctx, ours: false).prefix(hp.maxRecipients))
            var l = HistoryLesson(direction: .outbound, correspondents: outside.map(HistoryLesson.Correspondent.init),
                                  pairs: outside.map { .init(local: sender, remote: $0) }, messageIDs: msgIDs)
            if let name { l.bindings = [.init(nameKey: name, address: sender, domain: from.asciiDomain, authoritative: true)] }
            return l
        }
        guard verdict?.action == .accept else { return nil }
        if ctx.isInternal || ctx.isOwnDomain(from.asciiDomain) || !ctx.alignedPass(from.asciiDomain) || message.from.count != 1 {
            return msgIDs.isEmpty ? nil : HistoryLesson(direction: .ledgerOnly, messageIDs: msgIDs)
        }
        // Inbound mail never makes a sender known to the whole organization (only our own outbound
        // mail does): one clean, signed message from an attacker's own domain must not buy the next
        // one out of first contact everywhere. It teaches the pairs with its recipients.
        var l = HistoryLesson(direction: .inbound,
                              pairs: SenderHistoryPlan.recipients(ctx, ours: true).prefix(hp.maxRecipients).map { .init(local: $0, remote: sender) }, messageIDs: msgIDs)
        if let name { l.bindings = [.init(nameKey: name, address: sender, domain: from.asciiDomain, authoritative: false)] }
        l.replyTos = SenderHistoryPlan.unique(message.replyTo.compactMap(SenderHistoryPlan.addressKey).filter { $0 != sender })
            .prefix(hp.maxReplyTos).map { .init(sender: sender, replyTo: $0) }
        return l
    }
}

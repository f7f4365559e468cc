import ArgumentParser
import BECCore
import BECHistory
import BECRules
import Foundation
import Logging

/// `bec-milter history`: seed, inspect and prune the sender-history store.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "Sender history: import, show, prune, stats.",
        subcommands: [Import.self, Show.self, Prune.self, Stats.self])

    static func open(_ config: String?) async throws -> (Runtime, HistoryService) {
        let rt = try Runtime.forCommand(configPath: config)
        do { return (rt, try await HistoryService.open(rt.config.history)) } catch {
            printError("bec-milter: history store \(HistoryService.describe(rt.config.history)): \(error)")
            throw ExitCode(1)
        }
    }

    /// `history import`: seeds the store so a new install does not start blind.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Learn from a Postfix mail log or from an mbox/Maildir of sent mail, then end the warm-up.",
            discussion: """
            postfix-log: a message counts as ours going out when Postfix logged a sasl_username for it, or when \
            its envelope sender is at one of our domains and the smtp transport delivered it (status=sent) to an \
            outside recipient — Postfix relayed it, so it came from a client allowed to relay. Teaches the \
            recipients, the sender-recipient pairs and the Message-IDs (the log has no display names).
            mbox / maildir: sent mail; each message whose From is at one of our domains teaches its outside \
            To/Cc/Bcc recipients, our sender's display name and its Message-ID. Other messages are skipped.
            """)
        enum Format: String, ExpressibleByArgument, CaseIterable { case auto, postfixLog = "postfix-log", mbox, maildir }

        @Option(name: .long, help: "Main config file.") var config: String?
        @Option(name: .long, help: "auto, postfix-log, mbox or maildir.") var format: Format = .auto
        @Flag(name: .long, help: "Count what would be learned; write nothing.") var dryRun = false
        @Argument(help: "Log files, mbox files or Maildir directories.") var paths: [String]

        func run() async throws {
            let (rt, service) = try await HistoryCommand.open(config)
            var policy = rt.config.policy
            policy.internalMail = .learn
            let pipeline = Pipeline(policy: policy, services: rt.services)
            var lessons: [HistoryLesson] = []
            var skipped = 0
            for path in paths {
                let f = format == .auto ? Self.detect(path) : format
                switch f {
                case .postfixLog, .auto:
                    guard let data = FileManager.default.contents(atPath: path) else {
                        printError("cannot read \(path)"); throw ExitCode(1)
                    }
                    let r = PostfixLogImporter(policy: policy).lessons(String(decoding: data, as: UTF8.self))
                    lessons += r.lessons
                    skipped += r.skipped
                case .mbox, .maildir:
                    let messages = f == .mbox ? MailboxReader.mbox(path) : MailboxReader.maildir(path)
                    for raw in messages {
                        var m = pipeline.parse(raw)
                        m.envelope = MessageFiles.envelope(for: m, authUser: "history-import")
                        m.envelope.recipients = (m.to + m.cc + Self.bcc(m, rt.services)).map(\.address).filter { !$0.isEmpty }
                        if var l = pipeline.historyLesson(m, verdict: nil), l.direction == .outbound {
                            l.time = m.headers.first("date").flatMap { Self.rfc5322Date($0.value) }
                            lessons.append(l)
                        } else {
                            skipped += 1
                        }
                    }
                }
            }
            let recipients = Set(lessons.flatMap { $0.correspondents.map(\.address) })
            let pairs = lessons.reduce(0) { $0 + $1.pairs.count }
            let ids = lessons.reduce(0) { $0 + $1.messageIDs.count }
            let names = Set(lessons.flatMap { $0.bindings.map(\.nameKey) })
            if !dryRun {
                for l in lessons { try await service.learn(l) }
                if !lessons.isEmpty { try await service.markSeeded() }
            }
            print("\(dryRun ? "would learn" : "learned") from \(lessons.count) messages: \(recipients.count) correspondents, \(pairs) sender-recipient pairs, " +
                  "\(names.count) names, \(ids) message ids; skipped \(skipped) (not our outbound mail)")
            if !dryRun && !lessons.isEmpty { print("history seeded: first-contact findings start now (warm-up over)") }
        }

        static func detect(_ path: String) -> Format {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue { return .maildir }
            guard let h = FileHandle(forReadingAtPath: path) else { return .postfixLog }
            defer { try? h.close() }
            let head = String(decoding: h.readData(ofLength: 5), as: UTF8.self)
            return head == "From " ? .mbox : .postfixLog
        }

        static func bcc(_ m: Message, _ services: any UnicodeServices) -> [MailAddress] {
            var defects: [Defect] = []
            let parser = AddressParser(services: services)
            return m.headers.all("bcc").flatMap { parser.parseList($0.value, defects: &defects) }
        }

        static func rfc5322Date(_ s: String) -> Date? {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: #"\s*\([^)]*\)\s*$"#, with: "", options: .regularExpression)
            for p in ["EEE, d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm:ss Z", "EEE, d MMM yyyy HH:mm Z", "EEE, d MMM yy HH:mm:ss Z"] {
                f.dateFormat = p
                if let d = f.date(from: t) { return d }
            }
            return nil
        }
    }

    /// `history show ADDRESS`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "What history knows about an address.")
        @Option(name: .long, help: "Main config file.") var config: String?
        @Flag(name: .long, help: "JSON instead of text.") var json = false
        @Argument(help: "An email address.") var address: String

        func run() async throws {
            let (_, service) = try await HistoryCommand.open(config)
            let h: AddressHistory
            do { h = try await service.show(address) } catch { printError("bec-milter: \(error)"); throw ExitCode(1) }
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                e.dateEncodingStrategy = .iso8601
                print(String(decoding: try e.encode(h), as: UTF8.self))
                return
            }
            let iso = ISO8601DateFormatter()
            print("address:        \(h.address)")
            print("known:          \(h.known ? "yes" : "no (first contact)")")
            if h.known {
                print("first seen:     \(h.firstSeen.map(iso.string) ?? "-")")
                print("last seen:      \(h.lastSeen.map(iso.string) ?? "-")")
                print("messages:       \(h.messagesFromUs) from us, \(h.messagesToUs) authenticated to us")
            }
            print("domain known:   \(h.domainKnown ? "yes" : "no")")
            print("correspondents: \(h.correspondents.isEmpty ? "-" : h.correspondents.joined(separator: ", "))")
            print("names:          \(h.names.isEmpty ? "-" : h.names.joined(separator: ", "))")
            print("reply-to seen:  \(h.replyTos.isEmpty ? "-" : h.replyTos.joined(separator: ", "))")
            if service.keyer.isHashed { print("(keys are hashed: correspondents, names and Reply-Tos show as hashes)") }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "prune", abstract: "Forget expired entries now (the milter also does it hourly).")
        @Option(name: .long, help: "Main config file.") var config: String?
        func run() async throws {
            let (_, service) = try await HistoryCommand.open(config)
            print("pruned \(try await service.prune()) rows")
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Rows per table and whether history findings are active.")
        @Option(name: .long, help: "Main config file.") var config: String?
        func run() async throws {
            let (rt, service) = try await HistoryCommand.open(config)
            print("store: \(HistoryService.describe(rt.config.history))\(service.keyer.isHashed ? " (hashed keys)" : "")")
            for (t, n) in try await service.store.counts().sorted(by: { $0.key < $1.key }) { print("\(t): \(n)") }
            print("findings active: \(try await service.isWarm() ? "yes" : "no (warming up: learning only until warmup_days pass or `history import` runs)")")
        }
    }
}

/// Splits mbox files and reads Maildir directories.
enum MailboxReader {
    /// mboxrd/mboxo: messages start at "From " lines; ">From " quoting is undone one level.
    static func mbox(_ path: String) -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        var out: [[UInt8]] = []
        var current: [UInt8] = []
        var started = false
        for line in Array(data).split(separator: 0x0A, omittingEmptySubsequences: false) {
            if line.starts(with: Array("From ".utf8)) {
                if started { out.append(current) }
                current = []
                started = true
                continue
            }
            guard started else { continue }
            var l = Array(line)
            if l.first == UInt8(ascii: ">"), l.drop(while: { $0 == UInt8(ascii: ">") }).starts(with: Array("From ".utf8)) { l.removeFirst() }
            current += l + [0x0A]
        }
        if started { out.append(current) }
        return out
    }

    static func maildir(_ path: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for sub in ["cur", "new"] {
            let dir = path + "/" + sub
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            for n in names.sorted() where !n.hasPrefix(".") {
                if let d = FileManager.default.contents(atPath: dir + "/" + n) { out.append(Array(d)) }
            }
        }
        return out
    }
}

/// Reads Postfix's mail log: per queue id, the client's SASL login, the envelope sender, the
/// message id, and each recipient the smtp transport delivered.
struct PostfixLogImporter {
    let policy: Policy

    struct Queued {
        var sasl = false
        var from: String?
        var messageID: String?
        var sent: [String] = []
        var time: Date?
    }

    func isOurs(_ addr: String) -> Bool {
        let d = SenderHistoryPlan.domain(ofKey: addr)
        return policy.organization.domains.contains { d == $0 || d.hasSuffix("." + $0) }
    }

    func lessons(_ text: String) -> (lessons: [HistoryLesson], skipped: Int) {
        var q: [String: Queued] = [:]
        var out: [HistoryLesson] = []
        var skipped = 0
        func finish(_ id: String) {
            guard let m = q.removeValue(forKey: id) else { return }
            guard let from = m.from.flatMap(SenderHistoryPlan.addressKey), isOurs(from) || m.sasl else { skipped += 1; return }
            let outside = SenderHistoryPlan.unique(m.sent.compactMap(SenderHistoryPlan.addressKey).filter { !isOurs($0) })
            guard !outside.isEmpty, m.sasl || isOurs(from) else { skipped += 1; return }
            out.append(HistoryLesson(direction: .outbound, correspondents: outside.map(HistoryLesson.Correspondent.init),
                                     pairs: isOurs(from) ? outside.map { HistoryLesson.Pair(local: from, remote: $0) } : [],
                                     messageIDs: m.messageID.flatMap(SenderHistoryPlan.messageIDKey).map { [$0] } ?? [], time: m.time))
        }
        for raw in text.split(separator: "\n") {
            let line = Substring(raw)
            guard let p = line.range(of: " postfix") else { continue }
            let rest = line[p.upperBound...]
            guard let colon = rest.range(of: "]: ") else { continue }
            let program = rest[..<colon.lowerBound]   // e.g. "/smtp[123" or "/submission/smtpd[42"
            let body = rest[colon.upperBound...]
            guard let idEnd = body.range(of: ": ") else { continue }
            let id = String(body[..<idEnd.lowerBound])
            guard id.count >= 5, id.allSatisfy({ $0.isLetter || $0.isNumber }) else { continue }
            let msg = body[idEnd.upperBound...]
            if q[id] == nil { q[id] = Queued(time: Self.time(line[..<p.lowerBound])) }
            if msg.contains("sasl_username=") { q[id]?.sasl = true }
            if program.hasSuffix("/cleanup") || program.contains("/cleanup["), let v = Self.field(msg, "message-id=") { q[id]?.messageID = v }
            if program.contains("/qmgr["), let v = Self.field(msg, "from=") { q[id]?.from = v }
            if program.contains("/smtp["), msg.contains("status=sent"), let v = Self.field(msg, "to=") { q[id]?.sent.append(v) }
            if program.contains("/qmgr["), msg.hasPrefix("removed") { finish(id) }
        }
        for id in Array(q.keys) { finish(id) }
        return (out, skipped)
    }

    /// `key=<value>` or `key=value,`.
    static func field(_ s: Substring, _ key: String) -> String? {
        guard let r = s.range(of: key) else { return nil }
        var v = s[r.upperBound...]
        if v.hasPrefix("<") { v = v.dropFirst(); return v.firstIndex(of: ">").map { String(v[..<$0]) } }
        return String(v.prefix { $0 != "," && $0 != " " })
    }

    /// "Nov 29 08:00:01 host" (the year is guessed: this year, or last year if that would be in the
    /// future) or an RFC 3339 stamp.
    static func time(_ prefix: Substring) -> Date? {
        let parts = prefix.split(separator: " ")
        if let first = parts.first, first.contains("T"), first.count >= 19 {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let d = f.date(from: String(first)) { return d }
            f.formatOptions = [.withInternetDateTime]
            return f.date(from: String(first))
        }
        guard parts.count >= 3 else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone.current
        f.dateFormat = "yyyy MMM d HH:mm:ss"
        let year = Calendar.current.component(.year, from: Date())
        guard let d = f.date(from: "\(year) \(parts[0]) \(parts[1]) \(parts[2])") else { return nil }
        return d > Date().addingTimeInterval(86_400) ? f.date(from: "\(year - 1) \(parts[0]) \(parts[1]) \(parts[2])") : d
    }
}

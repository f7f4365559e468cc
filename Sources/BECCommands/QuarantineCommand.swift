import ArgumentParser
import BECCore
import BECQuarantine
import BECRules
import Foundation

/// `bec-milter quarantine list|show|release|delete|mark|import|purge`: the quarantine from the command
/// line, on the same store the milter and the web UI use.
struct QuarantineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine", abstract: "List, show, release and delete quarantined messages.",
        subcommands: [List.self, Show.self, Release.self, Delete.self, Mark.self, Import.self, Purge.self])

    struct StoreOptions: ParsableArguments {
        @Option(name: .long, help: "Main config file (its quarantine: and state_dir keys; default: the embedded defaults).") var config: String?
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List quarantined messages, newest first.")
        @OptionGroup var store: StoreOptions
        @Option(help: "held, released, deleted, confirmed_bec, false_positive or pending.") var status: String?
        @Option(help: "Received on or after this day (YYYY-MM-DD, UTC).") var since: String?
        @Option(help: "Received on or before this day (YYYY-MM-DD, UTC).") var until: String?
        @Option(help: "Substring of the envelope sender or From.") var sender: String?
        @Option(help: "Substring of a recipient.") var recipient: String?
        @Option(name: .customLong("min-score")) var minScore: Double?
        @Option(name: .customLong("max-score")) var maxScore: Double?
        @Option(help: "A finding symbol, e.g. IMPERSONATE_EXECUTIVE.") var symbol: String?
        @Option(help: "Free text: subject, addresses, queue id, evidence.") var search: String?
        @Option var limit = 50
        @Option var offset = 0
        @Flag(help: "One JSON object per message.") var json = false

        func run() async throws {
            var statuses: Set<QuarantineStatus> = []
            if let status {
                if status == "pending" { statuses = QuarantineStatus.pending } else {
                    guard let s = QuarantineStatus(rawValue: status) else { throw ValidationError("unknown status '\(status)'") }
                    statuses = [s]
                }
            }
            let since = try since.map { try QuarantineCLI.day($0) }
            let until = try until.map { try QuarantineCLI.day($0).addingTimeInterval(86_400) }
            let filter = QuarantineFilter(statuses: statuses, since: since, until: until, sender: sender, recipient: recipient,
                                          minScore: minScore, maxScore: maxScore, symbol: symbol, text: search, offset: offset, limit: limit)
            try await QuarantineCLI.withStore(store.config) { s, _ in
                let page = try await s.list(filter)
                for m in page.items {
                    if json { print(QuarantineCLI.json(m)) } else {
                        print("\(m.id)  \(QuarantineCLI.time(m.receivedAt))  \(m.status.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0)) "
                              + "\(VerdictFormatter.format(m.score).padding(toLength: 5, withPad: " ", startingAt: 0)) \(m.mailFrom ?? "-") -> "
                              + "\(m.recipients.joined(separator: ",")) \"\(m.subject.prefix(60))\"")
                    }
                }
                if !json { print("\(page.items.count) of \(page.total) shown") }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a message's verdict, envelope and audit trail (or its raw bytes).")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Write the original message bytes to standard output.") var raw = false
        @Argument var id: String

        func run() async throws {
            try await QuarantineCLI.withStore(store.config) { s, _ in
                guard let r = try await s.get(id) else { throw QuarantineError(.notFound, "no quarantined message \(id)") }
                if raw {
                    FileHandle.standardOutput.write(Data(r.raw))
                    return
                }
                let e = r.envelope
                print("id: \(r.id)\nstatus: \(r.status.rawValue)\nreceived: \(QuarantineCLI.time(r.receivedAt))\nhost: \(r.host)")
                print("queue id: \(e.queueID ?? "-")\nmail from: \(e.mailFrom ?? "-")\nrecipients: \(e.recipients.joined(separator: ", "))")
                print("client: \(e.clientAddress ?? "-") \(e.clientName ?? "") helo \(e.helo ?? "-")\nfrom: \(r.fromHeader)\nsubject: \(r.subject)\nsize: \(r.size)")
                VerdictFormatter.explain(r.verdict).forEach { print($0) }
                print("audit:")
                for a in try await s.audit(id) {
                    let move = [a.fromStatus?.rawValue, a.toStatus?.rawValue].compactMap { $0 }.joined(separator: " -> ")
                    print("  \(QuarantineCLI.time(a.at))  \(a.actor)  \(a.action)  \(move)  \(a.detail)")
                }
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver held messages exactly as received (postsuper -H, else the SMTP relay).")
        @OptionGroup var store: StoreOptions
        @Argument var ids: [String]

        func run() async throws {
            try await QuarantineCLI.each(ids, store.config) { actions, id in try await actions.release(id, by: QuarantineCLI.actor) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete held messages from the Postfix hold queue and mark them deleted.")
        @OptionGroup var store: StoreOptions
        @Argument var ids: [String]

        func run() async throws {
            try await QuarantineCLI.each(ids, store.config) { actions, id in try await actions.delete(id, by: QuarantineCLI.actor) }
        }
    }

    struct Mark: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark held messages false_positive, confirmed_bec, or back to held.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("as"), help: "false_positive, confirmed_bec or held.") var status: String
        @Argument var ids: [String]

        func run() async throws {
            guard let s = QuarantineStatus(rawValue: status) else { throw ValidationError("unknown status '\(status)'") }
            try await QuarantineCLI.each(ids, store.config) { actions, id in
                try await actions.mark(id, as: s, by: QuarantineCLI.actor)
                return "marked \(s.rawValue)"
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score .eml files and store them as held (seeding a store for tests and demos); prints each new id.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("policy-config"), help: "Config whose people, vendors and rules score the messages (default: --config).") var policyConfig: String?
        @Option(name: .customLong("mail-from"), help: "Envelope sender (default: Return-Path).") var mailFrom: String?
        @Option(name: .customLong("rcpt"), help: "Envelope recipient; repeatable (default: To and Cc).") var rcpt: [String] = []
        @Option(name: .customLong("queue-id"), help: "Postfix queue id of the held copy.") var queueID: String?
        @Argument(help: "Message files.") var files: [String]

        func run() async throws {
            let rt: Runtime
            do { rt = try Runtime(configPath: policyConfig ?? store.config) } catch {
                printError("bec-milter: \(error)")
                throw ExitCode(2)
            }
            try await QuarantineCLI.withStore(store.config) { s, _ in
                for file in files {
                    guard let bytes = MessageFiles.read(file) else { throw QuarantineError(.invalid, "cannot read \(file)") }
                    var m = rt.pipeline.parse(bytes)
                    m.envelope = MessageFiles.envelope(for: m, mailFrom: mailFrom, rcpt: rcpt)
                    m.envelope.queueID = queueID
                    let verdict = rt.pipeline.evaluate(m)
                    let record = QuarantineRecord(message: m, verdict: verdict, raw: bytes)
                    try await s.put(record, actor: QuarantineCLI.actor)
                    print(record.id)
                }
            }
        }
    }

    struct Purge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply retention now (the web UI also does it hourly).")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("max-age-days"), help: "Override quarantine.retention.max_age_days.") var maxAgeDays: Int?
        @Option(name: .customLong("max-total-mb"), help: "Override quarantine.retention.max_total_mb.") var maxTotalMB: Int?

        func run() async throws {
            try await QuarantineCLI.withStore(store.config) { s, settings in
                var policy = QuarantineCLI.retention(settings)
                if let maxAgeDays { policy.maxAge = TimeInterval(maxAgeDays) * 86_400 }
                if let maxTotalMB { policy.maxTotalBytes = maxTotalMB << 20 }
                let r = try await s.purge(policy, now: Date())
                print("purged \(r.byAge) by age, \(r.bySize) by size, \(r.bytesFreed) bytes")
            }
        }
    }
}

/// Shared by the quarantine, users and web commands: settings to store, releaser and retention.
enum QuarantineCLI {
    static func settings(_ configPath: String?) throws -> QuarantineSettings {
        do { return try QuarantineSettings.load(configPath: configPath) } catch {
            printError("bec-milter: \(error)")
            throw ExitCode(2)
        }
    }

    static func location(_ s: QuarantineSettings) -> StoreLocation {
        switch s.store {
        case .sqlite: .sqlite(path: s.resolvedSQLitePath())
        case .postgres: .postgres(url: s.postgresURL ?? "")
        }
    }

    /// The configured release method. `auto` (the default): Postfix's hold queue, where the milter's
    /// quarantine put the message, else the SMTP relay when one is configured.
    static func releaser(_ s: QuarantineSettings) -> any Releaser {
        // postqueue -i after postsuper -H: else the released message waits for the next deferred-queue scan (up to 5 minutes).
        let postsuper = PostsuperReleaser(command: s.postsuperCommand, postqueue: PostsuperReleaser.postqueue(besides: s.postsuperCommand))
        let smtp = s.smtpRelayHostPort.map { SMTPReleaser(host: $0.host, port: $0.port, helo: s.smtpHelo) }
        switch s.releaseMethod {
        case .auto: return smtp.map { FallbackReleaser(primary: postsuper, fallback: $0) } ?? postsuper
        case .postsuper: return postsuper
        case .smtp: return smtp ?? DisabledReleaser()
        case .none: return DisabledReleaser()
        }
    }

    static func retention(_ s: QuarantineSettings) -> RetentionPolicy {
        RetentionPolicy(maxAge: s.retentionMaxAgeDays.map { TimeInterval($0) * 86_400 }, maxTotalBytes: s.retentionMaxTotalMB.map { $0 << 20 })
    }

    /// Opens the store, runs `body`, closes the store; store errors exit 1 with their message.
    static func withStore(_ configPath: String?, _ body: (any QuarantineStore, QuarantineSettings) async throws -> Void) async throws {
        let settings = try settings(configPath)
        let store: any QuarantineStore
        do { store = try await location(settings).open() } catch {
            printError("bec-milter: \(error)")
            throw ExitCode(1)
        }
        do {
            try await body(store, settings)
            await store.close()
        } catch let e as QuarantineError {
            await store.close()
            printError("bec-milter: \(e)")
            throw ExitCode(1)
        } catch {
            await store.close()
            throw error
        }
    }

    /// Runs an action per id; every failure is reported, and any makes the exit status 1.
    static func each(_ ids: [String], _ configPath: String?,
                     _ action: @escaping (QuarantineActions<AnyQuarantineStore>, String) async throws -> String) async throws {
        var failed = false
        try await withStore(configPath) { s, settings in
            let actions = QuarantineActions(store: AnyQuarantineStore(s), releaser: releaser(settings))
            for id in ids {
                do { print("\(id): \(try await action(actions, id))") } catch {
                    printError("\(id): \(error)")
                    failed = true
                }
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// Who the audit trail names for command-line actions.
    static var actor: String {
        let env = ProcessInfo.processInfo.environment
        let login = getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) }
        return "cli:" + (env["SUDO_USER"] ?? login ?? env["USER"] ?? String(getuid()))
    }

    static func day(_ s: String) throws -> Date {
        let p = s.split(separator: "-").compactMap { Int($0) }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        guard p.count == 3, let d = cal.date(from: DateComponents(year: p[0], month: p[1], day: p[2])) else {
            throw ValidationError("'\(s)' is not a day (YYYY-MM-DD)")
        }
        return d
    }

    static func time(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return (try? e.encode(v)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

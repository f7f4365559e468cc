import ArgumentParser
import BECCore
import BECHistory
import Foundation

/// `bec-milter check`: runs the whole pipeline on message files and prints the verdicts.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Score message files (or - for standard input) and explain the verdicts.")

    @Option(name: .long, help: "Main config file (default: the embedded defaults).") var config: String?
    @Flag(name: .long, help: "One JSON object per input, one per line.") var json = false
    @Flag(name: .long, help: "Also show the parsed structure.") var dump = false
    @Option(name: .customLong("mail-from"), help: "Envelope sender (default: the Return-Path header).") var mailFrom: String?
    @Option(name: .customLong("rcpt"), help: "Envelope recipient; repeatable (default: the To and Cc addresses).") var rcpt: [String] = []
    @Option(name: .customLong("client-ip"), help: "SMTP client address (default: from the topmost Received header).") var clientIP: String?
    @Option(name: .customLong("auth-user"), help: "SASL login of an authenticated submission.") var authUser: String?
    @Option(name: .customLong("daemon-name"), help: "Postfix {daemon_name} of the session (e.g. ORIGINATING for our submission service).") var daemonName: String?
    @Flag(name: .long, help: "Consult the configured sender-history store (first contact, name bindings, thread ledger).") var history = false
    @Flag(name: .long, help: "Teach the history store what each message would teach if delivered (implies --history).") var learn = false
    @Argument(help: "Message files, or - for standard input.") var files: [String]

    func run() async throws {
        let rt = try Runtime.forCommand(configPath: config)
        var service: HistoryService? = nil
        if history || learn {
            do { service = try await HistoryService.open(rt.config.history) } catch {
                printError("bec-milter: history store \(HistoryService.describe(rt.config.history)) unavailable: \(error)")
            }
        }
        let failed = await MessageFiles.each(files) { file, bytes in
            let start = ContinuousClock.now
            var message = rt.pipeline.parse(bytes)
            message.envelope = MessageFiles.envelope(for: message, mailFrom: mailFrom, rcpt: rcpt, clientIP: clientIP, authUser: authUser)
            message.envelope.daemonName = daemonName
            var facts: HistoryFacts? = nil
            if history || learn, let q = rt.pipeline.historyQuery(message) {
                if let service { facts = (try? await service.facts(for: q)) ?? .unavailable } else { facts = .unavailable }
            }
            let verdict = rt.pipeline.evaluate(message, history: facts)
            let elapsed = ContinuousClock.now - start
            if learn, let service, verdict.action <= .tag, let lesson = rt.pipeline.historyLesson(message, verdict: verdict) {
                do { try await service.learn(lesson) } catch { printError("bec-milter: history learn: \(error)") }
            }
            if json {
                var r = CheckResult(file: file, message: message, verdict: verdict)
                r.elapsed_ms = elapsed.milliseconds
                print(r.jsonLine())
            } else {
                print(Report.text(file: file, message: message, verdict: verdict, dump: dump))
            }
        }
        if failed { throw ExitCode(1) }
    }
}

/// Reading messages and deriving an envelope the way `check` documents it.
enum MessageFiles {
    /// Calls `body` for each readable file; reports unreadable ones on stderr. Returns whether any failed.
    static func each(_ files: [String], _ body: (String, [UInt8]) async -> Void) async -> Bool {
        var failed = false
        for file in files {
            guard let bytes = read(file) else {
                printError("bec-milter: cannot read \(file)")
                failed = true
                continue
            }
            await body(file, bytes)
        }
        return failed
    }

    static func read(_ path: String) -> [UInt8]? {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue else { return nil }
        return FileManager.default.contents(atPath: path).map { Array($0) }
    }

    static func envelope(for m: Message, mailFrom: String? = nil, rcpt: [String] = [], clientIP: String? = nil, authUser: String? = nil) -> Envelope {
        var env = Envelope()
        env.mailFrom = mailFrom ?? m.returnPath.map { $0.domain.isEmpty ? "" : $0.address }
        env.recipients = rcpt.isEmpty ? (m.to + m.cc).map(\.address).filter { !$0.isEmpty } : rcpt
        env.clientAddress = clientIP ?? topReceivedIP(m)
        env.authenticatedUser = authUser
        return env
    }

    /// The address in brackets in the topmost Received header's "from" clause (our MX wrote it).
    static func topReceivedIP(_ m: Message) -> String? {
        guard let r = m.headers.first("received")?.value, let open = r.firstIndex(of: "["),
              let close = r[open...].firstIndex(of: "]") else { return nil }
        let ip = String(r[r.index(after: open)..<close])
        return CIDR.parseAddress(ip) != nil ? ip.replacingOccurrences(of: "IPv6:", with: "") : nil
    }
}

/// The JSON contract of `check --json`.
struct CheckResult: Encodable {
    struct F: Encodable { var symbol: String; var weight: Double; var evidence: String; var detector: String }
    var file: String
    var action: String
    var score: Double
    var findings: [F]
    var defects: [String]
    var from: String
    var subject: String
    var margin_to_next: Double?
    var recipient_group: String?
    var notes: [String]
    /// Parse plus evaluation time for this message, in milliseconds.
    var elapsed_ms: Double = 0

    init(file: String, message: Message, verdict v: Verdict) {
        self.file = file
        action = v.action.rawValue
        score = v.score
        findings = v.findings.map { F(symbol: $0.symbol, weight: $0.weight, evidence: $0.evidence, detector: $0.detector) }
        defects = v.defects.map(\.description)
        from = message.fromAddress?.description ?? ""
        subject = String(message.subject.prefix(200))
        margin_to_next = v.marginToNext
        recipient_group = v.recipientGroup
        notes = v.notes
    }

    func jsonLine() -> String {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? enc.encode(self) else { return "{\"file\":\"?\",\"action\":\"error\"}" }
        return String(decoding: data, as: UTF8.self)
    }
}

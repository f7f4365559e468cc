import BECCore

/// The readable report of `check` and the structure dump of `parse`.
enum Report {
    static func text(file: String, message m: Message, verdict v: Verdict, dump: Bool) -> String {
        var lines = ["== \(file)"]
        if let f = m.fromAddress {
            lines.append("From: \(f.displayName.isEmpty ? "(no display name)" : "\"\(f.displayName)\"") <\(f.address)>")
        } else {
            lines.append("From: (none)")
        }
        lines.append("Subject: \(m.subject.prefix(200))")
        lines += VerdictFormatter.explain(v)
        if !m.defects.isEmpty { lines.append("defects: " + m.defects.map(\.description).joined(separator: ", ")) }
        if dump { lines += structure(m) }
        return lines.joined(separator: "\n")
    }

    static func structure(_ m: Message) -> [String] {
        var lines = ["-- headers (\(m.headers.count))"]
        for h in m.headers.fields.prefix(200) {
            lines.append("  \(h.name): \(h.decoded.prefix(300))")
        }
        func addrs(_ name: String, _ a: [MailAddress]) {
            for x in a {
                let idn = x.domain != x.asciiDomain ? " [\(x.domain)]" : ""
                lines.append("  \(name): display=\"\(x.displayName)\" address=\(x.address)\(idn)" + (x.group.map { " group=\($0)" } ?? ""))
            }
        }
        lines.append("-- addresses")
        addrs("From", m.from)
        addrs("Sender", m.sender.map { [$0] } ?? [])
        addrs("Reply-To", m.replyTo)
        addrs("To", m.to)
        addrs("Cc", m.cc)
        addrs("Return-Path", m.returnPath.map { [$0] } ?? [])
        lines.append("  envelope: mail_from=\(m.envelope.mailFrom ?? "-") rcpt=\(m.envelope.recipients.joined(separator: ",")) client=\(m.envelope.clientAddress ?? "-")")
        lines.append("-- authentication-results")
        for a in m.authenticationResults {
            lines.append("  [\(a.headerIndex)] \(a.authservID): " + a.results.map { r in
                "\(r.method)=\(r.result)" + r.properties.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            }.joined(separator: "; "))
        }
        lines.append("-- mime")
        m.root.forEach { p in
            let indent = String(repeating: "  ", count: p.path.split(separator: ".").count + 1)
            var s = "\(indent)[\(p.path.isEmpty ? "root" : p.path)] \(p.contentType.mimeType) \(p.transferEncoding) \(p.decodedSize) bytes"
            if let c = p.contentType.charset { s += " charset=\(c)" }
            if let f = p.filename { s += " filename=\"\(f)\"" }
            if p.embedded { s += " (embedded)" }
            lines.append(s)
        }
        lines.append("-- attachments")
        for a in m.attachments { lines.append("  \(a.filename.isEmpty ? "(unnamed)" : a.filename) \(a.contentType) \(a.size) bytes") }
        lines.append("-- text (\(m.text.utf8.count) bytes)")
        lines.append(String(m.text.prefix(1500)).split(separator: "\n", omittingEmptySubsequences: false).map { "  | " + $0 }.joined(separator: "\n"))
        if !m.hiddenText.isEmpty { lines.append("-- hidden html text: \(m.hiddenText.prefix(300))") }
        lines.append("-- defects: " + (m.defects.isEmpty ? "none" : m.defects.map(\.description).joined(separator: ", ")))
        return lines
    }
}

/// `bec-milter parse`: the parsed structure, as the detectors see it.
import ArgumentParser

struct ParseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "parse", abstract: "Show how a message parses: headers, addresses, MIME tree, text, defects.")

    @Option(name: .long, help: "Main config file (for limits).") var config: String?
    @Argument(help: "Message files, or - for standard input.") var files: [String]

    func run() async throws {
        let rt = try Runtime.forCommand(configPath: config)
        let failed = await MessageFiles.each(files) { file, bytes in
            var m = rt.pipeline.parse(bytes)
            m.envelope = MessageFiles.envelope(for: m)
            print((["== \(file)"] + Report.structure(m)).joined(separator: "\n"))
        }
        if failed { throw ExitCode(1) }
    }
}

import BECCore
import BECQuarantine
import Foundation

/// One quarantined message: the verdict explained, the actions, envelope and client facts, headers,
/// the text body (never HTML: HTML parts are shown as the text the detectors read), attachments and
/// the audit trail. Everything from the message is escaped.
enum MessagePage {
    struct Input {
        var record: QuarantineRecord
        var message: Message
        var audit: [AuditEntry]
        var notice: String?
        var releaserName: String
    }

    static func render(_ i: Input, _ ctx: WebContext) -> HTML {
        let r = i.record
        let subject = r.subject.isEmpty ? "(no subject)" : r.subject
        let notice: HTML = i.notice.map { "<p class=\"notice\">\($0)</p>" } ?? ""
        return """
            <p><a href="/messages">← All messages</a></p>
            <h1>\(subject)</h1>
            \(notice)
            <div class="card"><h2>\(r.verdict.action >= .quarantine ? "Why it was held" : "The verdict explained")</h2>\(Explanation.render(r.verdict))</div>
            \(actions(i, ctx))
            \(proposal(i))
            <div class="card"><h2>Envelope and client</h2>\(facts(r, i.message))</div>
            <h2>Text</h2>\(text(i.message))
            <h2>Attachments</h2>\(attachments(i.message))
            <h2>Headers</h2>\(headers(i.message))
            <h2>Audit trail</h2>\(audit(i.audit))
            <p><a href="/messages/\(r.id)/raw">Download the original message (.eml)</a> <span class="muted">— open it only in a safe environment</span></p>
            """
    }

    static func actions(_ i: Input, _ ctx: WebContext) -> HTML {
        let r = i.record
        guard r.status.isPending else {
            return "<p>Status: \(ListPage.status(r.status)). No further actions.</p>"
        }
        func button(_ path: String, _ label: String, _ cls: String) -> HTML {
            """
            <form method="post" action="/messages/\(r.id)/\(path)" class="inline">\(Layout.csrfField(ctx))<button type="submit" class="\(cls)">\(label)</button></form>
            """
        }
        var buttons = [button("release", "Release (deliver as received)", "primary"), button("delete", "Delete", "danger")]
        if r.status != .falsePositive { buttons.append(button("false-positive", "Mark false positive", "")) }
        if r.status != .confirmedBEC { buttons.append(button("confirm-bec", "Mark confirmed BEC", "")) }
        if r.status != .held { buttons.append(button("unmark", "Clear mark", "")) }
        return """
            <p>Status: \(ListPage.status(r.status)). Release uses \(i.releaserName).</p>
            <div class="actions">\(buttons)</div>
            """
    }

    /// For a false positive: the allowlist entry it proposes for the site rules file.
    static func proposal(_ i: Input) -> HTML {
        guard i.record.status == .falsePositive else { return "" }
        let by = i.audit.last { $0.action == "mark_false_positive" }?.actor ?? "?"
        let yaml = AllowlistProposal.yaml(fromAddress: i.message.fromAddress?.address, mailFrom: i.record.envelope.mailFrom,
                                          recordID: i.record.id, analyst: by)
        return """
            <div class="card"><h2>Proposed allowlist entry</h2>
            <p>Review, then add to the site rules file (allowlists apply only with an aligned DMARC or DKIM pass from our authserv-id):</p>
            <pre>\(yaml)</pre></div>
            """
    }

    static func facts(_ r: QuarantineRecord, _ m: Message) -> HTML {
        let e = r.envelope
        let rows: [(String, String)] = [
            ("Received", Format.time(r.receivedAt)), ("Queue id", e.queueID ?? "–"), ("Milter host", r.host),
            ("Envelope sender", e.mailFrom.map { $0.isEmpty ? "<> (null sender)" : $0 } ?? "–"),
            ("Recipients", e.recipients.joined(separator: ", ")),
            ("Client", [e.clientAddress, e.clientName.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")),
            ("HELO", e.helo ?? "–"), ("Authenticated as", e.authenticatedUser ?? "–"),
            ("From header", m.fromAddress?.description ?? r.fromHeader), ("Reply-To", m.replyTo.map(\.description).joined(separator: ", ")),
            ("Message-ID", r.messageID ?? "–"), ("Size", Format.bytes(r.size)),
            ("Defects", m.defects.isEmpty ? "none" : m.defects.map(\.description).joined(separator: ", ")),
        ]
        let items: [HTML] = rows.map { "<dt>\($0.0)</dt><dd>\($0.1.isEmpty ? "–" : $0.1)</dd>" }
        return "<dl class=\"facts\">\(items)</dl>"
    }

    static func text(_ m: Message) -> HTML {
        let body: HTML = m.text.isEmpty ? "<p class=\"muted\">No text part.</p>" : "<pre>\(m.text)</pre>"
        let html = m.root.children.isEmpty ? m.root.contentType.subtype == "html" : containsHTML(m.root)
        let note: HTML = html ? "<p class=\"muted\">HTML parts are shown as plain text; they are never rendered here.</p>" : ""
        let hidden: HTML = m.hiddenText.isEmpty ? "" : "<p>Text the HTML hides from the reader:</p><pre>\(m.hiddenText)</pre>"
        return note + body + hidden
    }

    static func containsHTML(_ p: MIMEPart) -> Bool {
        var found = false
        p.forEach { if $0.contentType.mimeType == "text/html" { found = true } }
        return found
    }

    static func attachments(_ m: Message) -> HTML {
        guard !m.attachments.isEmpty else { return "<p class=\"muted\">None.</p>" }
        let rows: [HTML] = m.attachments.map {
            "<tr><td>\($0.filename.isEmpty ? "(unnamed)" : $0.filename)</td><td>\($0.contentType)</td><td class=\"num\">\(Format.bytes($0.size))</td></tr>"
        }
        return "<table><thead><tr><th>Name</th><th>Type</th><th>Size</th></tr></thead><tbody>\(rows)</tbody></table>"
    }

    static func headers(_ m: Message) -> HTML {
        let rows: [HTML] = m.headers.fields.prefix(500).map { "<tr><th>\($0.name)</th><td>\(Format.clip($0.decoded, 4000))</td></tr>" }
        return "<table>\(rows)</table>"
    }

    static func audit(_ trail: [AuditEntry]) -> HTML {
        let rows: [HTML] = trail.map { e in
            let move = [e.fromStatus?.rawValue, e.toStatus?.rawValue].compactMap { $0 }.joined(separator: " → ")
            return "<tr><td>\(Format.time(e.at))</td><td>\(e.actor)</td><td>\(e.action)</td><td>\(move)</td><td>\(e.detail)</td></tr>"
        }
        return "<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Status</th><th>Detail</th></tr></thead><tbody>\(rows)</tbody></table>"
    }
}

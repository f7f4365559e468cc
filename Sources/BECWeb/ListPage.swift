import BECQuarantine
import Foundation

/// The list of quarantined messages with its filter form and pager.
enum ListPage {
    /// The filter as the form and the pager links carry it.
    struct Query {
        var status = ""
        var since = ""
        var until = ""
        var sender = ""
        var recipient = ""
        var minScore = ""
        var maxScore = ""
        var symbol = ""
        var text = ""
        var page = 1
        static let perPage = 50

        init(_ q: [String: String]) {
            status = q["status"] ?? ""
            since = q["since"] ?? ""
            until = q["until"] ?? ""
            sender = q["sender"] ?? ""
            recipient = q["recipient"] ?? ""
            minScore = q["min_score"] ?? ""
            maxScore = q["max_score"] ?? ""
            symbol = (q["symbol"] ?? "").uppercased()
            text = q["q"] ?? ""
            page = max(1, min(Int(q["page"] ?? "") ?? 1, 100_000))
        }

        var filter: QuarantineFilter {
            var statuses: Set<QuarantineStatus> = []
            if status == "pending" { statuses = QuarantineStatus.pending } else if let s = QuarantineStatus(rawValue: status) { statuses = [s] }
            return QuarantineFilter(statuses: statuses, since: Format.day(since),
                                    until: Format.day(until).map { $0.addingTimeInterval(86_400) },
                                    sender: sender, recipient: recipient, minScore: Double(minScore), maxScore: Double(maxScore),
                                    symbol: symbol, text: text, offset: (page - 1) * Self.perPage, limit: Self.perPage)
        }

        func link(page p: Int) -> String {
            "/messages" + FormData.query([("status", status), ("since", since), ("until", until), ("sender", sender), ("recipient", recipient),
                                          ("min_score", minScore), ("max_score", maxScore), ("symbol", symbol), ("q", text),
                                          ("page", p > 1 ? String(p) : "")])
        }
    }

    static func render(_ page: QuarantinePage, _ q: Query, _ ctx: WebContext) -> HTML {
        let rows: [HTML] = page.items.map(row)
        let table: HTML = page.items.isEmpty ? "<p class=\"muted\">No messages match.</p>" : """
            <table><thead><tr><th>Received</th><th>Status</th><th>Score</th><th>From</th><th>Envelope</th><th>Subject</th><th>Findings</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let first = page.total == 0 ? 0 : page.offset + 1
        let last = page.offset + page.items.count
        var pager: [HTML] = []
        if q.page > 1 { pager.append("<a href=\"\(q.link(page: q.page - 1))\" rel=\"prev\">← Newer</a>") }
        if last < page.total { pager.append("<a href=\"\(q.link(page: q.page + 1))\" rel=\"next\">Older →</a>") }
        return """
            <h1>Quarantined messages</h1>
            \(form(q))
            <p class="muted">\(first)–\(last) of \(page.total)</p>
            \(table)
            <div class="pager">\(pager)</div>
            """
    }

    static func form(_ q: Query) -> HTML {
        let options: [HTML] = [("", "any"), ("pending", "pending (held or marked)")].map { option($0.0, $0.1, q.status) }
            + QuarantineStatus.allCases.map { option($0.rawValue, $0.rawValue.replacingOccurrences(of: "_", with: " "), q.status) }
        return """
            <form class="filters" method="get" action="/messages">
            <label>Status <select name="status">\(options)</select></label>
            <label>From day <input type="date" name="since" value="\(q.since)"></label>
            <label>To day <input type="date" name="until" value="\(q.until)"></label>
            <label>Sender <input name="sender" value="\(q.sender)" placeholder="address or name"></label>
            <label>Recipient <input name="recipient" value="\(q.recipient)"></label>
            <label>Score ≥ <input name="min_score" value="\(q.minScore)" size="4" inputmode="decimal"></label>
            <label>Score ≤ <input name="max_score" value="\(q.maxScore)" size="4" inputmode="decimal"></label>
            <label>Symbol <input name="symbol" value="\(q.symbol)" placeholder="IMPERSONATE_EXECUTIVE"></label>
            <label>Search <input name="q" value="\(q.text)" placeholder="subject, address, evidence"></label>
            <button type="submit">Filter</button> <a href="/messages">Reset</a>
            </form>
            """
    }

    static func option(_ value: String, _ label: String, _ current: String) -> HTML {
        value == current ? "<option value=\"\(value)\" selected>\(label)</option>" : "<option value=\"\(value)\">\(label)</option>"
    }

    static func row(_ m: QuarantineSummary) -> HTML {
        let rcpts = m.recipients.prefix(2).joined(separator: ", ") + (m.recipients.count > 2 ? " +\(m.recipients.count - 2)" : "")
        let syms: [HTML] = m.symbols.filter { !$0.hasPrefix("COMBO_") }.prefix(4).map { "<span class=\"sym\">\($0)</span> " }
        let subject = m.subject.isEmpty ? "(no subject)" : Format.clip(m.subject, 120)
        return """
            <tr><td class="time">\(Format.time(m.receivedAt))</td><td>\(status(m.status))</td><td class="num">\(String(format: "%.1f", m.score))</td>
            <td>\(Format.clip(m.fromHeader, 80))</td><td>\(m.mailFrom ?? "")<br><span class="muted">→ \(rcpts)</span></td>
            <td><a href="/messages/\(m.id)">\(subject)</a></td><td>\(syms)</td></tr>
            """
    }

    static func status(_ s: QuarantineStatus) -> HTML {
        "<span class=\"status status-\(s.rawValue)\">\(s.rawValue.replacingOccurrences(of: "_", with: " "))</span>"
    }
}

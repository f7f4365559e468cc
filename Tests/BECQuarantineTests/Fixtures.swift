import BECCore
import BECQuarantine
import Foundation

/// Records for the store tests: fixed times, CRLF bytes with 8-bit content, full findings.
enum Fixtures {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func finding(_ symbol: String, _ weight: Double, _ evidence: String, _ detector: String) -> Finding {
        var f = Finding(symbol, evidence, detector: detector)
        f.weight = weight
        return f
    }

    static let cyrillicA = "\u{0430}"

    static func record(_ n: Int, at: Date? = nil, score: Double = 12, from: String = "m.okafor.office@gmail.com",
                       rcpts: [String] = ["ap@calloway-freight.example"], subject: String? = nil, symbols: [String] = ["IMPERSONATE_EXECUTIVE", "LANG_GIFT_CARD"],
                       bytes: Int = 0, queueID: String? = nil) -> QuarantineRecord {
        let findings = symbols.enumerated().map { i, s in
            finding(s, Double(symbols.count - i), "evidence \(n) for \(s): \"M\(cyrillicA)rgaret Okafor\" (Chief Executive Officer)", "detector_\(i)")
        }
        let verdict = Verdict(action: .quarantine, score: score, findings: findings, thresholds: Thresholds(tag: 5, quarantine: 9, reject: 15),
                              notes: ["note \(n)"])
        let subj = subject ?? "Quick favour \(n) – gift cards"
        var raw = "Return-Path: <\(from)>\r\nFrom: \"Margaret Okafor\" <\(from)>\r\nTo: \(rcpts.joined(separator: ", "))\r\nSubject: \(subj)\r\n\r\n"
        raw += "Are you at your desk? I need 5 gift cards today. Grüße\r\n.leading dot line\r\n"
        var bytesArray = Array(raw.utf8)
        if bytes > bytesArray.count { bytesArray += Array(repeating: UInt8(ascii: "x"), count: bytes - bytesArray.count) }
        let env = Envelope(mailFrom: from, recipients: rcpts, clientAddress: "203.0.113.\(n % 250)", clientName: "mx\(n).example.net",
                           helo: "mx\(n).example.net", queueID: queueID ?? "4F\(String(format: "%06X", n))")
        return QuarantineRecord(id: String(format: "rec-%04d", n), receivedAt: (at ?? t0.addingTimeInterval(Double(n) * 60)), envelope: env,
                                host: "mx1.test", fromHeader: "\"Margaret Okafor\" <\(from)>", subject: subj, messageID: "id\(n)@example.net",
                                verdict: verdict, raw: bytesArray)
    }

    static func json<T: Encodable>(_ v: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(v)) ?? Data(), as: UTF8.self)
    }

    static func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bec-quarantine-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }
}

@testable import BECMilter
import BECCore
import Foundation
import XCTest

/// The milter's verdict for a message equals the pipeline's (what `bec-milter check` prints) for
/// the same bytes and envelope, whatever happened on the way: header-by-header collection,
/// CRLF body chunks, macros. Runs over ../shared/corpus/dev when present.
final class CorpusEquivalenceTests: XCTestCase {
    func testMilterVerdictEqualsPipelineVerdict() throws {
        let dir = Fixtures.corpus
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".eml") }).sorted(), !files.isEmpty else {
            throw XCTSkip("corpus not found at \(dir)")
        }
        let engine = Fixtures.engine()
        var mismatches: [String] = []
        for f in files {
            guard let data = FileManager.default.contents(atPath: dir + "/" + f) else { continue }
            let bytes = Array(data)
            let parsed = Fixtures.pipeline.parse(bytes)
            let mailFrom = parsed.returnPath.map { $0.domain.isEmpty ? "" : $0.address } ?? ""
            let rcpt = parsed.to.first?.address ?? "postmaster@callowayfreight.com"
            let ip = topReceivedIP(String(decoding: bytes.prefix(4000), as: UTF8.self))
            let env = Envelope(mailFrom: mailFrom, recipients: [rcpt], clientAddress: ip)
            let expected = Fixtures.pipeline.evaluate(Fixtures.pipeline.parse(bytes, envelope: env))

            let ctx = FakeMilterContext()
            var replay = Replay()
            replay.address = ip
            replay.mailFrom = "<\(mailFrom)>"
            replay.recipients = ["<\(rcpt)>"]
            replay.chunkSize = 4096
            let result = replay.run(String(decoding: bytes, as: UTF8.self), ctx, engine)
            _ = MilterCallbacks.close(ctx, engine)
            let got = result == .reject ? "reject" : String(ctx.added("X-BEC-Verdict")?.split(separator: " ").first ?? "?")
            let score = ctx.added("X-BEC-Score")
            if got != expected.action.rawValue || (result != .reject && score != VerdictFormatter.format(expected.score)) {
                mismatches.append("\(f): milter \(got) \(score ?? "-"), pipeline \(expected.action.rawValue) \(expected.score)")
            }
        }
        XCTAssertEqual(mismatches, [], mismatches.joined(separator: "\n"))
    }

    private func topReceivedIP(_ head: String) -> String? {
        guard let r = head.range(of: "\nReceived:") ?? head.range(of: "Received:"),
              let open = head[r.upperBound...].firstIndex(of: "["),
              let close = head[open...].firstIndex(of: "]") else { return nil }
        let ip = String(head[head.index(after: open)..<close]).replacingOccurrences(of: "IPv6:", with: "")
        return CIDR.parseAddress(ip) != nil ? ip : nil
    }
}

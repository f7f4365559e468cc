import ArgumentParser
import BECCore
import BECHistory
import Foundation

/// `bec-milter eval`: measures a configuration on a labelled corpus.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Recall, false positives and a confusion table on a labelled corpus (labels.tsv: file, label, category...).")

    @Option(name: .long, help: "Main config file.") var config: String?
    @Option(name: .long, help: "labels.tsv; the file column is relative to DIR.") var labels: String
    @Option(name: .long, help: "Labels counted as positives (comma-separated).") var positive = "bec,bec_like"
    @Option(name: .long, help: "Labels counted as negatives (comma-separated).") var negative = "ham"
    @Flag(name: .long, help: "List every message with its verdict.") var verbose = false
    @Flag(name: .long, help: "Consult the configured sender-history store (read only).") var history = false
    @Argument(help: "Corpus directory.") var dir: String

    func run() async throws {
        let rt = try Runtime.forCommand(configPath: config)
        var service: HistoryService? = nil
        if history {
            do { service = try await HistoryService.open(rt.config.history) } catch {
                printError("bec-milter: history store unavailable: \(error)")
                throw ExitCode(1)
            }
        }
        guard let tsv = try? String(contentsOfFile: labels, encoding: .utf8) else {
            printError("bec-milter: cannot read \(labels)")
            throw ExitCode(2)
        }
        let pos = Set(positive.split(separator: ",").map(String.init))
        let neg = Set(negative.split(separator: ",").map(String.init))
        var rows: [(file: String, label: String, category: String, verdict: Verdict)] = []
        for line in tsv.split(separator: "\n").dropFirst() {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count >= 2 else { continue }
            guard let bytes = MessageFiles.read(dir + "/" + cols[0]) else { printError("cannot read \(cols[0])"); continue }
            var m = rt.pipeline.parse(bytes)
            m.envelope = MessageFiles.envelope(for: m)
            var facts: HistoryFacts? = nil
            if let service, let q = rt.pipeline.historyQuery(m) { facts = (try? await service.facts(for: q)) ?? .unavailable }
            rows.append((cols[0], cols[1], cols.count > 2 ? cols[2] : "", rt.pipeline.evaluate(m, history: facts)))
        }
        func atLeast(_ v: Verdict, _ a: Action) -> Bool { v.action >= a }
        func pct(_ a: Int, _ b: Int) -> String { b == 0 ? "-" : String(format: "%.1f%%", 100.0 * Double(a) / Double(b)) }

        print("messages: \(rows.count)")
        print("\nper label           n    tag+        quarantine+")
        for label in Set(rows.map(\.label)).sorted() {
            let r = rows.filter { $0.label == label }
            let t = r.filter { atLeast($0.verdict, .tag) }.count, q = r.filter { atLeast($0.verdict, .quarantine) }.count
            print(String(format: "%-18@ %4d  %4d %-7@ %4d %-7@", label as NSString, r.count, t, pct(t, r.count) as NSString, q, pct(q, r.count) as NSString))
        }
        print("\nper category (label/category)            n  tag+  quar+")
        for key in Set(rows.map { "\($0.label)/\($0.category)" }).sorted() {
            let r = rows.filter { "\($0.label)/\($0.category)" == key }
            print(String(format: "%-38@ %4d  %4d  %4d", key as NSString, r.count, r.filter { atLeast($0.verdict, .tag) }.count, r.filter { atLeast($0.verdict, .quarantine) }.count))
        }
        print("\nconfusion (label x action)")
        print("label              accept     tag  quarantine  reject")
        for label in Set(rows.map(\.label)).sorted() {
            let r = rows.filter { $0.label == label }
            let c = Action.allCases.map { a in r.filter { $0.verdict.action == a }.count }
            print(String(format: "%-16@ %8d %7d %11d %7d", label as NSString, c[0], c[1], c[2], c[3]))
        }
        let positives = rows.filter { pos.contains($0.label) }
        let negatives = rows.filter { neg.contains($0.label) }
        let tp = positives.filter { atLeast($0.verdict, .tag) }.count
        let tq = positives.filter { atLeast($0.verdict, .quarantine) }.count
        let fp = negatives.filter { atLeast($0.verdict, .tag) }
        print("\nsummary: positives=\(positives.count) recall_tag=\(pct(tp, positives.count)) recall_quarantine=\(pct(tq, positives.count)) " +
              "negatives=\(negatives.count) false_positives=\(fp.count) (\(pct(fp.count, negatives.count)))")
        let misses = positives.filter { !atLeast($0.verdict, .tag) }
        if !misses.isEmpty {
            print("\nmisses (positives below tag):")
            for r in misses { print("  \(VerdictFormatter.format(r.verdict.score))\t\(r.file)\t\(VerdictFormatter.findingsHeader(r.verdict, limit: 300))") }
        }
        if !fp.isEmpty {
            print("\nfalse alarms (negatives at tag or above):")
            for r in fp { print("  \(VerdictFormatter.format(r.verdict.score))\t\(r.verdict.action.rawValue)\t\(r.file)\t\(VerdictFormatter.findingsHeader(r.verdict, limit: 300))") }
        }
        if verbose {
            print("\nall:")
            for r in rows { print("  \(r.label)\t\(r.verdict.action.rawValue)\t\(VerdictFormatter.format(r.verdict.score))\t\(r.file)\t\(VerdictFormatter.findingsHeader(r.verdict, limit: 300))") }
        }
    }
}

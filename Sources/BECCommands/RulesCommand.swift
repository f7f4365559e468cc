import ArgumentParser
import BECCore
import BECRules
import Foundation

/// `bec-milter rules lint|test`.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rules", abstract: "Validate rule files and run their test messages.",
                                                    subcommands: [Lint.self, Test.self, Symbols.self])

    struct Lint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate configs or rule files; any problem fails with file:line:column.")
        @Flag(name: .long, help: "Also fail on warnings (symbols without weight).") var strict = false
        @Argument(help: "Main config files or rule files.") var files: [String]

        func run() async throws {
            var bad = false
            for f in files {
                do {
                    let c = try RuleFiles.load(f)
                    for w in c.warnings { print("\(f): warning: \(w)") }
                    if strict && !c.warnings.isEmpty { bad = true }
                    print("\(f): ok (\(c.files.count) files, \(c.policy.scoring.weights.count) weighted symbols, \(c.tests.count) tests)")
                } catch let e as ConfigErrors {
                    for x in e.errors { printError("\(x.description)") }
                    bad = true
                } catch {
                    printError("\(f): \(error)")
                    bad = true
                }
            }
            if bad { throw ExitCode(1) }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the test messages carried in rule files; fail when a verdict differs.")
        @Argument(help: "Main config files or rule files.") var files: [String]

        func run() async throws {
            var failures = 0
            var total = 0
            for f in files {
                let rt: Runtime
                do { rt = try Runtime(config: RuleFiles.load(f), services: .init()) } catch {
                    printError("\(error)")
                    throw ExitCode(2)
                }
                for t in rt.config.tests {
                    total += 1
                    var m = rt.pipeline.parse(t.message)
                    var env = MessageFiles.envelope(for: m)
                    if t.envelope.mailFrom != nil { env.mailFrom = t.envelope.mailFrom }
                    if !t.envelope.recipients.isEmpty { env.recipients = t.envelope.recipients }
                    if t.envelope.clientAddress != nil { env.clientAddress = t.envelope.clientAddress }
                    m.envelope = env
                    let v = rt.pipeline.evaluate(m)
                    if v.action == t.expect {
                        print("ok    \(t.file):\(t.line) \(t.name): \(v.action.rawValue) (\(VerdictFormatter.format(v.score)))")
                    } else {
                        failures += 1
                        print("FAIL  \(t.file):\(t.line) \(t.name): expected \(t.expect.rawValue), got \(v.action.rawValue) (\(VerdictFormatter.format(v.score)))")
                        for l in VerdictFormatter.explain(v) { print("      \(l)") }
                    }
                }
            }
            print("\(total - failures) passed, \(failures) failed")
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

extension RulesCommand {
    struct Symbols: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every detector and the symbols it can emit, with their group and weight.")
        @Option(name: .long, help: "Main config file (for weights).") var config: String?

        func run() async throws {
            let c = try ConfigLoader().load(path: config)
            let w = c.policy.scoring.weights
            for t in Pipeline.detectorTypes {
                print("\(t.info.id): \(t.info.summary)")
                for s in t.info.symbols {
                    let weight = w[s.name].map(VerdictFormatter.format) ?? "-"
                    print("  \(s.name)  [\(c.policy.scoring.symbolGroups[s.name] ?? s.group), \(weight)]  \(s.summary)")
                }
            }
            let lexicon = Dictionary(grouping: c.policy.lexicon.families, by: \.symbol)
            print("lexicon families (payment_language):")
            for (sym, fams) in lexicon.sorted(by: { $0.key < $1.key }) {
                let langs = Set(fams.map(\.language)).sorted().joined(separator: ",")
                print("  \(sym)  [\(w[sym].map(VerdictFormatter.format) ?? "-")]  \(fams.reduce(0) { $0 + $1.phrases.count }) phrases in \(langs)")
            }
        }
    }
}

/// A file given to `rules` may be a main config or a bare rule file (loaded as an overlay of the defaults).
enum RuleFiles {
    static func load(_ path: String) throws -> LoadedConfig {
        let text = (FileManager.default.contents(atPath: path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let isMain = text.split(separator: "\n").contains { l in
            ["organization:", "milter:", "people:", "rules:", "vendors:", "models_dir:"].contains { l.hasPrefix($0) }
        }
        if isMain || text.isEmpty { return try ConfigLoader().load(path: path) }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        return try ConfigLoader().load(text: "rules: [\"\(url.path)\"]\n", file: path, baseDir: url.deletingLastPathComponent().path)
    }
}

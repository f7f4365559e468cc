@testable import BECMilter
import BECCore
import BECICU
import BECRules
import Foundation
import Logging

/// A stand-in for libmilter's SMFICTX: private data, macros, and a record of every edit, with a
/// switch to refuse some edits the way libmilter does when an action was not negotiated.
final class FakeMilterContext: MilterContext, @unchecked Sendable {
    var privateData: UnsafeMutableRawPointer?
    var macros: [String: String] = [:]
    private(set) var edits: [MilterEdit] = []
    var refuse: (MilterEdit) -> Bool = { _ in false }

    func macro(_ name: String) -> String? { macros[name] }

    func perform(_ edit: MilterEdit) -> Bool {
        if refuse(edit) { return false }
        edits.append(edit)
        return true
    }

    var addedHeaders: [(String, String)] {
        edits.compactMap { if case let .addHeader(n, v) = $0 { return (n, v) } else { return nil } }
    }

    func added(_ name: String) -> String? { addedHeaders.first { $0.0 == name }?.1 }

    var reply: (String, String, String)? {
        edits.lazy.compactMap { if case let .setReply(c, x, t) = $0 { return (c, x, t) } else { return nil } }.first
    }
}

/// Collects verdict JSON lines.
final class CollectingSink: VerdictSink, @unchecked Sendable {
    private let lines = Locked<[String]>([])
    func write(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.current }
}

/// Collects quarantine records; can be told to fail.
final class CollectingStore: QuarantineSink, @unchecked Sendable {
    struct Down: Error {}
    let records = Locked<[QuarantineRecord]>([])
    var fail = false
    func store(_ record: QuarantineRecord) throws {
        if fail { throw Down() }
        records.withLock { $0.append(record) }
    }
}

/// Shared fixtures: the worked example configuration and its pipeline (built once).
enum Fixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    static let configPath = repoRoot + "/deploy/examples/calloway-freight/bec-milter.yaml"
    static let corpus = repoRoot + "/../shared/corpus/dev"

    static let loaded: LoadedConfig = {
        do { return try ConfigLoader().load(path: configPath) } catch { fatalError("fixture config: \(error)") }
    }()
    static let services: ICUServices = {
        do { return try ICUServices() } catch { fatalError("ICU: \(error)") }
    }()
    static let pipeline = Pipeline(policy: loaded.policy, services: services)

    static func configuration(_ edit: (inout MilterSettings, inout Policy) -> Void = { _, _ in }) -> MilterConfiguration {
        var settings = loaded.milter
        settings.logLevel = "critical"
        var policy = loaded.policy
        edit(&settings, &policy)
        let p = Pipeline(policy: policy, services: services)
        return MilterConfiguration(pipeline: p, settings: settings, files: loaded.files)
    }

    static let defaultConfiguration = configuration()

    static func engine(_ config: MilterConfiguration = defaultConfiguration, sink: CollectingSink = CollectingSink(),
                       store: CollectingStore = CollectingStore(), scanner: MilterEngine.Scanner? = nil,
                       deadline: Double? = nil, loader: MilterEngine.Loader? = nil,
                       history: (any HistorySource)? = nil) -> MilterEngine {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return MilterEngine(configuration: config, logger: logger, loader: loader, verdictSink: sink,
                            quarantineSink: store, scanner: scanner, scanDeadline: deadline, history: history)
    }
}

/// Replays libmilter's callback order for one message: connect, MAIL, RCPT*, header*, body
/// chunks, end of message (close is left to the test).
struct Replay {
    var hostName: String? = "mail.example.net"
    var address: String? = "198.51.100.7"
    var mailFrom = "<sender@example.net>"
    var recipients = ["<ops@callowayfreight.com>"]
    var chunkSize = 65535
    var connect = true

    /// Header fields as libmilter delivers them without SMFIP_HDR_LEADSPC, and the CRLF body.
    static func split(_ raw: String) -> ([(String, String)], [UInt8]) {
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = text.components(separatedBy: "\n\n")
        let head = parts[0]
        let body = parts.dropFirst().joined(separator: "\n\n")
        var fields: [(String, String)] = []
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if (line.hasPrefix(" ") || line.hasPrefix("\t")), !fields.isEmpty {
                fields[fields.count - 1].1 += "\n" + line
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" })
                fields.append((String(line[..<colon]), String(value)))
            }
        }
        return (fields, Array(body.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    }

    @discardableResult
    func run(_ raw: String, _ ctx: FakeMilterContext, _ engine: MilterEngine) -> CallbackResult {
        if connect { XCTAssertEqualNoReply(MilterCallbacks.connect(ctx, engine, hostName: hostName, address: address)) }
        XCTAssertEqualNoReply(MilterCallbacks.mailFrom(ctx, engine, arguments: [mailFrom]))
        for r in recipients { XCTAssertEqualNoReply(MilterCallbacks.recipient(ctx, engine, arguments: [r])) }
        let (fields, body) = Self.split(raw)
        for (n, v) in fields { XCTAssertEqualNoReply(MilterCallbacks.header(ctx, engine, name: n, value: v)) }
        var i = 0
        while i < body.count {
            let end = min(i + chunkSize, body.count)
            body[i..<end].withUnsafeBytes { _ = MilterCallbacks.body(ctx, engine, chunk: $0) }
            i = end
        }
        return MilterCallbacks.endOfMessage(ctx, engine)
    }
}

import XCTest

func XCTAssertEqualNoReply(_ r: CallbackResult, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(r, .noReply, "collecting callbacks never answer", file: file, line: line)
}

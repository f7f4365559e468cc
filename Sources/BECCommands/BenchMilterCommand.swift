import ArgumentParser
import BECMilter
import Dispatch
import Foundation

extension BenchCommand {
    /// `bench milter`: drives a running milter over its socket with N concurrent connections, as an
    /// MTA would, and measures end of message to verdict. Or, with `--hold`, opens N connections,
    /// stops each in the middle of a message and reports the milter's resident memory.
    struct Milter: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "milter",
            abstract: "Milter-protocol load generator: N connections, msg/s and end-of-message-to-verdict latency.")

        @Option(name: .long, help: "The milter's socket: unix:/path or inet:port@host.") var socket: String
        @Option(name: .long, help: "Concurrent connections.") var connections = 4
        @Option(name: .long, help: "Messages to send in total (cycling through the set).") var messages: Int?
        @Flag(name: .long, help: "Open the connections, stop each mid-message (headers and first body chunk sent), report memory, then abort.")
        var hold = false
        @Option(name: .long, help: "With --hold: seconds to keep the connections open.") var holdSeconds = 1.0
        @Option(name: .customLong("watch-pid"), help: "Report this process's resident memory (the milter's pid): idle, and while holding.")
        var watchPid: Int32?
        @Flag(name: .long, help: "Print one JSON object instead of text.") var json = false
        @Argument(help: "Directories or files of messages.") var paths: [String]

        func run() throws {
            guard let spec = SocketSpec(socket) else { throw ValidationError("bad socket \(socket)") }
            guard connections > 0 else { throw ValidationError("--connections must be positive") }
            let raw = BenchCorpus.load(paths)
            guard !raw.isEmpty else {
                printError("bench: no messages found")
                throw ExitCode(1)
            }
            let prepared = raw.map(PreparedMessage.init)
            var out: [String: Any] = ["connections": connections, "socket": socket]
            let idle = watchPid.flatMap(ProcessMemory.residentKilobytes)
            if let idle { out["rss_idle_kb"] = idle }
            if hold {
                let held = try MilterLoad.hold(spec, prepared, connections: connections, seconds: holdSeconds) {
                    if let pid = watchPid, let kb = ProcessMemory.residentKilobytes(pid) { out["rss_held_kb"] = kb }
                }
                out["held"] = held
            } else {
                let r = MilterLoad.run(spec, prepared, connections: connections, total: messages ?? prepared.count)
                out.merge(r.dictionary) { $1 }
            }
            if json {
                let d = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
                print(String(decoding: d, as: UTF8.self))
            } else {
                for k in out.keys.sorted() { print("\(k): \(out[k]!)") }
            }
            if let e = out["errors"] as? Int, e > 0 { throw ExitCode(1) }
        }
    }
}

/// Resident memory of a process, from /proc.
enum ProcessMemory {
    static func residentKilobytes(_ pid: Int32) -> Int? {
        guard let s = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "")
        }
        return nil
    }
}

/// The load runs: one thread per connection, each sending its share of the messages in turn.
enum MilterLoad {
    struct Result {
        var seconds: Double
        var count: Int
        var bytes: Int
        var errors: Int
        var firstError: String?
        var verdicts: [String: Int]
        var eom: [Double]           // ms, sorted: end of message sent -> verdict received
        var transaction: [Double]   // ms, sorted: MAIL -> verdict

        func pct(_ a: [Double], _ p: Double) -> Double { a.isEmpty ? 0 : a[min(a.count - 1, Int(Double(a.count) * p))] }
        var dictionary: [String: Any] {
            var d: [String: Any] = [
                "messages": count, "seconds": seconds, "errors": errors, "verdicts": verdicts,
                "messages_per_second": seconds > 0 ? Double(count) / seconds : 0,
                "mb_per_second": seconds > 0 ? Double(bytes) / seconds / 1_048_576 : 0,
                "eom_mean_ms": eom.isEmpty ? 0 : eom.reduce(0, +) / Double(eom.count),
                "eom_p50_ms": pct(eom, 0.5), "eom_p99_ms": pct(eom, 0.99), "eom_p999_ms": pct(eom, 0.999), "eom_max_ms": eom.last ?? 0,
                "transaction_p50_ms": pct(transaction, 0.5), "transaction_p99_ms": pct(transaction, 0.99),
            ]
            if let firstError { d["first_error"] = firstError }
            return d
        }
    }

    /// Per-thread results, each thread writing only its own slot.
    final class Slots: @unchecked Sendable {
        var eom: [[Double]]
        var transaction: [[Double]]
        var verdicts: [[String: Int]]
        var errors: [String?]
        var sent: [Int]
        var bytes: [Int]
        init(_ n: Int) {
            eom = Array(repeating: [], count: n); transaction = Array(repeating: [], count: n)
            verdicts = Array(repeating: [:], count: n); errors = Array(repeating: nil, count: n)
            sent = Array(repeating: 0, count: n); bytes = Array(repeating: 0, count: n)
        }
    }

    static func run(_ spec: SocketSpec, _ messages: [PreparedMessage], connections: Int, total: Int) -> Result {
        let slots = Slots(connections)
        let env = BenchEnvelope()
        let group = DispatchGroup()
        let clock = ContinuousClock()
        let start = clock.now
        for t in 0..<connections {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                do {
                    let c = try MilterLoadClient(spec)
                    try c.negotiate()
                    if let early = try c.open(env) {
                        slots.verdicts[t][early.verdict, default: 0] += 1
                        return
                    }
                    var i = t
                    while i < total {
                        let m = messages[i % messages.count]
                        let s = clock.now
                        if let early = try c.begin(m, env) {
                            slots.verdicts[t]["early-" + early.verdict, default: 0] += 1
                        } else {
                            let e = clock.now
                            let (v, _) = try c.endOfMessage()
                            let done = clock.now
                            slots.eom[t].append((done - e).milliseconds)
                            slots.transaction[t].append((done - s).milliseconds)
                            slots.verdicts[t][v.verdict, default: 0] += 1
                        }
                        slots.sent[t] += 1
                        slots.bytes[t] += m.bytes
                        i += connections
                    }
                    c.quit()
                } catch {
                    slots.errors[t] = "\(error)"
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let secs = (clock.now - start).milliseconds / 1000
        var verdicts: [String: Int] = [:]
        for v in slots.verdicts { verdicts.merge(v, uniquingKeysWith: +) }
        let errs = slots.errors.compactMap { $0 }
        return Result(seconds: secs, count: slots.sent.reduce(0, +), bytes: slots.bytes.reduce(0, +), errors: errs.count,
                      firstError: errs.first, verdicts: verdicts, eom: slots.eom.flatMap { $0 }.sorted(),
                      transaction: slots.transaction.flatMap { $0 }.sorted())
    }

    /// Opens `connections` connections, stops each after the headers and the first body chunk of a
    /// message, calls `whileHeld` once all are there, waits `seconds`, then aborts and quits.
    /// Returns how many connections were held.
    static func hold(_ spec: SocketSpec, _ messages: [PreparedMessage], connections: Int, seconds: Double,
                     whileHeld: () -> Void) throws -> Int {
        let env = BenchEnvelope()
        var clients: [MilterLoadClient] = []
        for t in 0..<connections {
            let c = try MilterLoadClient(spec)
            try c.negotiate()
            _ = try c.open(env)
            _ = try c.begin(messages[t % messages.count], env, bodyPackets: 1)
            clients.append(c)
        }
        // Let the milter take in what was sent before measuring.
        Thread.sleep(forTimeInterval: min(seconds, 0.5))
        whileHeld()
        Thread.sleep(forTimeInterval: max(0, seconds - 0.5))
        for c in clients {
            try? c.abort()
            c.quit()
        }
        return clients.count
    }
}

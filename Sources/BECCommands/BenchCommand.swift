import ArgumentParser
import BECCore
import Dispatch
import Foundation

/// `bec-milter bench`: measurements an admin can use to size hardware for their own rules and mail.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmarks.", subcommands: [Pipeline.self, Milter.self])

    /// `bench pipeline`: parse + all detectors + scoring over messages held in memory.
    struct Pipeline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pipeline",
            abstract: "Parse + detect + score every message in memory, repeatedly: one thread, then all cores.")

        @Option(name: .long, help: "Main config file.") var config: String?
        @Option(name: .long, help: "Passes over the message set per phase.") var passes = 3
        @Option(name: .long, help: "Threads for the parallel phase (default: all cores).") var threads: Int?
        @Flag(name: .long, help: "Print one JSON object instead of a table.") var json = false
        @Flag(name: .long, help: "Also show where the time goes: parse and each detector.") var profile = false
        @Argument(help: "Directories or files of messages.") var paths: [String]

        func run() async throws {
            let rt = try Runtime(configPath: config)
            let messages = BenchCorpus.load(paths)
            guard !messages.isEmpty else {
                printError("bench: no messages found")
                throw ExitCode(1)
            }
            let bytes = messages.reduce(0) { $0 + $1.count }
            let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
            // Warm up once (ICU data, lazily built tables).
            for m in messages.prefix(50) { _ = rt.pipeline.evaluate(m) }
            if profile { BenchRunner.profile(rt.pipeline, messages) }
            let single = BenchRunner.run(rt.pipeline, messages, passes: passes, threads: 1)
            let multi = BenchRunner.run(rt.pipeline, messages, passes: passes, threads: cores)
            if json {
                let o: [String: Any] = ["messages": messages.count, "bytes": bytes, "single": single.dictionary, "parallel": multi.dictionary, "threads": cores]
                let d = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
                print(String(decoding: d, as: UTF8.self))
                return
            }
            print("messages: \(messages.count)  bytes: \(bytes)  passes: \(passes)")
            print("phase        threads   msg/s       MB/s    mean ms   p50 ms   p99 ms  p99.9 ms   max ms")
            for (name, r, t) in [("single", single, 1), ("parallel", multi, cores)] {
                print(String(format: "%-10@ %7d %9.0f %10.1f %10.3f %8.3f %8.3f %9.3f %8.3f", name as NSString, t, r.messagesPerSecond,
                             r.megabytesPerSecond, r.mean, r.p50, r.p99, r.p999, r.max))
            }
            let c = single.dictionary
            print(String(format: "CPU time, one thread: %.0f msg per CPU-second; per message mean %.3f, p50 %.3f, p99 %.3f, p99.9 %.3f, max %.3f ms",
                         single.messagesPerCPUSecond, c["cpu_mean_ms"] ?? 0, c["cpu_p50_ms"] ?? 0, c["cpu_p99_ms"] ?? 0,
                         c["cpu_p999_ms"] ?? 0, c["cpu_max_ms"] ?? 0))
        }
    }
}

/// Loads message files into memory.
enum BenchCorpus {
    static func load(_ paths: [String]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        let fm = FileManager.default
        for p in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir) else { continue }
            if !isDir.boolValue {
                if let d = fm.contents(atPath: p) { out.append(Array(d)) }
                continue
            }
            let files = (fm.enumerator(atPath: p)?.compactMap { $0 as? String } ?? []).sorted()
            for f in files where !f.hasSuffix(".tsv") && !f.hasSuffix(".md") {
                var sub: ObjCBool = false
                let full = p + "/" + f
                if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue, let d = fm.contents(atPath: full) { out.append(Array(d)) }
            }
        }
        return out
    }
}

/// Runs the pipeline over messages and collects per-message latencies.
enum BenchRunner {
    struct Result {
        var seconds: Double
        var count: Int
        var bytes: Int
        var latencies: [Double]   // milliseconds, sorted
        /// CPU time per message (the evaluating thread's), milliseconds, sorted: what the pipeline
        /// costs, without the time the thread spent preempted on a busy machine.
        var cpu: [Double] = []

        var messagesPerSecond: Double { Double(count) / seconds }
        var megabytesPerSecond: Double { Double(bytes) / seconds / 1_048_576 }
        var mean: Double { latencies.isEmpty ? 0 : latencies.reduce(0, +) / Double(latencies.count) }
        func pct(_ p: Double) -> Double { Self.pct(latencies, p) }
        static func pct(_ a: [Double], _ p: Double) -> Double { a.isEmpty ? 0 : a[min(a.count - 1, Int(Double(a.count) * p))] }
        var cpuSeconds: Double { cpu.reduce(0, +) / 1000 }
        /// Messages per second of CPU: per core, whatever else the machine is doing.
        var messagesPerCPUSecond: Double { cpuSeconds > 0 ? Double(count) / cpuSeconds : 0 }
        var p50: Double { pct(0.5) }
        var p99: Double { pct(0.99) }
        var p999: Double { pct(0.999) }
        var max: Double { latencies.last ?? 0 }
        var dictionary: [String: Double] {
            ["messages_per_second": messagesPerSecond, "mb_per_second": megabytesPerSecond, "mean_ms": mean, "p50_ms": p50,
             "p99_ms": p99, "p999_ms": p999, "max_ms": max, "seconds": seconds,
             "messages_per_cpu_second": messagesPerCPUSecond, "cpu_seconds": cpuSeconds,
             "cpu_mean_ms": cpu.isEmpty ? 0 : cpu.reduce(0, +) / Double(cpu.count), "cpu_p50_ms": Self.pct(cpu, 0.5),
             "cpu_p99_ms": Self.pct(cpu, 0.99), "cpu_p999_ms": Self.pct(cpu, 0.999), "cpu_max_ms": cpu.last ?? 0]
        }
    }

    final class Slots: @unchecked Sendable {
        var latencies: [[Double]]
        var cpu: [[Double]]
        init(_ n: Int) { latencies = Array(repeating: [], count: n); cpu = Array(repeating: [], count: n) }
    }

    /// The calling thread's CPU time in milliseconds.
    static func threadCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1_000_000
    }

    /// Time spent in parsing and in each detector over one pass, single-threaded.
    static func profile(_ pipeline: BECCore.Pipeline, _ messages: [[UInt8]]) {
        let clock = ContinuousClock()
        var parse = Duration.zero
        var per = [Duration](repeating: .zero, count: pipeline.detectors.count)
        var normalize = Duration.zero
        for bytes in messages {
            let s = clock.now
            let m = pipeline.parse(bytes)
            parse += clock.now - s
            let n = clock.now
            _ = TextNormalizer.words(m.subject + " \n " + m.text, services: pipeline.services)
            normalize += clock.now - n
            let ctx = DetectionContext(message: m, policy: pipeline.policy, services: pipeline.services)
            for (i, d) in pipeline.detectors.enumerated() {
                let t = clock.now
                _ = d.detect(ctx)
                per[i] += clock.now - t
            }
        }
        print("profile (one pass, one thread):")
        print("  parse                          \(parse)")
        print("  (text normalization, included in payment_language) \(normalize)")
        for (i, d) in pipeline.detectors.enumerated() { print("  \(type(of: d).info.id.padding(toLength: 30, withPad: " ", startingAt: 0)) \(per[i])") }
    }

    static func run(_ pipeline: BECCore.Pipeline, _ messages: [[UInt8]], passes: Int, threads: Int) -> Result {
        let slots = Slots(threads)
        let total = messages.count * passes
        let clock = ContinuousClock()
        let start = clock.now
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var local: [Double] = [], localCPU: [Double] = []
            local.reserveCapacity(total / threads + 1)
            localCPU.reserveCapacity(total / threads + 1)
            var i = t
            while i < total {
                let m = messages[i % messages.count]
                let c = threadCPU()
                let s = clock.now
                _ = pipeline.evaluate(m)
                let d = clock.now - s
                localCPU.append(threadCPU() - c)
                local.append(d.milliseconds)
                i += threads
            }
            slots.latencies[t] = local   // each thread writes only its own slots
            slots.cpu[t] = localCPU
        }
        let elapsed = clock.now - start
        let secs = elapsed.milliseconds / 1000
        let bytes = messages.reduce(0) { $0 + $1.count } * passes
        return Result(seconds: secs, count: total, bytes: bytes, latencies: slots.latencies.flatMap { $0 }.sorted(),
                      cpu: slots.cpu.flatMap { $0 }.sorted())
    }
}

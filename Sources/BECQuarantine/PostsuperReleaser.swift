import Foundation

/// Releases from and deletes in this host's Postfix hold queue, where the milter's quarantine action
/// (smfi_quarantine) put the message: `postsuper -H QUEUEID` and `postsuper -d QUEUEID hold`.
/// Postfix then delivers its own queue file: the original bytes and envelope, without passing the
/// milter again. postsuper needs root (or the Postfix owner): run it as e.g. `sudo -n /usr/sbin/postsuper`
/// with a sudoers rule limited to those two forms.
///
/// `postsuper -H` only moves the message to the deferred queue, where Postfix looks again at its next
/// deferred-queue scan (`queue_run_delay`, 5 minutes by default). With `postqueue` set, the release then
/// runs `postqueue -i QUEUEID` (any user may: `authorized_flush_users`), so the message goes out now.
public struct PostsuperReleaser: Releaser {
    /// Runs a command and returns its exit status and combined output.
    public typealias Runner = @Sendable ([String]) async throws -> (status: Int32, output: String)

    /// The postsuper command, possibly behind sudo: `["/usr/sbin/postsuper"]`, `["sudo", "-n", "/usr/sbin/postsuper"]`.
    public let command: [String]
    /// The postqueue command that schedules a released message for delivery now (`postqueue -i`);
    /// nil: leave it to Postfix's next deferred-queue scan.
    public let postqueue: [String]?
    /// This host's name; a record held by another milter host is not in our queue.
    public let hostName: String
    let runner: Runner

    public init(command: [String] = ["/usr/sbin/postsuper"], postqueue: [String]? = nil,
                hostName: String = ProcessInfo.processInfo.hostName, runner: @escaping Runner = ProcessRunner.run) {
        self.command = command
        self.postqueue = postqueue
        self.hostName = hostName
        self.runner = runner
    }

    /// postqueue from the directory of the configured postsuper (`/usr/sbin/postqueue` for `[sudo, -n, /usr/sbin/postsuper]`).
    /// Run without sudo: postqueue is set-gid postdrop and flushing is open to every user by default.
    public static func postqueue(besides command: [String]) -> [String] {
        guard let exe = command.last(where: { $0.hasSuffix("postsuper") }), exe.hasPrefix("/") else { return ["/usr/sbin/postqueue"] }
        return [(exe as NSString).deletingLastPathComponent + "/postqueue"]
    }

    public var name: String { "postsuper -H (hold queue)" }

    public func release(_ record: QuarantineRecord) async throws -> String {
        let qid = try queueID(record)
        let (status, out) = try await runner(command + ["-H", qid])
        guard status == 0 else { throw QuarantineError(.releaseFailed, "postsuper -H \(qid) failed (\(status)): \(Self.oneLine(out))") }
        guard Self.count(out, "Released from hold") > 0 else {
            throw QuarantineError(.notFound, "queue id \(qid) is not in the hold queue")
        }
        let report = "released \(qid) from the Postfix hold queue"
        guard let postqueue else { return report }
        // Released already: a failure here only delays delivery until the next deferred-queue scan.
        do {
            let (s, o) = try await runner(postqueue + ["-i", qid])
            return s == 0 ? report + "; delivery scheduled now (postqueue -i)"
                : report + "; postqueue -i failed (\(s)): \(Self.oneLine(o)); Postfix delivers it at its next deferred-queue scan"
        } catch {
            return report + "; postqueue -i failed: \(error); Postfix delivers it at its next deferred-queue scan"
        }
    }

    public func delete(_ record: QuarantineRecord) async throws -> String {
        let qid = try queueID(record)
        let (status, out) = try await runner(command + ["-d", qid, "hold"])
        guard status == 0 else { throw QuarantineError(.releaseFailed, "postsuper -d \(qid) hold failed (\(status)): \(Self.oneLine(out))") }
        return Self.count(out, "Deleted") > 0 ? "deleted \(qid) from the Postfix hold queue" : "\(qid) was no longer in the hold queue"
    }

    func queueID(_ record: QuarantineRecord) throws -> String {
        guard let qid = record.queueID, !qid.isEmpty else { throw QuarantineError(.notFound, "no Postfix queue id recorded") }
        // Why: the id goes on postsuper's command line; "ALL" or an option would act on the whole queue.
        guard Self.isQueueID(qid) else { throw QuarantineError(.invalid, "'\(qid)' is not a Postfix queue id") }
        guard record.host == hostName else { throw QuarantineError(.notFound, "held on \(record.host), not on \(hostName)") }
        return qid
    }

    /// Short (hex) and long Postfix queue ids: 5 to 40 ASCII letters and digits, never the keyword ALL.
    public static func isQueueID(_ s: String) -> Bool {
        (5...40).contains(s.utf8.count) && s != "ALL" && s.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// N from postsuper's summary line "postsuper: Released from hold: N message(s)".
    static func count(_ output: String, _ label: String) -> Int {
        for line in output.split(whereSeparator: \.isNewline) {
            guard let r = line.range(of: label + ": ") else { continue }
            return Int(line[r.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        return 0
    }

    static func oneLine(_ s: String) -> String {
        String(s.split(whereSeparator: \.isNewline).joined(separator: " / ").prefix(300))
    }
}

/// Runs a program without a shell and collects its output.
public enum ProcessRunner {
    public static func run(_ argv: [String]) async throws -> (status: Int32, output: String) {
        guard let exe = argv.first else { throw QuarantineError(.invalid, "empty command") }
        return try await withCheckedThrowingContinuation { cont in
            // A plain thread, not the concurrency pool: reading to EOF blocks until the program exits.
            DispatchQueue.global().async {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: exe.hasPrefix("/") ? exe : "/usr/bin/env")
                p.arguments = exe.hasPrefix("/") ? Array(argv.dropFirst()) : argv
                let pipe = Pipe()
                p.standardOutput = pipe
                p.standardError = pipe
                p.standardInput = FileHandle.nullDevice
                do { try p.run() } catch {
                    cont.resume(throwing: QuarantineError(.releaseFailed, "cannot run \(exe): \(error)"))
                    return
                }
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                cont.resume(returning: (p.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
        }
    }
}

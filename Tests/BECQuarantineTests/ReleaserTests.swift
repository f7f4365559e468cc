@testable import BECQuarantine
import Foundation
import XCTest

/// Records the command lines a PostsuperReleaser runs and answers like postsuper.
final class FakePostsuper: @unchecked Sendable {
    private let lock = NSLock()
    private var _calls: [[String]] = []
    var output: String
    var status: Int32

    init(output: String, status: Int32 = 0) {
        self.output = output
        self.status = status
    }

    var calls: [[String]] { lock.withLock { _calls } }

    func run(_ argv: [String]) async throws -> (status: Int32, output: String) {
        lock.withLock { _calls.append(argv) }
        return (status, output)
    }
}

final class ReleaserTests: XCTestCase {
    func record(queueID: String? = "4FA0B12C3D", host: String = "mx1.test") -> QuarantineRecord {
        var r = Fixtures.record(1, queueID: queueID)
        r.host = host
        r.envelope.queueID = queueID
        return r
    }

    func testPostsuperReleaseFromHoldQueue() async throws {
        let fake = FakePostsuper(output: "postsuper: 4FA0B12C3D: released from hold\npostsuper: Released from hold: 1 message\n")
        let r = PostsuperReleaser(command: ["sudo", "-n", "/usr/sbin/postsuper"], hostName: "mx1.test", runner: fake.run)
        let report = try await r.release(record())
        XCTAssertEqual(fake.calls, [["sudo", "-n", "/usr/sbin/postsuper", "-H", "4FA0B12C3D"]])
        XCTAssertTrue(report.contains("4FA0B12C3D"))
    }

    func testPostsuperNotInHoldQueueIsNotFound() async throws {
        let fake = FakePostsuper(output: "")
        let r = PostsuperReleaser(hostName: "mx1.test", runner: fake.run)
        await XCTAssertThrowsCode(.notFound) { try await r.release(self.record()) }
    }

    func testPostsuperRefusesDangerousQueueIDs() async throws {
        let fake = FakePostsuper(output: "postsuper: Released from hold: 99 messages")
        let r = PostsuperReleaser(hostName: "mx1.test", runner: fake.run)
        for bad in ["ALL", "-d", "4FA0B12C3D ALL", "../x", "4FA0\n"] {
            await XCTAssertThrowsCode(.invalid) { try await r.release(self.record(queueID: bad)) }
        }
        XCTAssertEqual(fake.calls, [], "postsuper never ran")
        await XCTAssertThrowsCode(.notFound, "held on another milter host") { try await r.release(self.record(host: "mx2.test")) }
        await XCTAssertThrowsCode(.notFound, "no queue id") { try await r.release(self.record(queueID: nil)) }
    }

    func testPostsuperDelete() async throws {
        let fake = FakePostsuper(output: "postsuper: 4FA0B12C3D: removed\npostsuper: Deleted: 1 message\n")
        let r = PostsuperReleaser(hostName: "mx1.test", runner: fake.run)
        let report = try await r.delete(record())
        XCTAssertEqual(fake.calls, [["/usr/sbin/postsuper", "-d", "4FA0B12C3D", "hold"]])
        XCTAssertTrue(report.hasPrefix("deleted"))
        let failing = PostsuperReleaser(hostName: "mx1.test", runner: FakePostsuper(output: "fatal: use of this command is reserved for the superuser", status: 1).run)
        await XCTAssertThrowsCode(.releaseFailed) { try await failing.delete(self.record()) }
    }

    func testDataBlockDotStuffingAndLineEnds() {
        XCTAssertEqual(SMTPReleaser.dataBlock(Array("a\n.b\r\n..c\r\nd".utf8)), Array("a\r\n..b\r\n...c\r\nd\r\n".utf8))
        XCTAssertEqual(SMTPReleaser.dataBlock(Array(".\r\n".utf8)), Array("..\r\n".utf8))
    }

    func testSMTPReleaseDeliversTheStoredBytes() async throws {
        let sink = try SMTPSink()
        var r = Fixtures.record(1)
        r.envelope.recipients = ["ap@example.com", "refuse@example.com", "cfo@example.com"]
        r.raw += Array("\r\n.\r\n..two dots\r\nno final newline".utf8)
        let rel = SMTPReleaser(host: "127.0.0.1", port: sink.port, helo: "test.local", timeout: 5)
        let report = try await rel.release(r)
        let got = sink.wait()
        XCTAssertEqual(got.mailFrom, r.envelope.mailFrom)
        XCTAssertEqual(got.rcpts, ["ap@example.com", "cfo@example.com"])
        XCTAssertEqual(got.data, r.raw + [13, 10], "the bytes arrive as stored (a missing final line end is added)")
        XCTAssertTrue(got.mailCommand.contains("BODY=8BITMIME"), "8-bit content is declared")
        XCTAssertTrue(report.contains("refuse@example.com"), "partial refusals are reported")
    }

    func testSMTPRelayDown() async throws {
        let rel = SMTPReleaser(host: "127.0.0.1", port: 1, timeout: 2)
        await XCTAssertThrowsCode(.releaseFailed) { try await rel.release(Fixtures.record(1)) }
    }

    func testFallbackUsesSMTPWhenNotInHoldQueue() async throws {
        let sink = try SMTPSink()
        let postsuper = PostsuperReleaser(hostName: "mx1.test", runner: FakePostsuper(output: "postsuper: Released from hold: 0 messages").run)
        let both = FallbackReleaser(primary: postsuper, fallback: SMTPReleaser(host: "127.0.0.1", port: sink.port, timeout: 5))
        let report = try await both.release(record())
        XCTAssertTrue(report.contains("not in the hold queue"))
        XCTAssertEqual(sink.wait().rcpts, ["ap@calloway-freight.example"])
    }

    func testActionsClaimReleaseAndRevertOnFailure() async throws {
        let store = MemoryQuarantineStore()
        try await store.put(Fixtures.record(1))
        try await store.put(Fixtures.record(2))
        let ok = QuarantineActions(store: store, releaser: RecordingReleaser(), now: { Fixtures.t0 })
        try await ok.release("rec-0001", by: "alice")
        await XCTAssertThrowsCode(.conflict, "released once only") { try await ok.release("rec-0001", by: "bob") }
        let trail = await store.audit("rec-0001").map(\.action)
        XCTAssertEqual(trail, ["quarantine", "release", "release_done"])

        let broken = QuarantineActions(store: store, releaser: RecordingReleaser(failure: QuarantineError(.releaseFailed, "relay down")), now: { Fixtures.t0 })
        await XCTAssertThrowsCode(.releaseFailed) { try await broken.release("rec-0002", by: "alice") }
        let status = await store.get("rec-0002")?.status
        XCTAssertEqual(status, .held, "a failed release leaves the message held")
        let t2 = await store.audit("rec-0002")
        XCTAssertEqual(t2.map(\.action), ["quarantine", "release", "release_failed"])
        XCTAssertTrue(t2.last?.detail.contains("relay down") == true)

        try await ok.mark("rec-0002", as: .falsePositive, by: "bob", note: "vendor confirmed by phone")
        try await ok.delete("rec-0002", by: "bob")
        let final = await store.get("rec-0002")?.status
        XCTAssertEqual(final, .deleted)
        await XCTAssertThrowsCode(.invalid) { try await ok.mark("rec-0002", as: .released, by: "bob") }
    }

    func testAllowlistProposalQuotesHostileAddresses() {
        let yaml = AllowlistProposal.yaml(fromAddress: "\"evil\\\"\nallowlist: {domains: [x]}\"@b.example", mailFrom: nil, recordID: "rec-1", analyst: "alice")
        XCTAssertFalse(yaml.contains("\nallowlist: {domains"), "the address cannot start a YAML line")
        XCTAssertTrue(yaml.contains("senders: [\""))
        XCTAssertTrue(yaml.contains("# domains: [\"b.example\"]"))
    }
}

/// A one-shot SMTP server on 127.0.0.1 that refuses recipients starting with "refuse" and keeps
/// the DATA it receives, with dot-stuffing undone (as an MTA does).
final class SMTPSink: @unchecked Sendable {
    struct Received { var mailCommand = ""; var mailFrom = ""; var rcpts: [String] = []; var data: [UInt8] = [] }
    let port: Int
    private let fd: Int32
    private let done = DispatchSemaphore(value: 0)
    private var received = Received()

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        listen(fd, 1)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { self.serve() }
    }

    func wait() -> Received {
        _ = done.wait(timeout: .now() + 10)
        return received
    }

    private func serve() {
        let c = accept(fd, nil, nil)
        defer { close(c); close(fd); done.signal() }
        var buf: [UInt8] = []
        func send(_ s: String) { _ = s.utf8CString.withUnsafeBufferPointer { Glibc.send(c, $0.baseAddress, $0.count - 1, 0) } }
        func line() -> [UInt8]? {
            while true {
                if let i = buf.firstIndex(of: 10) {
                    let l = Array(buf[...i])
                    buf.removeSubrange(...i)
                    return l
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = recv(c, &chunk, chunk.count, 0)
                if n <= 0 { return nil }
                buf += chunk[..<n]
            }
        }
        send("220 sink ESMTP\r\n")
        while let l = line() {
            let cmd = String(decoding: l, as: UTF8.self).trimmingCharacters(in: .newlines)
            let upper = cmd.uppercased()
            if upper.hasPrefix("EHLO") { send("250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n") }
            else if upper.hasPrefix("MAIL FROM:") {
                received.mailCommand = cmd
                received.mailFrom = String(cmd.dropFirst(11).prefix { $0 != ">" })
                send("250 2.1.0 Ok\r\n")
            } else if upper.hasPrefix("RCPT TO:") {
                let a = String(cmd.dropFirst(9).prefix { $0 != ">" })
                if a.hasPrefix("refuse") { send("550 5.1.1 no such user\r\n") } else { received.rcpts.append(a); send("250 2.1.5 Ok\r\n") }
            } else if upper == "DATA" {
                send("354 go ahead\r\n")
                while let d = line() {
                    if d == Array(".\r\n".utf8) { break }
                    received.data += d.first == UInt8(ascii: ".") ? Array(d.dropFirst()) : d
                }
                send("250 2.0.0 Ok: queued as SINK1\r\n")
            } else if upper == "QUIT" { send("221 bye\r\n"); return }
            else { send("502 what\r\n") }
        }
    }
}

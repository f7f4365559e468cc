#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation

/// Re-submits the stored bytes over SMTP to a relay that does not run the milter, e.g. a second
/// Postfix smtpd on loopback (`127.0.0.1:10026 inet n - n - - smtpd -o smtpd_milters= -o non_smtpd_milters=`).
/// The original envelope (MAIL FROM, every RCPT TO) is replayed. The bytes arrive exactly as stored:
/// SMTP DATA dot-stuffing is undone by the receiver, and line ends go on the wire as CRLF (a message
/// stored with bare LF line ends arrives with CRLF). Used when the held copy is not in this host's
/// hold queue (another milter host, or Postfix already expired or deleted it).
public struct SMTPReleaser: Releaser {
    public let host: String
    public let port: Int
    /// Our EHLO name.
    public let helo: String
    public let timeout: TimeInterval

    public init(host: String, port: Int, helo: String = "bec-milter-release.localhost", timeout: TimeInterval = 30) {
        self.host = host
        self.port = port
        self.helo = helo
        self.timeout = timeout
    }

    public var name: String { "SMTP \(host):\(port)" }

    public func release(_ record: QuarantineRecord) async throws -> String {
        guard !record.envelope.recipients.isEmpty else { throw QuarantineError(.releaseFailed, "no envelope recipients recorded") }
        let (host, port, helo, timeout) = (host, port, helo, timeout)
        return try await withCheckedThrowingContinuation { cont in
            // Blocking socket I/O on a plain thread, never on the concurrency pool.
            DispatchQueue.global().async {
                do {
                    let s = try SMTPSession(host: host, port: port, timeout: timeout)
                    defer { s.close() }
                    cont.resume(returning: try s.send(record, helo: helo))
                } catch let e as QuarantineError {
                    cont.resume(throwing: e)
                } catch {
                    cont.resume(throwing: QuarantineError(.releaseFailed, "SMTP \(host):\(port): \(error)"))
                }
            }
        }
    }

    /// Nothing to delete at a relay; the message was never sent there.
    public func delete(_ record: QuarantineRecord) async throws -> String { "nothing held at \(name)" }

    /// CRLF line ends and SMTP dot-stuffing (RFC 5321 section 4.5.2), ending with CRLF.
    public static func dataBlock(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count + raw.count / 40 + 8)
        var atLineStart = true
        var prev: UInt8 = 0
        for b in raw {
            if atLineStart && b == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            if b == 10 && prev != 13 { out.append(13) }
            out.append(b)
            atLineStart = b == 10
            prev = b
        }
        if !atLineStart { out += [13, 10] }
        return out
    }
}

/// One blocking SMTP client connection (POSIX sockets, send and receive timeouts).
final class SMTPSession {
    private let fd: Int32
    private var buffer: [UInt8] = []
    let peer: String

    init(host: String, port: Int, timeout: TimeInterval) throws {
        peer = "\(host):\(port)"
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else {
            throw QuarantineError(.releaseFailed, "SMTP relay \(host): cannot resolve")
        }
        defer { freeaddrinfo(res) }
        var ai: UnsafeMutablePointer<addrinfo>? = first
        var sock: Int32 = -1
        while let a = ai {
            sock = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            if sock >= 0 {
                var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
                setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
                if connect(sock, a.pointee.ai_addr, a.pointee.ai_addrlen) == 0 { break }
                Glibc.close(sock)
                sock = -1
            }
            ai = a.pointee.ai_next
        }
        guard sock >= 0 else { throw QuarantineError(.releaseFailed, "SMTP relay \(peer): cannot connect (\(String(cString: strerror(errno))))") }
        fd = sock
    }

    func close() { Glibc.close(fd) }

    /// The whole transaction; returns the relay's final answer to DATA.
    func send(_ r: QuarantineRecord, helo: String) throws -> String {
        _ = try expect([220], "greeting")
        let ehlo = try command("EHLO \(helo)", [250])
        let exts = Set(ehlo.lines.dropFirst().map { $0.uppercased().split(separator: " ").first.map(String.init) ?? "" })
        let eightBit = r.raw.contains { $0 >= 0x80 }
        let env = r.envelope
        let utf8Addr = ([env.mailFrom ?? ""] + env.recipients).contains { $0.utf8.contains { $0 >= 0x80 } }
        var mail = "MAIL FROM:<\(Self.clean(env.mailFrom ?? ""))>"
        if eightBit && exts.contains("8BITMIME") { mail += " BODY=8BITMIME" }
        if utf8Addr && exts.contains("SMTPUTF8") { mail += " SMTPUTF8" }
        _ = try command(mail, [250])
        var accepted = 0
        var refused: [String] = []
        for rcpt in env.recipients {
            let reply = try command("RCPT TO:<\(Self.clean(rcpt))>", [250, 251], throwing: false)
            if [250, 251].contains(reply.code) { accepted += 1 } else { refused.append("\(rcpt): \(reply.text)") }
        }
        guard accepted > 0 else {
            _ = try? command("QUIT", [221], throwing: false)
            throw QuarantineError(.releaseFailed, "SMTP relay \(peer) refused every recipient: " + refused.joined(separator: "; "))
        }
        _ = try command("DATA", [354])
        try write(SMTPReleaser.dataBlock(r.raw) + Array(".\r\n".utf8))
        let done = try expect([250], "end of data")
        _ = try? command("QUIT", [221], throwing: false)
        let partial = refused.isEmpty ? "" : "; refused " + refused.joined(separator: "; ")
        return "re-submitted to \(peer) for \(accepted) recipient(s): \(done.text)\(partial)"
    }

    /// Envelope addresses go inside angle brackets on one command line: drop anything that could end it.
    static func clean(_ a: String) -> String { String(a.filter { $0 != "\r" && $0 != "\n" && $0 != "<" && $0 != ">" }) }

    struct Reply {
        var code: Int
        var lines: [String]
        var text: String { lines.joined(separator: " / ") }
    }

    func command(_ line: String, _ ok: Set<Int>, throwing: Bool = true) throws -> Reply {
        try write(Array((line + "\r\n").utf8))
        return try expect(ok, line.split(separator: ":").first.map(String.init) ?? line, throwing: throwing)
    }

    func expect(_ ok: Set<Int>, _ what: String, throwing: Bool = true) throws -> Reply {
        var lines: [String] = []
        while true {
            let l = try readLine()
            lines.append(String(l.dropFirst(4)))
            guard l.count >= 3, let code = Int(l.prefix(3)) else { throw QuarantineError(.releaseFailed, "SMTP relay \(peer): bad reply '\(l.prefix(100))'") }
            if l.count == 3 || l[l.index(l.startIndex, offsetBy: 3)] != "-" {
                let r = Reply(code: code, lines: lines)
                if throwing && !ok.contains(code) { throw QuarantineError(.releaseFailed, "SMTP relay \(peer) answered \(what) with \(code) \(r.text)") }
                return r
            }
            if lines.count > 100 { throw QuarantineError(.releaseFailed, "SMTP relay \(peer): reply too long") }
        }
    }

    private func readLine() throws -> String {
        while true {
            if let i = buffer.firstIndex(of: 10) {
                let line = buffer[..<i].filter { $0 != 13 }
                buffer.removeSubrange(...i)
                return String(decoding: line, as: UTF8.self)
            }
            guard buffer.count < 8192 else { throw QuarantineError(.releaseFailed, "SMTP relay \(peer): reply line too long") }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { throw QuarantineError(.releaseFailed, "SMTP relay \(peer): connection closed or timed out") }
            buffer += chunk[..<n]
        }
    }

    private func write(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw QuarantineError(.releaseFailed, "SMTP relay \(peer): write failed (\(String(cString: strerror(errno))))") }
            off += n
        }
    }
}

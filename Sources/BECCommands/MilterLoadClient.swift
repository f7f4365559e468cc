import BECMilter
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One message made ready for the wire once, before timing starts: header and body packets.
struct PreparedMessage: Sendable {
    var headers: [[UInt8]]
    var body: [[UInt8]]
    var bytes: Int

    init(_ raw: [UInt8]) {
        let (h, b) = MilterWire.split(raw)
        headers = h.map { MilterWire.header(name: $0.name, value: $0.value) }
        body = MilterWire.body(b)
        bytes = raw.count
    }
}

/// The envelope every benchmark transaction uses (fixed, so runs compare).
struct BenchEnvelope: Sendable {
    var clientName = "client.bench.example"
    var clientAddress = "192.0.2.25"
    var helo = "client.bench.example"
    var mailFrom = "sender@bench.example"
    var rcpt = "user@callowayfreight.com"
}

/// A blocking MTA-side milter connection (one per thread), speaking `MilterWire` over a socket.
final class MilterLoadClient {
    enum ClientError: Error, CustomStringConvertible {
        case socket(String)
        case closed
        case protocolError(String)
        var description: String {
            switch self {
            case let .socket(s): return "socket: \(s)"
            case .closed: return "the milter closed the connection"
            case let .protocolError(s): return "protocol: \(s)"
            }
        }
    }

    private let fd: Int32
    private var inbox: [UInt8] = []
    private var outbox: [UInt8] = []
    private(set) var steps: UInt32 = 0
    private var queueSerial = 0

    init(_ spec: SocketSpec) throws {
        fd = try Self.open(spec)
    }

    deinit { close(fd) }

    private static func open(_ spec: SocketSpec) throws -> Int32 {
        switch spec {
        case let .unix(path):
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw ClientError.socket("socket(): \(errno)") }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { dst in
                for (i, b) in path.utf8.prefix(dst.count - 1).enumerated() { dst[i] = b }
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0 else { let e = errno; close(fd); throw ClientError.socket("connect \(path): \(String(cString: strerror(e)))") }
            return fd
        case let .inet(port, host, v6):
            var hints = addrinfo()
            hints.ai_family = v6 ? AF_INET6 : AF_INET
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var res: UnsafeMutablePointer<addrinfo>?
            let h = host ?? (v6 ? "::1" : "127.0.0.1")
            guard getaddrinfo(h, String(port), &hints, &res) == 0, let ai = res else { throw ClientError.socket("cannot resolve \(h)") }
            defer { freeaddrinfo(res) }
            let fd = socket(ai.pointee.ai_family, ai.pointee.ai_socktype, ai.pointee.ai_protocol)
            guard fd >= 0 else { throw ClientError.socket("socket(): \(errno)") }
            guard Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 else {
                let e = errno; close(fd); throw ClientError.socket("connect \(h):\(port): \(String(cString: strerror(e)))")
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            return fd
        }
    }

    // MARK: I/O

    private func queue(_ packet: [UInt8]) { outbox += packet }

    private func flush() throws {
        var off = 0
        while off < outbox.count {
            let n = outbox.withUnsafeBytes { write(fd, $0.baseAddress! + off, $0.count - off) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw ClientError.socket("write: \(String(cString: strerror(errno)))") }
            off += n
        }
        outbox.removeAll(keepingCapacity: true)
    }

    /// The next reply packet, decoded.
    func readReply() throws -> MilterWire.Reply {
        try flush()
        while true {
            if let p = try MilterWire.nextPacket(&inbox) { return try MilterWire.decode(p) }
            var buf = [UInt8](repeating: 0, count: 16384)
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { throw ClientError.closed }
            inbox += buf[0..<n]
        }
    }

    /// Sends one step unless the milter asked not to get it; reads the reply unless it said it
    /// will not answer. Returns a non-continue reply (the transaction is over), else nil.
    private func step(_ packet: [UInt8], skip: UInt32, noReply: UInt32, macros: [UInt8]? = nil) throws -> MilterWire.Reply? {
        if skip != 0, steps & skip != 0 { return nil }
        if let macros { queue(macros) }
        queue(packet)
        if noReply != 0, steps & noReply != 0 { return nil }
        let r = try readReply()
        return r == .continue ? nil : r
    }

    // MARK: protocol

    /// Option negotiation: offers everything Postfix offers.
    func negotiate() throws {
        queue(MilterWire.optionNegotiation())
        guard case let .optionNegotiation(_, _, s) = try readReply() else { throw ClientError.protocolError("no option negotiation reply") }
        steps = s
    }

    /// CONNECT and HELO. Returns an early verdict if the milter refused the client.
    func open(_ env: BenchEnvelope) throws -> MilterWire.Reply? {
        let conn = MilterWire.macros(for: .connect, [("j", "mx.bench.example"), ("{daemon_name}", "smtpd"),
                                                     ("{client_addr}", env.clientAddress), ("{client_name}", env.clientName)])
        if let r = try step(MilterWire.connect(hostname: env.clientName, address: env.clientAddress), skip: MilterWire.noConnect,
                            noReply: MilterWire.noReplyConnect, macros: conn) { return r }
        return try step(MilterWire.helo(env.helo), skip: MilterWire.noHelo, noReply: MilterWire.noReplyHelo)
    }

    /// MAIL, RCPT, DATA, headers, end of header and the first `bodyPackets` body chunks (all when nil).
    /// Returns an early verdict when the milter ended the transaction before end of message.
    func begin(_ m: PreparedMessage, _ env: BenchEnvelope, bodyPackets: Int? = nil) throws -> MilterWire.Reply? {
        queueSerial += 1
        let qid = "B\(queueSerial)"
        if let r = try step(MilterWire.mail(env.mailFrom), skip: MilterWire.noMail, noReply: MilterWire.noReplyMail,
                            macros: MilterWire.macros(for: .mail, [("{mail_addr}", env.mailFrom)])) { return r }
        if let r = try step(MilterWire.rcpt(env.rcpt), skip: MilterWire.noRcpt, noReply: MilterWire.noReplyRcpt,
                            macros: MilterWire.macros(for: .rcpt, [("i", qid), ("{rcpt_addr}", env.rcpt)])) { return r }
        if let r = try step(MilterWire.frame(.data), skip: MilterWire.noData, noReply: MilterWire.noReplyData,
                            macros: MilterWire.macros(for: .data, [("i", qid)])) { return r }
        for h in m.headers {
            if let r = try step(h, skip: MilterWire.noHeaders, noReply: MilterWire.noReplyHeader) { return r }
        }
        if let r = try step(MilterWire.frame(.endOfHeader), skip: MilterWire.noEOH, noReply: MilterWire.noReplyEOH,
                            macros: MilterWire.macros(for: .endOfHeader, [("i", qid)])) { return r }
        if steps & MilterWire.noBody == 0 {
            for b in m.body.prefix(bodyPackets ?? m.body.count) {
                if let r = try step(b, skip: 0, noReply: MilterWire.noReplyBody) { return r }
            }
        }
        try flush()
        return nil
    }

    /// End of message; reads modification replies until the verdict. Returns the verdict and
    /// the number of modification replies.
    func endOfMessage() throws -> (verdict: MilterWire.Reply, modifications: Int) {
        queue(MilterWire.macros(for: .endOfBody, [("i", "B\(queueSerial)")]))
        queue(MilterWire.frame(.endOfBody))
        var mods = 0
        while true {
            let r = try readReply()
            if r.isFinal { return (r, mods) }
            mods += 1
        }
    }

    /// SMFIC_ABORT: forget the current transaction (no reply).
    func abort() throws {
        queue(MilterWire.frame(.abort))
        try flush()
    }

    /// SMFIC_QUIT and close.
    func quit() {
        queue(MilterWire.frame(.quit))
        try? flush()
    }
}

/// The MTA side of the milter protocol, version 6 (libmilter/mfdef.h and engine.c): framing,
/// command encoding and reply decoding. No I/O, so every byte can be checked by a unit test;
/// `MilterLoadClient` puts it on a socket for `bench milter`.
///
/// A packet on the wire is `uint32 length (network order)`, one command byte, then `length - 1`
/// bytes of data.
enum MilterWire {
    /// Commands (SMFIC_*), MTA to milter.
    enum Command: UInt8 {
        case abort = 0x41      // A
        case body = 0x42       // B
        case connect = 0x43    // C
        case macro = 0x44      // D
        case endOfBody = 0x45  // E
        case helo = 0x48       // H
        case header = 0x4C     // L
        case mail = 0x4D       // M
        case endOfHeader = 0x4E // N
        case optionNegotiation = 0x4F // O
        case quit = 0x51       // Q
        case rcpt = 0x52       // R
        case data = 0x54       // T
    }

    // Protocol step bits (SMFIP_*): "do not send" and "will not reply".
    static let noConnect: UInt32 = 0x1, noHelo: UInt32 = 0x2, noMail: UInt32 = 0x4, noRcpt: UInt32 = 0x8
    static let noBody: UInt32 = 0x10, noHeaders: UInt32 = 0x20, noEOH: UInt32 = 0x40, noReplyHeader: UInt32 = 0x80
    static let noData: UInt32 = 0x200
    static let noReplyConnect: UInt32 = 0x1000, noReplyHelo: UInt32 = 0x2000, noReplyMail: UInt32 = 0x4000
    static let noReplyRcpt: UInt32 = 0x8000, noReplyData: UInt32 = 0x10000, noReplyEOH: UInt32 = 0x40000
    static let noReplyBody: UInt32 = 0x80000
    /// Everything an MTA like Postfix offers: every step may be skipped or left unanswered.
    static let allSteps: UInt32 = 0x1F_FFFF
    /// Every modification action (SMFIF_*).
    static let allActions: UInt32 = 0x1FF
    /// libmilter's MILTER_CHUNK_SIZE: the largest body chunk an MTA sends.
    static let maxBodyChunk = 65535
    /// Replies longer than this are refused as a framing error (libmilter's own limit is 64 MB + a bit).
    static let maxPacket = 1 << 26

    /// One decoded packet.
    struct Packet: Equatable {
        var command: UInt8
        var data: [UInt8]
    }

    /// What the milter answered.
    enum Reply: Equatable {
        case optionNegotiation(version: UInt32, actions: UInt32, steps: UInt32)
        case accept, `continue`, discard, reject, tempfail, skip
        case replyCode(String)
        case addHeader(name: String, value: String)
        case insertHeader(index: UInt32, name: String, value: String)
        case changeHeader(index: UInt32, name: String, value: String)
        case replaceBody(bytes: Int)
        case quarantine(reason: String)
        case progress
        case other(command: UInt8)

        /// True for a reply that ends the exchange for the current command (at end of message, the verdict).
        var isFinal: Bool {
            switch self {
            case .accept, .continue, .discard, .reject, .tempfail, .skip, .replyCode, .optionNegotiation: return true
            default: return false
            }
        }

        /// The verdict's short name: accept, continue, discard, reject, tempfail or the SMTP class of a reply code.
        var verdict: String {
            switch self {
            case .accept: return "accept"
            case .continue: return "continue"
            case .discard: return "discard"
            case .reject: return "reject"
            case .tempfail: return "tempfail"
            case .skip: return "skip"
            case let .replyCode(text): return text.hasPrefix("5") ? "reject" : "tempfail"
            default: return "other"
            }
        }
    }

    /// Errors of a milter that does not speak the protocol.
    enum WireError: Error, Equatable {
        case badLength(Int)
        case truncated(command: UInt8)
        case unexpected(command: UInt8)
    }

    // MARK: encoding

    /// One framed packet.
    static func frame(_ command: Command, _ data: [UInt8] = []) -> [UInt8] {
        let n = UInt32(data.count + 1)
        var out: [UInt8] = [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF), command.rawValue]
        out.append(contentsOf: data)
        return out
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func cString(_ s: String) -> [UInt8] { Array(s.utf8) + [0] }

    /// SMFIC_OPTNEG: version, offered actions, offered protocol steps.
    static func optionNegotiation(version: UInt32 = 6, actions: UInt32 = allActions, steps: UInt32 = allSteps) -> [UInt8] {
        frame(.optionNegotiation, be32(version) + be32(actions) + be32(steps))
    }

    /// SMFIC_MACRO for the stage of `command`: name NUL value NUL pairs.
    static func macros(for command: Command, _ pairs: [(String, String)]) -> [UInt8] {
        var data: [UInt8] = [command.rawValue]
        for (k, v) in pairs { data += cString(k) + cString(v) }
        return frame(.macro, data)
    }

    /// SMFIC_CONNECT: host name NUL, family ('4', '6' or 'U' for unknown), port, address NUL.
    static func connect(hostname: String, address: String?, port: UInt16 = 25) -> [UInt8] {
        var data = cString(hostname)
        if let address {
            data.append(address.contains(":") ? 0x36 : 0x34)
            data += [UInt8(port >> 8), UInt8(port & 0xFF)]
            data += cString(address)
        } else {
            data.append(0x55)
        }
        return frame(.connect, data)
    }

    static func helo(_ name: String) -> [UInt8] { frame(.helo, cString(name)) }
    static func mail(_ sender: String) -> [UInt8] { frame(.mail, cString("<\(sender)>")) }
    static func rcpt(_ recipient: String) -> [UInt8] { frame(.rcpt, cString("<\(recipient)>")) }
    static func header(name: [UInt8], value: [UInt8]) -> [UInt8] { frame(.header, name + [0] + value + [0]) }

    /// SMFIC_BODY packets of at most `chunk` bytes each (none for an empty body).
    static func body(_ body: [UInt8], chunk: Int = maxBodyChunk) -> [[UInt8]] {
        stride(from: 0, to: body.count, by: max(1, chunk)).map { frame(.body, Array(body[$0..<min(body.count, $0 + chunk)])) }
    }

    /// Header fields and body as Postfix hands them to a milter that did not ask for
    /// SMFIP_HDR_LEADSPC: the value without its leading blanks, folded lines joined with LF, and
    /// the body with CRLF line ends. A header line without a colon is dropped (Postfix would have
    /// ended the header there; for a benchmark the difference does not matter).
    static func split(_ raw: [UInt8]) -> (headers: [(name: [UInt8], value: [UInt8])], body: [UInt8]) {
        var headers: [(name: [UInt8], value: [UInt8])] = []
        var i = 0
        let n = raw.count
        while i < n {
            var end = i
            while end < n, raw[end] != 0x0A { end += 1 }
            var line = raw[i..<end]
            if line.last == 0x0D { line = line.dropLast() }
            i = end + 1
            if line.isEmpty { break }
            if line.first == 0x20 || line.first == 0x09, !headers.isEmpty {
                headers[headers.count - 1].value += [0x0A] + line
            } else if let colon = line.firstIndex(of: 0x3A) {
                let value = line[(colon + 1)...].drop(while: { $0 == 0x20 || $0 == 0x09 })
                headers.append((Array(line[..<colon]), Array(value)))
            }
        }
        var body: [UInt8] = []
        if i < n {
            body.reserveCapacity(n - i + (n - i) / 32)
            var j = i
            while j < n {
                let b = raw[j]
                if b == 0x0A, j == i || raw[j - 1] != 0x0D { body.append(0x0D) }
                body.append(b)
                j += 1
            }
        }
        return (headers, body)
    }

    // MARK: decoding

    /// Takes whole packets off the front of `buffer`; leaves a partial one in place.
    static func nextPacket(_ buffer: inout [UInt8]) throws -> Packet? {
        guard buffer.count >= 4 else { return nil }
        let len = Int(buffer[0]) << 24 | Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
        guard len >= 1, len <= maxPacket else { throw WireError.badLength(len) }
        guard buffer.count >= 4 + len else { return nil }
        let packet = Packet(command: buffer[4], data: Array(buffer[5..<(4 + len)]))
        buffer.removeFirst(4 + len)
        return packet
    }

    /// The meaning of one reply packet.
    static func decode(_ p: Packet) throws -> Reply {
        let d = p.data
        switch p.command {
        case 0x4F: // O
            guard d.count >= 12 else { throw WireError.truncated(command: p.command) }
            return .optionNegotiation(version: u32(d, 0), actions: u32(d, 4), steps: u32(d, 8))
        case 0x61: return .accept     // a
        case 0x63: return .continue   // c
        case 0x64: return .discard    // d
        case 0x72: return .reject     // r
        case 0x74: return .tempfail   // t
        case 0x73: return .skip       // s
        case 0x70: return .progress   // p
        case 0x79: return .replyCode(text(d[...]))  // y
        case 0x71: return .quarantine(reason: text(d[...]))  // q
        case 0x62: return .replaceBody(bytes: d.count)  // b
        case 0x68: // h: name NUL value NUL
            let (name, value) = try pair(d[...], p.command)
            return .addHeader(name: name, value: value)
        case 0x69, 0x6D: // i, m: index, name NUL value NUL
            guard d.count >= 4 else { throw WireError.truncated(command: p.command) }
            let (name, value) = try pair(d[4...], p.command)
            return p.command == 0x69 ? .insertHeader(index: u32(d, 0), name: name, value: value)
                                     : .changeHeader(index: u32(d, 0), name: name, value: value)
        default:
            return .other(command: p.command)
        }
    }

    private static func u32(_ d: [UInt8], _ at: Int) -> UInt32 {
        UInt32(d[at]) << 24 | UInt32(d[at + 1]) << 16 | UInt32(d[at + 2]) << 8 | UInt32(d[at + 3])
    }

    private static func text(_ d: ArraySlice<UInt8>) -> String {
        String(decoding: d.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    private static func pair(_ d: ArraySlice<UInt8>, _ command: UInt8) throws -> (String, String) {
        guard let nul = d.firstIndex(of: 0) else { throw WireError.truncated(command: command) }
        return (text(d[..<nul]), text(d[(nul + 1)...]))
    }
}

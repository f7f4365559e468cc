import BECCore
import BECMilter
import BECRules
import Logging

/// The libmilter bridge as libFuzzer sees it: the input is a script of callbacks (connect, MAIL,
/// RCPT, header, end of headers, body chunk, end of message, abort, close, macros) in any order
/// and with any arguments, replayed against `MilterCallbacks` with a recording context. libmilter's
/// own C code parses the wire protocol; this covers everything our Swift side does with what it
/// hands us. Invariants: every end of message answers continue, reject or tempfail with the edits
/// that answer implies; inbound X-BEC-* fields are deleted; close releases everything.
enum FuzzCallbacks {
    /// A stand-in for SMFICTX: private data, macros from the script, a record of the edits.
    final class Context: MilterContext, @unchecked Sendable {
        var privateData: UnsafeMutableRawPointer?
        var macros: [String: String] = [:]
        var edits: [MilterEdit] = []
        var refuse = false
        func macro(_ name: String) -> String? { macros[name] }
        func perform(_ edit: MilterEdit) -> Bool {
            if refuse { return false }
            edits.append(edit)
            return true
        }
    }

    struct NullSink: VerdictSink { func write(_ line: String) {} }

    /// Reads the script: one op byte, then length-prefixed arguments.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0
        mutating func byte() -> UInt8? {
            guard at < bytes.count else { return nil }
            defer { at += 1 }
            return bytes[at]
        }
        /// A length (one byte, or two when the first is 0xFF) and that many bytes.
        mutating func data() -> ArraySlice<UInt8> {
            var n = Int(byte() ?? 0)
            if n == 0xFF { n = Int(byte() ?? 0) << 8 | Int(byte() ?? 0) }
            let end = min(bytes.count, at + n)
            defer { at = end }
            return Array(bytes[at..<end])[...]
        }
        mutating func string() -> String { String(decoding: data(), as: UTF8.self) }
        mutating func optional() -> String? { (byte() ?? 0) & 1 == 0 ? nil : string() }
    }

    static let macroNames = ["i", "{client_addr}", "{client_name}", "{auth_authen}", "j", "{daemon_name}"]

    static func run(_ input: UnsafeBufferPointer<UInt8>, configuration: MilterConfiguration) {
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        let engine = MilterEngine(configuration: configuration, logger: logger, verdictSink: NullSink())
        let ctx = Context()
        var r = Reader(bytes: input)
        var inboundOwn = 0
        while let op = r.byte() {
            switch op % 12 {
            case 0: ok(MilterCallbacks.connect(ctx, engine, hostName: r.optional(), address: r.optional())); inboundOwn = 0
            case 1: ok(MilterCallbacks.mailFrom(ctx, engine, arguments: [r.string()])); inboundOwn = 0
            case 2: ok(MilterCallbacks.recipient(ctx, engine, arguments: [r.string()]))
            case 3, 4:
                let name = op % 12 == 4 ? "X-BEC-" + r.string() : r.string()
                if name.lowercased().hasPrefix("x-bec-") { inboundOwn += 1 }
                ok(MilterCallbacks.header(ctx, engine, name: name, value: r.string()))
            case 5: _ = MilterCallbacks.endOfHeaders(ctx, engine)
            case 6: r.data().withUnsafeBytes { ok(MilterCallbacks.body(ctx, engine, chunk: $0)) }
            case 7:
                ctx.edits = []
                let result = MilterCallbacks.endOfMessage(ctx, engine)
                check(result, ctx, inboundOwn: inboundOwn)
                inboundOwn = 0
            case 8: _ = MilterCallbacks.abort(ctx, engine); inboundOwn = 0
            case 9: _ = MilterCallbacks.close(ctx, engine); inboundOwn = 0
            case 10: ctx.macros[macroNames[Int(r.byte() ?? 0) % macroNames.count]] = r.string()
            default: ctx.refuse.toggle()
            }
        }
        _ = MilterCallbacks.close(ctx, engine)
        precondition(ctx.privateData == nil, "close left the connection attached")
        precondition(engine.messagesInFlight == 0, "a message is still counted in flight after close")
    }

    static func ok(_ r: CallbackResult) { precondition(r == .noReply, "a collecting callback answered \(r)") }

    /// What an end of message must have done for its answer.
    static func check(_ result: CallbackResult, _ ctx: Context, inboundOwn: Int) {
        let replies = ctx.edits.filter { if case .setReply = $0 { true } else { false } }
        switch result {
        case .reject, .tempfail:
            precondition(ctx.refuse || replies.count == 1, "refusal without exactly one reply: \(ctx.edits)")
        case .continue:
            guard !ctx.refuse else { return }
            let verdicts = ctx.edits.filter { if case let .addHeader(n, _) = $0 { n == Decider.verdictHeader } else { false } }
            precondition(verdicts.count == 1, "delivered without exactly one X-BEC-Verdict: \(ctx.edits)")
            let deletes = ctx.edits.filter { if case .deleteHeader = $0 { true } else { false } }
            precondition(deletes.count == inboundOwn, "\(inboundOwn) inbound X-BEC fields, \(deletes.count) deleted")
        default:
            preconditionFailure("end of message answered \(result)")
        }
    }
}

import BECCore
import BECRules
import Foundation
import Logging

/// The callback logic, generic over the context so tests replay libmilter's callback order
/// without libmilter. Every callback but end of message only collects and answers "no reply";
/// end of message makes the one call into the core and applies the decision.
public enum MilterCallbacks {
    public static func connect<C: MilterContext>(_ ctx: C, _ engine: MilterEngine, hostName: String?, address: String?) -> CallbackResult {
        let macros = ConnectMacros(clientAddress: ctx.macro("{client_addr}"), clientName: ctx.macro("{client_name}"),
                                   daemonName: ctx.macro("{daemon_name}"), mtaHostName: ctx.macro("j"))
        let c = MilterConnection.attached(to: ctx, engine: engine)
        if c.state.withLock({ $0.message != nil }) { abortMessage(c, engine) }
        c.state.withLock { $0.connect(hostName: hostName, address: address, macros: macros) }
        return .noReply
    }

    public static func mailFrom<C: MilterContext>(_ ctx: C, _ engine: MilterEngine, arguments: [String]) -> CallbackResult {
        let c = MilterConnection.attached(to: ctx, engine: engine)
        if c.state.withLock({ $0.message != nil }) { abortMessage(c, engine) }
        let config = engine.configuration
        let auth = ctx.macro("{auth_authen}")
        let queueID = ctx.macro("i")
        let clientAddress = ctx.macro("{client_addr}")
        c.state.withLock {
            $0.supplement(clientAddress: clientAddress)
            $0.mailFrom(arguments.first ?? "", authenticatedUser: auth, queueID: queueID, configuration: config)
        }
        engine.messageStarted()
        return .noReply
    }

    public static func recipient<C: MilterContext>(_ ctx: C, _ engine: MilterEngine, arguments: [String]) -> CallbackResult {
        let c = collecting(ctx, engine)
        let queueID = ctx.macro("i")
        c.state.withLock { $0.recipient(arguments.first ?? "", queueID: queueID) }
        return .noReply
    }

    public static func header<C: MilterContext>(_ ctx: C, _ engine: MilterEngine, name: String, value: String) -> CallbackResult {
        collecting(ctx, engine).state.withLock { $0.header(name: name, value: value) }
        return .noReply
    }

    public static func endOfHeaders<C: MilterContext>(_ ctx: C, _ engine: MilterEngine) -> CallbackResult {
        collecting(ctx, engine).state.withLock { $0.endOfHeaders() }
        return .continue
    }

    public static func body<C: MilterContext>(_ ctx: C, _ engine: MilterEngine, chunk: UnsafeRawBufferPointer) -> CallbackResult {
        collecting(ctx, engine).state.withLock { $0.body(chunk) }
        return .noReply
    }

    /// The end of the message: one scan, one decision, the edits, the answer.
    public static func endOfMessage<C: MilterContext>(_ ctx: C, _ engine: MilterEngine) -> CallbackResult {
        let c = MilterConnection.attached(to: ctx, engine: engine)
        let queueID = ctx.macro("i")
        guard let m = c.state.withLock({ $0.endOfMessage(queueID: queueID) }) else {
            return unexpectedEndOfMessage(ctx, engine, queueID: queueID)
        }
        // Counted as in flight until answered, so a SIGTERM drain waits for this scan.
        defer { engine.messageEnded(aborted: false) }
        let settings = m.configuration.settings
        let log = engine.logger(queueID: m.envelope.queueID, settings: settings)
        let started = ContinuousClock.now
        let outcome: ScanOutcome
        if m.truncated && Decider.policy(for: .overLimit, settings) != .accept {
            outcome = .failed(.overLimit, detail: "message exceeds limits.max_message_bytes (\(m.configuration.maxMessageBytes) bytes)")
        } else {
            outcome = engine.scan(m)
        }
        let elapsed = ContinuousClock.now - started
        var decision = Decider.decide(m, outcome: outcome, settings: settings)
        // Why before answering: a message we mean to hold must be in the store first; if the
        // store cannot take it, the configured failure policy answers (tempfail by default).
        decision = storeQuarantined(decision, message: m, engine, log)
        decision = apply(decision, message: m, to: ctx, engine, log)
        var from: String? = nil
        if case let .scanned(_, f, lesson) = outcome {
            from = f
            // Only what is delivered teaches: held, rejected and tempfailed mail never does.
            if let lesson, decision.disposition == .accept, decision.applied == .accept || decision.applied == .tag {
                engine.history?.learn(lesson)
            }
        }
        report(decision, message: m, from: from, scanTime: elapsed, engine, log)
        return result(decision.disposition)
    }

    public static func abort<C: MilterContext>(_ ctx: C, _ engine: MilterEngine) -> CallbackResult {
        guard let p = ctx.privateData else { return .continue }
        abortMessage(Unmanaged<MilterConnection>.fromOpaque(p).takeUnretainedValue(), engine)
        return .continue
    }

    /// xxfi_close may come first, alone, twice, or never: it releases what exists and nothing else.
    public static func close<C: MilterContext>(_ ctx: C, _ engine: MilterEngine) -> CallbackResult {
        guard let c = MilterConnection.detach(from: ctx) else { return .continue }
        abortMessage(c, engine)
        return .continue
    }

    // MARK: - Helpers

    /// The connection, with a message adopted when headers or body come without MAIL FROM.
    private static func collecting<C: MilterContext>(_ ctx: C, _ engine: MilterEngine) -> MilterConnection {
        let c = MilterConnection.attached(to: ctx, engine: engine)
        let started = c.state.withLock { s -> Bool in
            guard s.message == nil else { return false }
            s.adopt(engine.configuration)
            return true
        }
        if started { engine.messageStarted() }
        return c
    }

    private static func abortMessage(_ c: MilterConnection, _ engine: MilterEngine) {
        if c.state.withLock({ $0.abort() }) { engine.messageEnded(aborted: true) }
    }

    /// End of message with nothing collected: libmilter and the MTA disagree about the state.
    private static func unexpectedEndOfMessage<C: MilterContext>(_ ctx: C, _ engine: MilterEngine, queueID: String?) -> CallbackResult {
        let config = engine.configuration
        let empty = CollectedMessage(bytes: [], bodyOffset: 0, truncated: false, receivedBytes: 0,
                                     envelope: Envelope(queueID: queueID), inboundVerdictHeaders: [], subject: nil,
                                     contentType: nil, transferEncoding: nil, configuration: config)
        let log = engine.logger(queueID: queueID, settings: config.settings)
        var d = Decider.decide(empty, outcome: .failed(.internalError, detail: "end of message without a message"), settings: config.settings)
        d = apply(d, message: empty, to: ctx, engine, log)
        report(d, message: empty, from: nil, scanTime: .zero, engine, log)
        return result(d.disposition)
    }

    private static func result(_ d: Disposition) -> CallbackResult {
        switch d {
        case .accept: return .continue
        case .reject: return .reject
        case .tempfail: return .tempfail
        }
    }
}

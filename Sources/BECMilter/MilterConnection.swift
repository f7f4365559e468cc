/// The per-connection object libmilter keeps for us (smfi_setpriv): retained once when the
/// connection's first callback arrives, released in xxfi_close. The lock makes hand-offs between
/// libmilter's worker threads explicit: one connection's callbacks never overlap, but they may
/// each run on a different thread.
final class MilterConnection: Sendable {
    let state = Locked(SessionState())

    /// The connection stored in `ctx`, creating and retaining one when there is none.
    static func attached<C: MilterContext>(to ctx: C, engine: MilterEngine) -> MilterConnection {
        if let p = ctx.privateData { return Unmanaged<MilterConnection>.fromOpaque(p).takeUnretainedValue() }
        let c = MilterConnection()
        ctx.privateData = Unmanaged.passRetained(c).toOpaque()
        engine.count { $0.connections += 1 }
        return c
    }

    /// Detaches and releases the connection; nil when close came first, alone, or twice.
    static func detach<C: MilterContext>(from ctx: C) -> MilterConnection? {
        guard let p = ctx.privateData else { return nil }
        ctx.privateData = nil
        return Unmanaged<MilterConnection>.fromOpaque(p).takeRetainedValue()
    }
}

import CMilter
import Foundation

/// The engine the C callbacks serve. Set once before smfi_main; read on libmilter's threads.
let installedEngine = Locked<MilterEngine?>(nil)

/// The libmilter callback table. Every entry is a nonisolated @convention(c) closure defined in
/// this library module: callbacks written in main.swift's top-level code would be main-actor
/// isolated and trap when libmilter calls them on its own threads.
enum LibmilterCallbacks {
    static func descriptor(name: UnsafeMutablePointer<CChar>) -> smfiDesc {
        smfiDesc(
            xxfi_name: name,
            xxfi_version: Int32(SMFI_VERSION),
            xxfi_flags: UInt(Negotiation.addHeaders | Negotiation.changeHeaders | Negotiation.quarantine),
            xxfi_connect: { ctx, host, addr in
                LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.connect($0, $1, hostName: host.map { String(cString: $0) },
                                                         address: LibmilterContext.address(addr)) }
            },
            xxfi_helo: nil,
            xxfi_envfrom: { ctx, argv in
                LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.mailFrom($0, $1, arguments: LibmilterContext.arguments(argv)) }
            },
            xxfi_envrcpt: { ctx, argv in
                LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.recipient($0, $1, arguments: LibmilterContext.arguments(argv)) }
            },
            xxfi_header: { ctx, name, value in
                LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.header($0, $1, name: name.map { String(cString: $0) } ?? "",
                                                        value: value.map { String(cString: $0) } ?? "") }
            },
            xxfi_eoh: nil,
            xxfi_body: { ctx, bytes, len in
                LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.body($0, $1, chunk: UnsafeRawBufferPointer(start: bytes, count: bytes == nil ? 0 : len)) }
            },
            xxfi_eom: { ctx in LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.endOfMessage($0, $1) } },
            xxfi_abort: { ctx in LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.abort($0, $1) } },
            xxfi_close: { ctx in LibmilterCallbacks.dispatch(ctx) { MilterCallbacks.close($0, $1) } },
            xxfi_unknown: nil,
            xxfi_data: nil,
            xxfi_negotiate: { ctx, f0, f1, _, _, pf0, pf1, pf2, pf3 in
                LibmilterCallbacks.negotiate(ctx, offeredActions: f0, offeredSteps: f1, pf0, pf1, pf2, pf3)
            })
    }

    fileprivate static func dispatch(_ ctx: OpaquePointer?, _ body: (LibmilterContext, MilterEngine) -> CallbackResult) -> sfsistat {
        guard let ctx, let engine = installedEngine.current else { return SMFIS_TEMPFAIL }
        switch body(LibmilterContext(ctx: ctx), engine) {
        case .continue: return SMFIS_CONTINUE
        case .noReply: return SMFIS_NOREPLY
        case .accept: return SMFIS_ACCEPT
        case .reject: return SMFIS_REJECT
        case .tempfail: return SMFIS_TEMPFAIL
        }
    }

    fileprivate static func negotiate(_ ctx: OpaquePointer?, offeredActions: UInt, offeredSteps: UInt,
                                  _ pf0: UnsafeMutablePointer<UInt>?, _ pf1: UnsafeMutablePointer<UInt>?,
                                  _ pf2: UnsafeMutablePointer<UInt>?, _ pf3: UnsafeMutablePointer<UInt>?) -> sfsistat {
        guard let ctx, let engine = installedEngine.current, let pf0, let pf1 else { return SMFIS_ALL_OPTS }
        // Draining: refusing the negotiation closes the connection, and Postfix applies
        // milter_default_action to the session, as when the milter is not running at all.
        if engine.isDraining { return SMFIS_TEMPFAIL }
        let settings = engine.configuration.settings
        let choice = Negotiation.choose(offeredActions: offeredActions, offeredSteps: offeredSteps, banner: settings.banner)
        pf0.pointee = choice.actions
        pf1.pointee = choice.steps
        pf2?.pointee = 0
        pf3?.pointee = 0
        if choice.actions & Negotiation.setSymbolList != 0 {
            for (stage, list) in Negotiation.macroLists {
                _ = list.withCString { smfi_setsymlist(ctx, stage, UnsafeMutablePointer(mutating: $0)) }
            }
        }
        let missing = (Negotiation.addHeaders | Negotiation.changeHeaders | Negotiation.quarantine) & ~offeredActions
        if missing != 0 {
            engine.logger.warning("the MTA does not offer milter actions 0x\(String(missing, radix: 16)); verdict headers or quarantine will fail")
        }
        return SMFIS_CONTINUE
    }
}

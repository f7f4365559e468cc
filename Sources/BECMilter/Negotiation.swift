/// Option negotiation (xxfi_negotiate): which actions the milter may take and which protocol
/// steps the MTA sends. Values are the milter protocol's wire constants (libmilter/mfdef.h,
/// protocol version 6), kept here so the choice is a pure, testable function.
public enum Negotiation {
    // Actions (SMFIF_*).
    public static let addHeaders: UInt = 0x0001
    public static let changeBody: UInt = 0x0002
    public static let changeHeaders: UInt = 0x0010
    public static let quarantine: UInt = 0x0020
    public static let setSymbolList: UInt = 0x0100

    // Protocol steps not to send (SMFIP_NO*).
    public static let noConnect: UInt = 0x0001
    public static let noHelo: UInt = 0x0002
    public static let noEOH: UInt = 0x0040
    public static let noUnknown: UInt = 0x0100
    public static let noData: UInt = 0x0200
    public static let rcptRejected: UInt = 0x0800
    public static let headerLeadingSpace: UInt = 0x0010_0000

    // Steps the milter never answers (SMFIP_NR_*): the MTA sends and goes on without a round trip.
    public static let noReplyConnect: UInt = 0x1000
    public static let noReplyMail: UInt = 0x4000
    public static let noReplyRcpt: UInt = 0x8000
    public static let noReplyHeader: UInt = 0x0080
    public static let noReplyBody: UInt = 0x0008_0000

    /// Every step the collecting callbacks never answer; they return "no reply".
    public static let noReplySteps = noReplyConnect | noReplyMail | noReplyRcpt | noReplyHeader | noReplyBody

    /// The choice for one connection.
    /// - Actions: add headers (verdict headers, a missing Subject), change headers (delete forged
    ///   X-BEC-*, subject prefix), quarantine, and change body only when the banner is on. Only
    ///   what the MTA offers is requested: libmilter aborts the connection otherwise.
    /// - Steps: HELO, DATA, end-of-header and unknown commands are skipped (nothing is read from
    ///   them); connect, MAIL, RCPT, header and body are never answered, so only end of message
    ///   costs a round trip. No-reply bits are always requested: libmilter fakes the reply for an
    ///   MTA that cannot do without. HDR_LEADSPC is not requested, so header values arrive
    ///   without the leading space and are sent back the same way.
    public static func choose(offeredActions: UInt, offeredSteps: UInt, banner: Bool) -> (actions: UInt, steps: UInt) {
        var actions = addHeaders | changeHeaders | quarantine | setSymbolList
        if banner { actions |= changeBody }
        let skippable = noHelo | noData | noEOH | noUnknown
        let steps = (skippable & offeredSteps) | noReplySteps
        return (actions & offeredActions, steps)
    }

    /// Macros requested per stage with smfi_setsymlist when the MTA allows it (Postfix does);
    /// the same lists are in deploy/postfix/main.cf.snippet for MTAs that do not.
    public static let macroLists: [(stage: Int32, macros: String)] = [
        (0, "j {daemon_name} {client_addr} {client_name}"),  // SMFIM_CONNECT
        (2, "i {auth_authen} {client_addr}"),                  // SMFIM_ENVFROM
        (3, "i"),                                              // SMFIM_ENVRCPT
        (5, "i"),                                              // SMFIM_EOM
    ]
}

/// The libmilter operations the callbacks use, so the same callback code runs against libmilter's
/// SMFICTX in production and against a recording fake in tests.
public protocol MilterContext {
    /// smfi_getpriv / smfi_setpriv.
    var privateData: UnsafeMutableRawPointer? { get nonmutating set }
    /// smfi_getsymval; nil when the MTA did not send the macro.
    func macro(_ name: String) -> String?
    /// Performs one edit (smfi_addheader, smfi_chgheader, smfi_replacebody, smfi_quarantine,
    /// smfi_setreply); false when libmilter refused it.
    func perform(_ edit: MilterEdit) -> Bool
}

/// What a callback answers libmilter (mapped to sfsistat at the C boundary).
public enum CallbackResult: Sendable, Equatable {
    case `continue`
    /// The step was negotiated as no-reply.
    case noReply
    case accept
    case reject
    case tempfail
}

import CMilter
import Foundation

/// The libmilter context (SMFICTX *) behind `MilterContext`: the only place that calls smfi_*
/// per message. C strings become Swift strings here, NULL becomes nil.
struct LibmilterContext: MilterContext {
    let ctx: OpaquePointer

    var privateData: UnsafeMutableRawPointer? {
        get { smfi_getpriv(ctx) }
        nonmutating set { _ = smfi_setpriv(ctx, newValue) }
    }

    func macro(_ name: String) -> String? {
        let v = name.withCString { smfi_getsymval(ctx, UnsafeMutablePointer(mutating: $0)) }
        return v.map { String(cString: $0) }
    }

    func perform(_ edit: MilterEdit) -> Bool {
        switch edit {
        case let .deleteHeader(name, index):
            return name.withCString { smfi_chgheader(ctx, UnsafeMutablePointer(mutating: $0), Int32(index), nil) } == MI_SUCCESS
        case let .changeHeader(name, index, value):
            return Self.with(name, value) { smfi_chgheader(ctx, $0, Int32(index), $1) } == MI_SUCCESS
        case let .addHeader(name, value):
            return Self.with(name, value) { smfi_addheader(ctx, $0, $1) } == MI_SUCCESS
        case let .replaceBody(bytes):
            guard bytes.count < Int(Int32.max) else { return false }
            var copy = bytes
            return copy.withUnsafeMutableBufferPointer { smfi_replacebody(ctx, $0.baseAddress, Int32($0.count)) } == MI_SUCCESS
        case let .quarantine(reason):
            return reason.withCString { smfi_quarantine(ctx, UnsafeMutablePointer(mutating: $0)) } == MI_SUCCESS
        case let .setReply(code, extended, text):
            return code.withCString { c in
                Self.with(extended, text) { smfi_setreply(ctx, UnsafeMutablePointer(mutating: c), $0, $1) }
            } == MI_SUCCESS
        }
    }

    private static func with(_ a: String, _ b: String,
                             _ body: (UnsafeMutablePointer<CChar>, UnsafeMutablePointer<CChar>) -> Int32) -> Int32 {
        a.withCString { pa in b.withCString { pb in body(UnsafeMutablePointer(mutating: pa), UnsafeMutablePointer(mutating: pb)) } }
    }

    /// The textual client address of a connect callback's socket address; nil for NULL (the MTA
    /// did not know it) and for non-IP families.
    static func address(_ sa: UnsafePointer<sockaddr>?) -> String? {
        guard let sa else { return nil }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(sa.pointee.sa_family) {
        case AF_INET:
            return sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p -> String? in
                var a = p.pointee.sin_addr
                return inet_ntop(AF_INET, &a, &buf, socklen_t(buf.count)).map { String(cString: $0) }
            }
        case AF_INET6:
            return sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p -> String? in
                var a = p.pointee.sin6_addr
                return inet_ntop(AF_INET6, &a, &buf, socklen_t(buf.count)).map { String(cString: $0) }
            }
        default:
            return nil
        }
    }

    /// A NULL-terminated argv from libmilter as Swift strings.
    static func arguments(_ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let argv else { return [] }
        var out: [String] = []
        var i = 0
        while let p = argv[i], out.count < 64 {
            out.append(String(cString: p))
            i += 1
        }
        return out
    }
}

import BECCore
import CICU

/// Why `ICUServices` could not be created.
public enum ICUServicesError: Error, Sendable, Equatable {
    /// `uspoof_open` or its configuration failed with the given ICU `UErrorCode`.
    case spoofCheckerUnavailable(icuStatus: Int32)
    /// `uidna_openUTS46` failed with the given ICU `UErrorCode`.
    case idnaUnavailable(icuStatus: Int32)
}

/// The production `UnicodeServices`, backed by the system ICU through the `CICU` shim.
///
/// The UTS #39 spoof checker and the UTS #46 IDNA processor are created once in `init`,
/// never mutated afterwards, and released in `deinit`; ICU documents the functions used
/// on them (`uspoof_getSkeletonUTF8`, `uspoof_check2UTF8` with a per-call result object,
/// `uidna_nameTo*UTF8`) as thread-safe, so one instance can be shared by all threads.
/// Charset converters are not thread-safe and are therefore opened per `decode` call.
///
/// All methods accept hostile input: empty strings, NUL bytes, huge strings and unknown
/// charsets never crash. Work is capped: `skeleton`, `restrictionLevel` and `scripts` look
/// at the first `maxAnalyzedBytes` UTF-8 bytes of the visible text (see `maxAnalyzedBytes`),
/// and IDNA rejects names over `maxDomainBytes`.
public final class ICUServices: UnicodeServices, @unchecked Sendable {
    /// How many UTF-8 bytes of a string `skeleton`, `restrictionLevel` and `scripts`
    /// examine. Default-ignorable (invisible) code points are removed first, so padding
    /// with U+200B and friends cannot push the visible text out of the window; longer
    /// text is cut on a Unicode scalar boundary.
    public static let maxAnalyzedBytes = 4096

    /// At most this many Unicode scalars are read while collecting the analysed prefix.
    public static let maxScannedScalars = 16 * maxAnalyzedBytes

    /// Longest domain name (in UTF-8 bytes) the IDNA functions accept; longer input yields nil.
    /// (A valid DNS name has at most 253 ASCII bytes; the Unicode form may be longer.)
    public static let maxDomainBytes = 1024

    // Immutable after init; only ever passed to ICU functions documented as thread-safe.
    private let spoof: OpaquePointer
    private let idna: OpaquePointer

    /// Opens the ICU spoof checker and IDNA processor.
    /// - Throws: `ICUServicesError` when ICU cannot create either (e.g. missing ICU data).
    public init() throws {
        var status: Int32 = 0
        guard let spoof = bec_icu_spoof_create(&status) else {
            throw ICUServicesError.spoofCheckerUnavailable(icuStatus: status)
        }
        guard let idna = bec_icu_idna_create(&status) else {
            bec_icu_spoof_destroy(spoof)
            throw ICUServicesError.idnaUnavailable(icuStatus: status)
        }
        self.spoof = spoof
        self.idna = idna
    }

    deinit {
        bec_icu_idna_destroy(idna)
        bec_icu_spoof_destroy(spoof)
    }

    // MARK: - Charsets

    /// Converts `bytes` in the charset `charset` (any name or alias ICU knows, e.g.
    /// "ISO-8859-1", "windows-1252", "KOI8-U", "Shift_JIS", "GB2312", "ISO-2022-JP") to a
    /// String. Invalid or unmappable sequences become U+FFFD. Returns nil when the charset
    /// is unknown, or when the name is empty, longer than 64 bytes, or contains anything
    /// but printable ASCII (or a path separator). All of `bytes` is converted; limiting the
    /// input size is the caller's job.
    public func decode(_ bytes: [UInt8], charset: String) -> String? {
        let nameUTF8 = charset.utf8
        guard !nameUTF8.isEmpty, nameUTF8.count <= Int(BEC_ICU_MAX_CHARSET_NAME) else { return nil }
        let name = Array(nameUTF8)
        // Most charsets need at most 3 UTF-8 bytes per input byte; rare cases retry once.
        let estimate = bytes.count <= 1 << 20 ? bytes.count * 3 : bytes.count * 2
        let decoded: String?? = ICUBuffers.withInput(bytes) { src, srcCount in
            name.withUnsafeBufferPointer { namePtr in
                namePtr.withMemoryRebound(to: CChar.self) { cName in
                    ICUBuffers.produceString(initialCapacity: estimate + 16) { dest, capacity in
                        bec_icu_decode(cName.baseAddress, cName.count, src, srcCount, dest, capacity)
                    }
                }
            }
        }
        return decoded ?? nil
    }

    // MARK: - UTS #39

    /// The UTS #39 confusable skeleton of (at most the first `maxAnalyzedBytes` bytes of)
    /// `text`. Two strings are visually confusable when their skeletons are equal, e.g.
    /// "Jоhn" with a Cyrillic о and "John", or "paypa1" and "paypal".
    ///
    /// As UTS #39 (Unicode 15.1 and later) specifies, Default_Ignorable_Code_Point
    /// characters are removed first, so "J\u{200B}ohn" has the skeleton of "John" (ICU 72
    /// on its own keeps them). Skeletons are case-sensitive and do not map fullwidth forms
    /// completely; callers wanting those equivalences should case-fold or NFKC-normalise
    /// both sides first. Should ICU fail, the (capped) input is returned.
    public func skeleton(_ text: String) -> String {
        let input = Self.analysed(text)
        if input.isEmpty { return "" }
        let result: String?? = ICUBuffers.withInput(input) { src, count in
            ICUBuffers.produceString(initialCapacity: input.count * 2 + 16) { dest, capacity in
                bec_icu_spoof_skeleton(spoof, src, count, dest, capacity)
            }
        }
        return (result ?? nil) ?? String(decoding: input, as: UTF8.self)
    }

    /// The UTS #39 restriction level of (at most the first `maxAnalyzedBytes` bytes of)
    /// `text`, as computed by ICU. Empty (or entirely invisible) text is `.asciiOnly`; if ICU fails the
    /// answer is `.unrestricted` (the least trusted level).
    public func restrictionLevel(_ text: String) -> RestrictionLevel {
        let input = Self.analysed(text)
        if input.isEmpty { return .asciiOnly }
        let raw = ICUBuffers.withInput(input) { src, count in
            bec_icu_spoof_restriction_level(spoof, src, count)
        }
        return raw.flatMap { RestrictionLevel(rawValue: Int($0)) } ?? .unrestricted
    }

    /// The ISO 15924 codes ("Latn", "Cyrl", "Grek", "Hani", ...) of the Unicode Script
    /// property of the code points in (at most the first `maxAnalyzedBytes` bytes of)
    /// `text`, ignoring Common, Inherited and Unknown (digits, punctuation, spaces,
    /// combining marks, unassigned code points).
    public func scripts(_ text: String) -> Set<String> {
        let input = Self.analysed(text)
        if input.isEmpty { return [] }
        let joined: String?? = ICUBuffers.withInput(input) { src, count in
            ICUBuffers.produceString(initialCapacity: 64) { dest, capacity in
                bec_icu_scripts(src, count, dest, capacity)
            }
        }
        guard let list = joined ?? nil, !list.isEmpty else { return [] }
        return Set(list.split(separator: ",").map(String.init))
    }

    // MARK: - IDNA

    /// UTS #46 ToASCII (nontransitional, STD3 host-name rules, BiDi, CONTEXTJ and CONTEXTO
    /// checks) of a domain name: "bücher.de" → "xn--bcher-kva.de". Returns nil when the
    /// name is empty, longer than `maxDomainBytes`, or ICU reports any IDNA error.
    public func idnaToASCII(_ domain: String) -> String? {
        idna(domain, toASCII: true)
    }

    /// UTS #46 ToUnicode of a domain name: "xn--bcher-kva.de" → "bücher.de". Returns nil
    /// when the name is empty, longer than `maxDomainBytes`, or ICU reports any IDNA error
    /// (e.g. an invalid punycode label).
    public func idnaToUnicode(_ domain: String) -> String? {
        idna(domain, toASCII: false)
    }

    private static func analysed(_ text: String) -> [UInt8] {
        ICUBuffers.visiblePrefix(text, byteLimit: maxAnalyzedBytes, scanLimit: maxScannedScalars)
    }

    private func idna(_ domain: String, toASCII: Bool) -> String? {
        let utf8 = domain.utf8
        guard !utf8.isEmpty, utf8.count <= Self.maxDomainBytes else { return nil }
        let input = Array(utf8)
        let result: String?? = ICUBuffers.withInput(input) { src, count in
            ICUBuffers.produceString(initialCapacity: input.count * 2 + 64) { dest, capacity in
                toASCII
                    ? bec_icu_idna_to_ascii(idna, src, count, dest, capacity)
                    : bec_icu_idna_to_unicode(idna, src, count, dest, capacity)
            }
        }
        return result ?? nil
    }
}

import Foundation

/// Normalization shared by detectors: invisible characters out, compatibility forms folded
/// (fullwidth, mathematical letters), case and accents folded, confusables mapped to their
/// Latin skeleton within mixed-script words.
public enum TextNormalizer {
    /// Characters that render as nothing or reorder text: zero-width, bidi controls, soft hyphen,
    /// fillers. ICU's spoof checker does not flag U+200B/U+200D/U+FEFF, so we strip and report them.
    public static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B...0x180E, 0x200B...0x200F,
             0x202A...0x202E, 0x2060...0x2064, 0x2066...0x206F, 0x3164, 0xFE00...0xFE0F, 0xFEFF, 0xFFA0,
             0x1D173...0x1D17A, 0xE0000...0xE007F:
            return true
        default:
            return false
        }
    }

    /// Removes invisible characters and returns the removed code points.
    public static func stripInvisible(_ s: String) -> (String, [Unicode.Scalar]) {
        var removed: [Unicode.Scalar] = []
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars {
            if isInvisible(c) { removed.append(c) } else { out.append(c) }
        }
        return (String(out), removed)
    }

    /// NFKC, lowercase, accents removed. "Ｔｏｍáｓ" -> "tomas".
    public static func fold(_ s: String) -> String {
        s.precomposedStringWithCompatibilityMapping
            .folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil)
    }

    /// Splits into lowercase letter/digit words after folding; mixed-script words (Latin mixed with
    /// Cyrillic or Greek look-alikes) are replaced by their confusable skeleton.
    public static func words(_ s: String, services: any UnicodeServices) -> [String] {
        // Hot path: ASCII words are lowercased byte by byte; only words holding non-ASCII
        // characters go through Unicode folding (NFKC, case, accents) and confusable mapping.
        var out: [String] = []
        var ascii: [UInt8] = []
        ascii.reserveCapacity(32)
        var slow: [UInt8] = []  // the UTF-8 of a word on the slow path (bytes, not a String grown scalar by scalar)
        var inSlow = false
        var cache: [UInt32: String] = [:]
        func flush() {
            if inSlow {
                for w in slowWords(String(decoding: slow, as: UTF8.self), services: services, cache: &cache) { out.append(w) }
                slow.removeAll(keepingCapacity: true)
                inSlow = false
            } else if !ascii.isEmpty {
                out.append(String(decoding: ascii, as: UTF8.self))
            }
            ascii.removeAll(keepingCapacity: true)
        }
        for c in s.unicodeScalars {
            let v = c.value
            if v < 0x80 {
                let b = UInt8(v)
                if (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) {
                    if inSlow { slow.append(b) } else { ascii.append(b >= 0x41 && b <= 0x5A ? b + 32 : b) }
                } else if b != 0x27 {
                    flush()
                }
                continue
            }
            if isInvisible(c) || v == 0x2019 { continue }
            // Latin-1 and Latin Extended-A fold by table, staying on the fast path.
            if v >= 0xA0 && v <= 0x17F && v != 0xB5 && !inSlow {
                if let (a, b) = latinFold(v) { ascii.append(a); if b != 0 { ascii.append(b) } } else { flush() }
                continue
            }
            let p = c.properties
            // Cheapest property first; the general category (one lookup) only when still needed.
            if p.isAlphabetic || p.numericType != nil || isMark(p.generalCategory) {
                if !inSlow {
                    inSlow = true
                    slow += ascii
                    ascii.removeAll(keepingCapacity: true)
                }
                appendUTF8(c, to: &slow)
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    @inline(__always) static func appendUTF8(_ c: Unicode.Scalar, to out: inout [UInt8]) {
        let v = c.value
        switch v {
        case ..<0x80: out.append(UInt8(v))
        case ..<0x800: out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
        case ..<0x10000:
            out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
        default:
            out.append(UInt8(0xF0 | v >> 18)); out.append(UInt8(0x80 | v >> 12 & 0x3F))
            out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
        }
    }

    @inline(__always) static func isMark(_ g: Unicode.GeneralCategory) -> Bool {
        g == .nonspacingMark || g == .spacingMark || g == .enclosingMark
    }

    /// `fold` without Foundation for words that need no compatibility mapping: Latin-1 and
    /// Latin Extended-A letters lose their accents by table, combining marks are dropped, other
    /// letters are lowercased. Falls back to `fold` when a compatibility character is present.
    public static func fastFold(_ word: String) -> String {
        if word.unicodeScalars.contains(where: needsCompatibilityMapping) { return fold(word) }
        var out = String.UnicodeScalarView()
        for c in word.unicodeScalars {
            let v = c.value
            if v < 0x80 {
                out.append(v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 32)! : c)
            } else if v >= 0x300 && v <= 0x36F {
                continue
            } else if v <= 0xBE, let m = latin1Compat[v] {  // (its keys are all below U+00BF)
                out.append(contentsOf: m.unicodeScalars)
            } else if v >= 0xC0 && v <= 0x17F {
                switch v {
                case 0xC6, 0xE6: out.append(contentsOf: "ae".unicodeScalars)
                case 0xDE, 0xFE: out.append(contentsOf: "th".unicodeScalars)
                case 0xDF: out.append(contentsOf: "ss".unicodeScalars)
                case 0x132, 0x133: out.append(contentsOf: "ij".unicodeScalars)
                case 0x152, 0x153: out.append(contentsOf: "oe".unicodeScalars)
                case 0xD7, 0xF7: out.append(c)
                default: out.append(latinBase[Int(v - 0xC0)])
                }
            } else if v >= 0x386 && v <= 0x45E, let g = accentedGreekCyrillicTable[Int(v - 0x386)] {  // (the range of its keys)
                out.append(g)
            } else if !c.properties.changesWhenLowercased {
                out.append(c)  // its lowercase mapping is itself: no String to build
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// ASCII letters for a Latin-1 / Latin Extended-A code point (U+00A0...U+017F): one or two
    /// (the second 0 when there is one; a pair, not an array, so no allocation per letter), nil
    /// for non-letters (punctuation, symbols, fractions): those end a word.
    @inline(__always) static func latinFold(_ v: UInt32) -> (UInt8, UInt8)? {
        switch v {
        case 0xAA: return (0x61, 0)
        case 0xBA: return (0x6F, 0)
        case 0xB2: return (0x32, 0)
        case 0xB3: return (0x33, 0)
        case 0xB9: return (0x31, 0)
        case 0xC6, 0xE6: return (0x61, 0x65)
        case 0xDE, 0xFE: return (0x74, 0x68)
        case 0xDF: return (0x73, 0x73)
        case 0x132, 0x133: return (0x69, 0x6A)
        case 0x152, 0x153: return (0x6F, 0x65)
        case 0xD7, 0xF7: return nil
        case 0xC0...0x17F: return (UInt8(latinBase[Int(v - 0xC0)].value), 0)
        default: return nil
        }
    }

    /// Greek letters with tonos/dialytika and the Cyrillic letters that accent folding maps
    /// to their base letter (as Foundation's diacritic-insensitive folding does).
    static let accentedGreekCyrillic: [UInt32: Unicode.Scalar] = [
        0x386: "α", 0x388: "ε", 0x389: "η", 0x38A: "ι", 0x38C: "ο", 0x38E: "υ", 0x38F: "ω", 0x390: "ι", 0x3AA: "ι", 0x3AB: "υ",
        0x3AC: "α", 0x3AD: "ε", 0x3AE: "η", 0x3AF: "ι", 0x3B0: "υ", 0x3CA: "ι", 0x3CB: "υ", 0x3CC: "ο", 0x3CD: "υ", 0x3CE: "ω",
        0x401: "е", 0x451: "е", 0x419: "и", 0x439: "и", 0x407: "і", 0x457: "і", 0x40E: "у", 0x45E: "у",
    ]

    /// `accentedGreekCyrillic` as an array over U+0386...U+045E: an index instead of a hash per letter.
    static let accentedGreekCyrillicTable: [Unicode.Scalar?] = (0x386...0x45E).map { accentedGreekCyrillic[UInt32($0)] }

    /// NFKC forms of the Latin-1 compatibility characters (common in mis-declared 8-bit text).
    static let latin1Compat: [UInt32: String] = [0xAA: "a", 0xBA: "o", 0xB2: "2", 0xB3: "3", 0xB9: "1", 0xB5: "\u{3BC}",
                                                 0xBC: "1/4", 0xBD: "1/2", 0xBE: "3/4"]

    /// Base letters for U+00C0...U+017F ("?" and "*" entries are handled before lookup).
    static let latinBase: [Unicode.Scalar] = Array((
        "aaaaaa?ceeeeiiii" + "dnooooo*ouuuuy??" + "aaaaaa?ceeeeiiii" + "dnooooo*ouuuuy?y" +
        "aaaaaaccccccccdd" + "ddeeeeeeeeeegggg" + "gggghhhhiiiiiiii" + "ii??jjkkklllllll" +
        "lllnnnnnnnnnoooo" + "oo??rrrrrrssssss" + "ssttttttuuuuuuuu" + "uuuuwwyyyzzzzzzs").unicodeScalars)

    /// Characters whose NFKC form differs (fullwidth, mathematical, ligatures, circled, ...).
    static func needsCompatibilityMapping(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x149, 0x1C4...0x1CC, 0x1F1...0x1F3, 0x2B0...0x2FF,
             0x1D2C...0x1DBF, 0x1E00...0x1EFF, 0x2070...0x209F, 0x2100...0x218F, 0x2460...0x24FF, 0x2C7C...0x2C7D, 0x3200...0x33FF,
             0xF900...0xFAFF, 0xFB00...0xFDFF, 0xFE10...0xFE6F, 0xFE70...0xFEFF, 0xFF00...0xFFEF, 0x1D400...0x1D7FF,
             0x1F100...0x1F1FF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Folds one word that holds non-ASCII characters; folding may split it (NFKC) or mix scripts.
    static func slowWords(_ word: String, services: any UnicodeServices, cache: inout [UInt32: String]) -> [String] {
        var out: [String] = []
        var cur = String.UnicodeScalarView()
        var nonASCII = false
        var hasASCIILetter = false
        func flush() {
            guard !cur.isEmpty else { return }
            var w = String(cur)
            if nonASCII && hasASCIILetter { w = latinized(w, services: services, cache: &cache) }
            out.append(w)
            cur.removeAll()
            nonASCII = false
            hasASCIILetter = false
        }
        for c in fastFold(word).unicodeScalars {
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                cur.append(c)
                if c.isASCII { if c.properties.isAlphabetic { hasASCIILetter = true } } else { nonASCII = true }
            } else if c == "'" || c == "\u{2019}" {
                continue
            } else {
                flush()
            }
        }
        flush()
        return out
    }

    /// Maps each non-ASCII letter of a mixed-script word to its Latin confusable prototype when
    /// the prototype is ASCII (Cyrillic а -> a, Greek ο -> o); other letters stay.
    /// Per-letter, because a whole-word skeleton also rewrites Latin (m -> rn).
    public static func latinized(_ w: String, services: any UnicodeServices) -> String {
        var cache: [UInt32: String] = [:]
        return latinized(w, services: services, cache: &cache)
    }

    /// `latinized` with a per-text cache of per-letter prototypes (one ICU call per distinct letter).
    static func latinized(_ w: String, services: any UnicodeServices, cache: inout [UInt32: String]) -> String {
        var out = ""
        for c in w.unicodeScalars {
            if c.isASCII { out.unicodeScalars.append(c); continue }
            let mapped: String
            if let m = cache[c.value] {
                mapped = m
            } else {
                let sk = services.skeleton(String(c))
                mapped = !sk.isEmpty && sk.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) ? sk.lowercased() : String(c)
                if cache.count < 4096 { cache[c.value] = mapped }
            }
            out += mapped
        }
        return out
    }

    /// Whether a word mixes scripts in a way ICU flags (for evidence).
    public static func hasNonASCIILetter(_ s: String) -> Bool {
        s.unicodeScalars.contains { !$0.isASCII && $0.properties.isAlphabetic }
    }
}

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
        let folded = fold(stripInvisible(s).0)
        var out: [String] = []
        var cur = String.UnicodeScalarView()
        var nonASCII = false
        var hasASCIILetter = false
        func flush() {
            guard !cur.isEmpty else { return }
            var w = String(cur)
            if nonASCII && hasASCIILetter { w = latinized(w, services: services) }
            out.append(w)
            cur.removeAll()
            nonASCII = false
            hasASCIILetter = false
        }
        for c in folded.unicodeScalars {
            if c.properties.isAlphabetic || c.properties.numericType != nil {
                cur.append(c)
                if c.isASCII { if c.properties.isAlphabetic { hasASCIILetter = true } } else { nonASCII = true }
            } else if c == "'" || c == "’" {
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
        var out = ""
        for c in w.unicodeScalars {
            if c.isASCII { out.unicodeScalars.append(c); continue }
            let sk = services.skeleton(String(c))
            if !sk.isEmpty, sk.unicodeScalars.allSatisfy({ $0.isASCII && $0.properties.isAlphabetic }) {
                out += sk.lowercased()
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Whether a word mixes scripts in a way ICU flags (for evidence).
    public static func hasNonASCIILetter(_ s: String) -> Bool {
        s.unicodeScalars.contains { !$0.isASCII && $0.properties.isAlphabetic }
    }
}

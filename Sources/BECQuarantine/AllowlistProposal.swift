/// The rule-file snippet an analyst's "false positive" proposes: an allowlist entry for the sender.
/// It is only a proposal, shown for a human to review and paste into the site rules file; the
/// milter honours allowlists only with an aligned DMARC/DKIM pass from our authserv-id.
public enum AllowlistProposal {
    /// YAML for the rules file. `fromAddress` is the From header's address, `mailFrom` the envelope sender.
    public static func yaml(fromAddress: String?, mailFrom: String?, recordID: String, analyst: String) -> String {
        let sender = [fromAddress, mailFrom].compactMap { $0 }.first { $0.contains("@") }
        var lines = ["# false positive: message \(quote(recordID)), marked by \(quote(analyst))"]
        guard let sender, let at = sender.lastIndex(of: "@") else {
            lines.append("# no sender address to allowlist; review the findings instead")
            return lines.joined(separator: "\n") + "\n"
        }
        let domain = String(sender[sender.index(after: at)...]).lowercased()
        lines += ["allowlist:", "  senders: [\(quote(sender.lowercased()))]",
                  "  # or, for every sender of the domain:", "  # domains: [\(quote(domain))]"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar: attacker-chosen addresses cannot end the string or the line.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029 || u.value == 0xFEFF {
                    out += "\\u" + String(format4(u.value))
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func format4(_ v: UInt32) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - h.count)) + h
    }
}

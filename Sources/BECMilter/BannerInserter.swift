import BECCore

/// Inserts a warning banner at the top of the first text/plain part and the first text/html part
/// of a message, MIME-correctly: multiparts are walked by their boundaries, quoted-printable and
/// base64 parts are decoded, changed and re-encoded in the same encoding, and everything else
/// (attachments, embedded messages, other parts, preamble and epilogue) is kept byte for byte.
///
/// Any change to the body breaks DKIM signatures over it, so the banner is off by default.
/// Parts it cannot change safely are skipped: an unknown transfer encoding, a charset that is not
/// ASCII-compatible (UTF-16/32), or a non-ASCII banner in a 7bit part or in a non-UTF-8 text/plain
/// part (HTML gets numeric character references, which work in any charset).
public struct BannerInserter: Sendable {
    public var text: String
    /// Multipart nesting followed; deeper parts are left alone.
    public var maxDepth = 16

    public init(text: String) { self.text = text }

    /// The new body, or nil when no part was changed.
    public func insert(body: [UInt8], contentType: String?, transferEncoding: String?) -> [UInt8]? {
        var done = Progress()
        let out = rewrite(body[...], type: MediaType(contentType), encoding: transferEncoding, depth: 0, &done)
        return done.plain || done.html ? out : nil
    }

    struct Progress {
        var plain = false
        var html = false
    }

    private func rewrite(_ content: ArraySlice<UInt8>, type: MediaType, encoding: String?, depth: Int,
                         _ done: inout Progress) -> [UInt8] {
        if type.type == "multipart" {
            guard depth < maxDepth, let boundary = type.parameters["boundary"], !boundary.isEmpty else { return Array(content) }
            return rewriteMultipart(content, boundary: boundary, digest: type.subtype == "digest", depth: depth, &done)
        }
        let isPlain = type.type == "text" && type.subtype == "plain" && !done.plain
        let isHTML = type.type == "text" && type.subtype == "html" && !done.html
        guard isPlain || isHTML,
              let changed = TextPartEditor(banner: text, html: isHTML, charset: type.parameters["charset"])
                .edit(content, encoding: encoding) else { return Array(content) }
        if isPlain { done.plain = true } else { done.html = true }
        return changed
    }

    /// RFC 2046 §5.1.1: parts sit between delimiter lines "--boundary"; the line break before a
    /// delimiter belongs to the delimiter, so each part's bytes end before it.
    private func rewriteMultipart(_ body: ArraySlice<UInt8>, boundary: String, digest: Bool, depth: Int,
                                  _ done: inout Progress) -> [UInt8] {
        let parts = MultipartSplitter.partRanges(body, boundary: Array(boundary.utf8))
        var out: [UInt8] = []
        out.reserveCapacity(body.count + 1024)
        var cursor = body.startIndex
        for range in parts {
            out += body[cursor..<range.lowerBound]
            out += rewritePart(body[range], digest: digest, depth: depth, &done)
            cursor = range.upperBound
        }
        out += body[cursor...]
        return out
    }

    private func rewritePart(_ part: ArraySlice<UInt8>, digest: Bool, depth: Int, _ done: inout Progress) -> [UInt8] {
        if done.plain && done.html { return Array(part) }
        let (fields, contentStart) = PartHeaders.parse(part)
        let disposition = fields["content-disposition"]?.lowercased() ?? ""
        // Why: an attached text file is the sender's document, not the message the reader sees.
        if disposition.hasPrefix("attachment") { return Array(part) }
        let type = fields["content-type"].map { MediaType($0) }
            ?? (digest ? MediaType("message/rfc822") : MediaType(nil))
        let content = part[contentStart...]
        let changed = rewrite(content, type: type, encoding: fields["content-transfer-encoding"], depth: depth + 1, &done)
        return Array(part[..<contentStart]) + changed
    }
}

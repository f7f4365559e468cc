/// Sender history ("mailbox intelligence"): first contact, a known display name from a new
/// address, a new Reply-To for a known correspondent, and replies to threads this MTA never
/// saw. Reads `HistoryFacts` the adapter looked up; silent when no history was consulted.
public struct SenderHistoryDetector: Detector {
    public static let info = DetectorInfo(
        id: "sender_history",
        summary: "First contact, known name from a new address, new Reply-To for a known sender, reply to an unseen thread.",
        symbols: [
            SymbolInfo("FIRST_CONTACT", group: "history", "the sender address has never corresponded with the organization"),
            SymbolInfo("FIRST_CONTACT_DOMAIN", group: "history", "no one at the sender's domain has corresponded with the organization"),
            SymbolInfo("KNOWN_NAME_NEW_ADDRESS", group: "identity", "the display name has always come from other addresses"),
            SymbolInfo("NEW_REPLYTO_FOR_KNOWN_SENDER", group: "headers", "a known correspondent with a Reply-To never seen before"),
            SymbolInfo("REPLY_TO_UNSEEN_THREAD", group: "headers", "In-Reply-To/References name messages this MTA never saw"),
            SymbolInfo("HISTORY_UNAVAILABLE", group: "history", "the history store could not be asked; history detectors skipped (informational)"),
        ],
        triggering: [
            DetectorExample("From: a <a@example.net>\n\nhi", fires: ["FIRST_CONTACT_DOMAIN"], history: HistoryFacts()),
            DetectorExample("From: a <a@example.net>\n\nhi", fires: ["FIRST_CONTACT"], history: HistoryFacts(senderDomainKnown: true)),
            DetectorExample("From: a <someone.new@gmail.com>\n\nhi", fires: ["FIRST_CONTACT"], history: HistoryFacts()),
            DetectorExample("From: Nadia Brennan <nadia@example.net>\n\nhi", fires: ["KNOWN_NAME_NEW_ADDRESS"],
                            history: HistoryFacts(senderKnown: true, displayNameBoundTo: ["nadia.brennan@callowayfreight.com"])),
            DetectorExample("From: a <a@example.net>\nReply-To: x@example.org\n\nhi", fires: ["NEW_REPLYTO_FOR_KNOWN_SENDER"],
                            history: HistoryFacts(senderKnown: true, newReplyTo: ["x@example.org"])),
            DetectorExample("From: a <a@example.net>\nIn-Reply-To: <x@y>\n\nhi", fires: ["REPLY_TO_UNSEEN_THREAD"],
                            history: HistoryFacts(senderKnown: true, unseenThreadIDs: ["x@y"], threadIDsReferenced: 1)),
            DetectorExample("From: a <a@example.net>\nIn-Reply-To: <x@callowayfreight.com>\n\nhi", fires: ["REPLY_TO_UNSEEN_THREAD", "FIRST_CONTACT_DOMAIN"],
                            history: HistoryFacts(unseenThreadIDs: ["x@callowayfreight.com"], threadIDsReferenced: 1)),
            DetectorExample("From: a <a@example.net>\n\nhi", fires: ["HISTORY_UNAVAILABLE"], history: .unavailable),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\n\nhi"),
            // A protected person's name: the impersonation detector weighs it, history does not count it twice.
            DetectorExample("From: Margaret Okafor <m@example.net>\n\nhi",
                            history: HistoryFacts(senderKnown: true, displayNameBoundTo: ["margaret.okafor@callowayfreight.com"])),
            // A stranger's notification threading its own ids.
            DetectorExample("From: a <a@example.net>\nIn-Reply-To: <x@notify.example.net>\n\nhi",
                            history: HistoryFacts(senderDomainKnown: true, senderKnownToRecipient: true, unseenThreadIDs: ["x@notify.example.net"], threadIDsReferenced: 1)),
            DetectorExample("From: a <a@example.net>\n\nhi", history: HistoryFacts(senderKnown: true, senderDomainKnown: true)),
        ])

    /// Protected people and vendor contacts: their names belong to the impersonation detector,
    /// which already weighs a known name on a foreign address; history does not count it twice.
    let protectedNames: NameMatcher

    public init(policy: Policy, services: any UnicodeServices) {
        protectedNames = NameMatcher(people: policy.people, vendorContacts: policy.vendors.flatMap { v in v.contacts.map { ($0, v) } },
                                     services: services)
    }

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        guard let h = ctx.history, let from = ctx.from, !from.asciiDomain.isEmpty else { return [] }
        guard h.available else { return [Finding("HISTORY_UNAVAILABLE", "history store unavailable: first-contact and binding checks skipped")] }
        if ctx.isInternal || ctx.isOwnDomain(from.asciiDomain) && ctx.alignedPass(from.asciiDomain) { return [] }
        var out: [Finding] = []
        if !h.senderKnown && !h.senderKnownToRecipient {
            // At a freemail provider only the address counts: "someone at gmail.com wrote before" says nothing.
            if h.senderDomainKnown || ctx.isFreemail(from.asciiDomain) {
                out.append(Finding("FIRST_CONTACT", "first message from \(from.address)" +
                                   (h.senderDomainKnown ? " (others at \(from.asciiDomain) are known)" : " (freemail: the address is what counts)")))
            } else {
                out.append(Finding("FIRST_CONTACT_DOMAIN", "no one at \(from.asciiDomain) has corresponded with us before"))
            }
        }
        if !h.displayNameBoundTo.isEmpty, protectedNames.match(from.displayName) == nil {
            out.append(Finding("KNOWN_NAME_NEW_ADDRESS", "display name \"\(from.displayName)\" has come from " +
                               h.displayNameBoundTo.prefix(3).joined(separator: ", ") + ", now from \(from.address)"))
        }
        if h.senderKnown || h.senderKnownToRecipient, let rt = h.newReplyTo.first {
            out.append(Finding("NEW_REPLYTO_FOR_KNOWN_SENDER", "known correspondent \(from.address) asks for replies to new address \(rt)"))
        }
        // A reply whose every reference is unknown matters when it claims a thread with us: an id
        // minted at one of our domains that we never sent, or a known correspondent "replying" to
        // a conversation that never passed here. Newsletters and notification systems thread their
        // own ids, which we cannot have seen.
        let ours = h.unseenThreadIDs.filter { id in id.lastIndex(of: "@").map { ctx.isOwnDomain(String(id[id.index(after: $0)...])) } ?? false }
        if !h.unseenThreadIDs.isEmpty && h.unseenThreadIDs.count == h.threadIDsReferenced && (!ours.isEmpty || h.senderKnown) {
            out.append(Finding("REPLY_TO_UNSEEN_THREAD", "replies to \(h.threadIDsReferenced) message id(s) this MTA never saw, e.g. <\((ours.first ?? h.unseenThreadIDs[0]))>"))
        }
        return out
    }
}

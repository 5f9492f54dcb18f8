/// The contact-policy state of one client, computed once per recommendation.
struct ContactState {
    var suppressed: Bool
    var suppressionReason: String
    /// Channels whose cap is reached.
    var capped: ChannelSet
    var capReason: [Channel: String]
    /// Contact recency factor: 1 when not contacted for `recency_full_days`, down to 0.5 right after a contact.
    var recency: Double
    /// Share of the client's 90-day interactions per channel ordinal.
    var shares: [Double]
    var hasInteractions: Bool

    init(facts: borrowing ClientFacts, policy: ContactPolicy, recencyFullDays: Int = 14) {
        if facts.profile.doNotContact {
            suppressed = true
            suppressionReason = "client is marked do_not_contact"
        } else if policy.quietList.contains(facts.clientID) {
            suppressed = true
            suppressionReason = "client is on the contact policy's quiet list"
        } else {
            suppressed = false
            suppressionReason = ""
        }
        capped = []
        capReason = [:]
        // A cap counts and closes its channel; one on all channels, every channel, or with inbound
        // channels exempt, every outreach channel.
        let outreachOnly = policy.inbound == .exempt
        let allChannels = ChannelSet(Channel.allCases)
        let anyChannel = outreachOnly ? ChannelSet(rawValue: allChannels.rawValue & ~policy.consentExempt.rawValue) : allChannels
        for cap in policy.caps {
            let start = facts.asOf.adding(days: -cap.windowDays)
            let counted = cap.channel.map { ChannelSet([$0]) } ?? anyChannel
            var count = 0
            for response in facts.responses {
                if response.presentedAt <= start { break }
                if counted.contains(response.channel) { count += 1 }
            }
            if cap.perAccount {
                for shown in facts.account.presentations {
                    if shown.at <= start { break }
                    if counted.contains(shown.channel) { count += 1 }
                }
            }
            guard count >= cap.max else { continue }
            for channel in counted.channels {
                capped.insert(channel)
                if capReason[channel] == nil {
                    capReason[channel] = "\(count) contacts \(cap.perAccount ? "to the account " : "")\(cap.channel.map { "on \($0.rawValue)" } ?? (outreachOnly ? "in all outreach channels" : "in all channels")) in the last \(cap.windowDays) days (cap \(cap.max))"
                }
            }
        }
        if let last = facts.lastContact, recencyFullDays > 0 {
            let days = Double(max(0, facts.asOf.days(since: last)))
            recency = min(1, 0.5 + 0.5 * days / Double(recencyFullDays))
        } else {
            recency = 1
        }
        let total = facts.interactions90d
        shares = facts.interactions90dByChannel.map { total > 0 ? Double($0) / Double(total) : 0 }
        hasInteractions = total > 0
    }

    /// Channel fit: 0.8 + 0.4 × the channel's share of recent interactions (1 without any).
    func fit(_ channel: Channel) -> Double {
        !hasInteractions ? 1 : 0.8 + 0.4 * shares[channel.ordinal]
    }
}

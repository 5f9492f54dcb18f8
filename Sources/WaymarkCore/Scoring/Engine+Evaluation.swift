extension Engine {
    // MARK: - One item

    /// An eligible item with its channel and factors: a plain value (no reference, no string),
    /// cheap to store and copy.
    struct Candidate {
        /// The index of the item in `prepared`.
        var item = 0
        var channel = Channel.email
        var factors = ScoreFactors(
            acceptance: 0, alpha: 0, beta: 0, affinityLift: 1, lifeEventBoost: 1, activity: 0, propensity: 0,
            value: 0, channelFit: 0, contactRecency: 0, context: 0, lever: 0, priority: 0)
        /// The index in the item's `triggers` of the trigger behind the boost, -1 for none;
        /// the days since its event and its multiplier.
        var trigger = -1
        var triggerDays = 0
        var triggerMultiplier = 1.0
        /// How the contact policy admitted it.
        var contact = ContactAdmission.underPolicy
    }

    /// How the contact policy admitted a candidate (explained in `admittedBy`).
    enum ContactAdmission {
        /// No cooldown holds, under caps.
        case underPolicy
        /// Within the cooldown after a presentation `days` ago: inbound channels only.
        case inboundDuringCooldown(days: Int, cooldown: Int)
        /// A follow-up of the client's acceptance, the response at this index of `facts.responses`.
        case followUp(response: Int)
    }

    /// What candidates are ranked by: priority, descending, then the id (by its rank).
    struct SortKey {
        var priority: Double
        var idRank: Int32
        /// The index of the candidate.
        var candidate: Int32
    }

    /// Per-client caches of one recommendation.
    struct Scratch {
        var stageIndex: Int
        /// `facts.lastCategories` as indices of the affinity table.
        var recent: [Int32] = []
        /// The row of the client's owned categories in the affinity table, -1 when it has none.
        var owned: Int32 = -1
        /// Per prepared item: the index in `facts.responses` of its newest response, -1 without one.
        var lastResponse: [Int32]
        /// Per prepared item: the index in `facts.responses` of its newest decline, -1 without one.
        var lastDecline: [Int32]
        /// The propensity's inputs of the client (with a learned propensity only).
        var client: PropensityClient?
        /// P(the client buys any offer in the horizon) (with a learned propensity only).
        var buyProbability = 1.0
        /// The client's part of the offer logit (with a learned propensity only).
        var clientPart: PropensityScorer.ClientPart?

        /// Per distinct rule (``PreparedItem/ruleSlot``): 0 not evaluated yet, 1 true, 2 false.
        var rules: [UInt8]
        /// Per distinct clause (``RuleClauses``): 0 not evaluated yet, 1 true, 2 false.
        var clauses: [UInt8]

        init(stageIndex: Int, items: Int, rules: Int, clauses: Int) {
            self.stageIndex = stageIndex
            self.rules = [UInt8](filled: 0, count: rules)
            self.clauses = [UInt8](filled: 0, count: clauses)
            lastResponse = [Int32](filled: -1, count: items)
            lastDecline = [Int32](filled: -1, count: items)
        }
    }

    /// Checks one item for the client: nil when it is eligible, with `candidate` set; else the
    /// check that dropped it, with `reason` set when `explain` (left as it was otherwise).
    func evaluate(
        _ entry: PreparedItem, facts: ClientFacts, contact: ContactState, explore: Bool, seed: UInt64,
        explain: Bool, channel requested: Channel? = nil, scratch: inout Scratch, candidate: inout Candidate, reason: inout String
    ) -> Rejection.Check? {
        let policy = catalog.contactPolicy
        // Reasons are only built when the caller asked for them.
        func reject(_ check: Rejection.Check, _ text: @autoclosure () -> String) -> Rejection.Check? {
            if explain { reason = text() }
            return check
        }

        // 1. Validity.
        if let from = entry.validFrom, facts.asOf < from {
            return reject(.validity, "not valid yet: valid from \(from.isoDate)")
        }
        if let until = entry.validUntil, facts.asOf >= until.adding(days: 1) {
            return reject(.validity, "expired: valid until \(until.isoDate)")
        }

        // 2. Do-not-contact (with a requested channel, only that channel counts from here on).
        var allowed = entry.channelSet
        if let requested {
            guard allowed.contains(requested) else {
                return reject(.channel, "not on the requested channel \(requested.rawValue): the item goes out on \(entry.item.channels.map(\.rawValue).joined(separator: ", "))")
            }
            allowed = ChannelSet(rawValue: requested.bit)
        }
        if contact.suppressed {
            if policy.doNotContact == .suppressAll {
                return reject(.doNotContact, contact.suppressionReason)
            }
            allowed = ChannelSet(rawValue: allowed.rawValue & policy.consentExempt.rawValue)
            if allowed.isEmpty {
                return reject(.doNotContact, "\(contact.suppressionReason); none of the item's channels (\(entry.item.channels.map(\.rawValue).joined(separator: ", "))) is inbound")
            }
        }

        // 3. Consent.
        let consented = ChannelSet(rawValue: allowed.rawValue & (facts.profile.consents.rawValue | policy.consentExempt.rawValue))
        if consented.isEmpty {
            let consents = facts.profile.consents.channels.map(\.rawValue)
            let among = requested.map { "the requested channel \($0.rawValue)" } ?? entry.item.channels.map(\.rawValue).joined(separator: ", ")
            return reject(.consent, "no consented channel among \(among) (client consents: \(consents.isEmpty ? "none" : consents.joined(separator: ", ")))")
        }

        // 4. The rule.
        let slot = entry.ruleSlot
        if slot >= 0, scratch.rules[slot] == 0 { scratch.rules[slot] = clauses.passes(slot, facts, memo: &scratch.clauses) ? 1 : 2 }
        if slot >= 0, scratch.rules[slot] == 2 {
            return reject(.rule, "rule clause false: \(entry.when.map { $0.firstFailingClause(facts) ?? $0.explain } ?? "")")
        }

        // 5. Prerequisites.
        for product in entry.requiredProductKeys where !facts.owns(product: product) {
            return reject(.prerequisites, "requires product '\(product.text)', not owned")
        }
        for category in entry.requiredCategoryKeys where !facts.ownsCategory(category) {
            return reject(.prerequisites, "requires a product of category '\(category.text)', none owned")
        }

        // 6. Ownership / already sent.
        if !entry.repeatable {
            if entry.kind == .offer {
                if let product = entry.productKey {
                    if facts.owns(product: product) { return reject(.ownership, "already owns '\(product.text)'") }
                } else if let category = entry.categoryKey, facts.ownsCategory(category) {
                    return reject(.ownership, "already owns a product of category '\(category.text)'")
                }
                if catalog.settings.arbitration.householdOwnership {
                    if let product = entry.productKey, let owner = facts.account.ownerOfProduct[product.text] {
                        return reject(.ownership, "the household already owns '\(product.text)' (member \(owner))")
                    } else if entry.productKey == nil, let category = entry.categoryKey,
                              let owner = facts.account.ownerOfCategory[category.text] {
                        return reject(.ownership, "the household already owns a product of category '\(category.text)' (member \(owner))")
                    }
                }
            } else if scratch.lastResponse[entry.index] >= 0 {
                let sent = facts.responses[Int(scratch.lastResponse[entry.index])]
                return reject(.ownership, "already sent on \(sent.presentedAt.isoDate) (\(sent.channel.rawValue)); not repeatable")
            }
        }

        // 7. Contact policy.
        let cooldown = entry.cooldownDays ?? policy.cooldownAfterPresentedDays
        let declineIndex = Int(scratch.lastDecline[entry.index])
        let presentedIndex = Int(scratch.lastResponse[entry.index])
        var admission = ContactAdmission.underPolicy
        var open = ChannelSet(rawValue: consented.rawValue & ~contact.capped.rawValue)
        if presentedIndex >= 0, isFollowUp(entry, responseAt: presentedIndex, facts: facts) {
            // The client said yes and has not bought yet: the next step is to follow up.
            admission = .followUp(response: presentedIndex)
        } else {
            if declineIndex >= 0 {
                let days = facts.asOf.days(since: facts.responses[declineIndex].decidedAt)
                if days < policy.cooldownAfterDeclinedDays {
                    return reject(.contactPolicy, "declined \(days) days ago; cooldown after a decline is \(policy.cooldownAfterDeclinedDays) days")
                }
            }
            if presentedIndex >= 0 {
                let days = facts.asOf.days(since: facts.responses[presentedIndex].presentedAt)
                if days < cooldown {
                    let inbound = ChannelSet(rawValue: consented.rawValue & policy.consentExempt.rawValue)
                    guard policy.inbound == .exempt, !inbound.isEmpty else {
                        return reject(.contactPolicy, "presented \(days) days ago; cooldown is \(cooldown) days")
                    }
                    admission = .inboundDuringCooldown(days: days, cooldown: cooldown)
                    open = ChannelSet(rawValue: open.rawValue & inbound.rawValue)
                }
            }
        }
        if open.isEmpty {
            var reasons: [String] = []
            for channel in consented.channels {
                if let reason = contact.capReason[channel], !reasons.contains(reason) { reasons.append(reason) }
            }
            if case .inboundDuringCooldown(let days, let cooldown) = admission {
                return reject(.contactPolicy, "presented \(days) days ago; cooldown is \(cooldown) days and the inbound channels are capped: \(reasons.joined(separator: "; "))")
            }
            return reject(.contactPolicy, "contact cap reached: \(reasons.joined(separator: "; "))")
        }

        // Channel: the best fit among the open channels, then the item's order.
        let channels = entry.channels
        var channel = channels.first { open.contains($0) }!
        var fit = contact.fit(channel)
        for c in channels where open.contains(c) && contact.fit(c) > fit {
            channel = c
            fit = contact.fit(c)
        }

        // Priority.
        let counts = entry.counts[scratch.stageIndex]
        let prior = entry.prior
        let alpha = prior.alpha + counts.successes
        let beta = prior.beta + counts.failures
        var acceptance = alpha / (alpha + beta)
        // The learned propensity reads the population's rate (posterior mean or its draw) and the
        // client's own acceptance apart (`accepted_pending`), as in its training rows.
        var modelAcceptance = acceptance
        var posteriorMean = true
        if case .followUp = admission {
            acceptance = 1
        } else if explore {
            posteriorMean = false
            var random = SeededGenerator(seed: Self.explorationSeed(client: facts.clientID, asOf: facts.asOf, seed: seed, item: entry.id))
            acceptance = random.beta(alpha, beta)
            modelAcceptance = acceptance
        }
        let lift = affinityLift(entry, scratch: scratch)
        let (boost, trigger, triggerDays) = lifeEventBoost(entry, facts: facts)
        let activity = facts.pAlive
        let propensity: Double
        // The scorer and the client's part are read in place, not bound (a binding copies them,
        // retaining their arrays, for every offer of every client).
        if entry.kind == .offer, scorer != nil, scratch.clientPart != nil {
            let slot = entry.index * LifecycleStage.allCases.count + scratch.stageIndex
            var inputs = propensityInputs(entry, facts: facts, scratch: scratch, acceptance: modelAcceptance, lift: lift, boost: boost)
            if posteriorMean { inputs.acceptanceLogit = acceptanceLogit[slot] }
            propensity = scratch.buyProbability * scorer!.probability(scratch.clientPart!, itemPart: itemPart[slot], item: inputs)
        } else {
            propensity = acceptance * lift * boost * activity
        }
        let lever = entry.lever
        let value: Double = switch entry.value {
        case .fixed(let x): x
        case .clv: max(facts.clv12m, 1)
        case .unspecified: entry.defaultValue
        }
        let context = fit * contact.recency
        let priority = propensity * value * context * lever
        let factors = ScoreFactors(
            acceptance: acceptance, alpha: alpha, beta: beta, affinityLift: lift, lifeEventBoost: boost,
            activity: activity, propensity: propensity, value: value, channelFit: fit,
            contactRecency: contact.recency, context: context, lever: lever, priority: priority
        )
        candidate = Candidate(item: entry.index, channel: channel, factors: factors,
                              trigger: trigger, triggerDays: triggerDays, triggerMultiplier: boost, contact: admission)
        return nil
    }

    /// The affinity lift of the item's category for the client (1 without recent categories).
    func affinityLift(_ entry: PreparedItem, scratch: Scratch) -> Double {
        guard entry.affinityTarget >= 0, !scratch.recent.isEmpty else { return 1 }
        return scratch.recent.withUnsafeBufferPointer { affinity.lift(of: entry.affinityTarget, after: $0, owned: scratch.owned) }
    }

    /// The strongest life-event boost of the item's triggers, the trigger's index (-1: none) and
    /// the days since its event.
    func lifeEventBoost(_ entry: PreparedItem, facts: ClientFacts) -> (boost: Double, trigger: Int, days: Int) {
        if entry.triggerEventKeys.isEmpty { return (1, -1, 0) }
        var boost = 1.0
        var trigger = -1
        var triggerDays = 0
        let triggers = entry.triggers
        let events = entry.triggerEventKeys
        for t in triggers.indices {
            guard let days = facts.daysSinceEvent(events[t]) else { continue }
            let multiplier = triggers[t].multiplier(daysSinceEvent: days)
            if multiplier > boost {
                boost = multiplier
                trigger = t
                triggerDays = days
            }
        }
        return (boost, trigger, triggerDays)
    }

    /// The item-level inputs of the learned propensity.
    @inline(__always)
    func propensityInputs(_ entry: PreparedItem, facts: ClientFacts, scratch: Scratch, acceptance: Double, lift: Double, boost: Double) -> PropensityItemInputs {
        PropensityItemInputs(
            category: entry.categoryKey.map { facts.categoryIndex($0) } ?? -1,
            logPopularity: logPopularity[entry.index], logRecentPopularity: logRecentPopularity[entry.index],
            logStageRate: logStageRate[entry.index * LifecycleStage.allCases.count + scratch.stageIndex],
            affinityLift: lift, lifeEventBoost: boost, acceptance: acceptance,
            response: responseState(entry, facts: facts, newest: Int(scratch.lastResponse[entry.index])))
    }

    /// The client's newest response to the item (`newest`: its index in `facts.responses`, -1 for none).
    func responseState(_ entry: PreparedItem, facts: ClientFacts, newest: Int) -> PropensityItemInputs.ResponseState {
        guard newest >= 0 else { return .none }
        // The two fields read in place (a copy of the response would retain its strings).
        let presentedAt = facts.responses[newest].presentedAt
        switch facts.responses[newest].outcome {
        case .accepted:
            let bought = if let product = entry.productKey { facts.lastPurchase(of: product) }
                else if let category = entry.categoryKey { facts.lastPurchase(of: category) }
                else { Timestamp?.none }
            return bought.map { $0 < presentedAt } ?? true ? .acceptedPending : .other
        case .declined:
            return .declined
        case .presented, .opened:
            return facts.asOf.days(since: presentedAt) <= 30 ? .presentedOpen : .other
        }
    }

    /// Whether the response at `index` of `facts.responses`, the item's newest, makes the offer a
    /// follow-up: accepted within the policy's `follow_up_accepted_days` (as known at as_of), and
    /// the offered product (or, without one, category) not bought since it was presented. (The
    /// response is read in place: a copy would retain its strings, for every item and client.)
    func isFollowUp(_ entry: PreparedItem, responseAt index: Int, facts: ClientFacts) -> Bool {
        let days = catalog.contactPolicy.followUpAcceptedDays
        guard days > 0, entry.kind == .offer, facts.responses[index].outcome == .accepted,
              facts.asOf.days(since: facts.responses[index].decidedAt) <= days else { return false }
        let bought = if let product = entry.productKey { facts.lastPurchase(of: product) }
            else if let category = entry.categoryKey { facts.lastPurchase(of: category) }
            else { Timestamp?.none }
        return bought.map { $0 < facts.responses[index].presentedAt } ?? true
    }

    func rankedOut(_ candidate: Candidate, last: Candidate?, limit: String) -> Rejection {
        let p = candidate.factors.priority
        let entry = prepared[candidate.item]
        let reason = if let last {
            "ranked out (\(limit)): priority \(fmt4(p)) < last selected \(fmt4(last.factors.priority)) (\(prepared[last.item].id))"
        } else {
            "ranked out: \(limit)"
        }
        return Rejection(itemID: entry.id, kind: entry.kind, check: .rankedOut, reason: reason, priority: p)
    }

    func recommendation(_ candidate: Candidate, rank: Int, facts: ClientFacts, scratch: Scratch, render: Bool, explain: Bool = true) -> Recommendation {
        // The item is read in place from the shared entry, never copied.
        let entry = prepared[candidate.item]
        let text = render ? self.text(entry, channel: candidate.channel, facts: facts) : nil
        var trigger: String?
        if candidate.trigger >= 0 {
            let t = entry.triggers[candidate.trigger]
            var line = TextBytes(capacity: 96)
            line.append(t.event)
            line.append(" ")
            line.append(candidate.triggerDays)
            line.append(" days ago (window ")
            line.append(t.windowDays)
            line.append(" days, boost ")
            line.append(reasonNumber: t.boost)
            line.append(" fading ")
            line.append(t.fade.rawValue)
            line.append(" → ")
            line.append(reasonNumber: candidate.triggerMultiplier)
            line.append(")")
            trigger = line.string
        }
        return Recommendation(
            itemID: entry.id, kind: entry.kind, title: entry.title, rank: rank, channel: candidate.channel,
            priority: candidate.factors.priority, text: text,
            explanation: Explanation(admittedBy: admittedBy(candidate, facts: facts), factors: candidate.factors, trigger: trigger,
                                     propensityReasons: explain ? propensityReasons(entry, facts: facts, scratch: scratch, factors: candidate.factors) : [])
        )
    }

    /// The item's template rendered with the client's facts, nil for an item without one.
    func text(_ entry: PreparedItem, channel: Channel, facts: ClientFacts) -> String? {
        if let parts = entry.plainTemplate {
            let names = entry.plainNames
            return MessageTemplate.render(parts) { index, _ in
                names[index].flatMap { TemplateValues.text(of: $0, facts: facts, item: entry.item, channel: channel, products: products) }
            }
        }
        guard let template = entry.item.template else { return nil }
        // Only the values the template names are built.
        var base = TemplateValues.values(facts: facts, names: template.names)
        TemplateValues.add(item: entry.item, channel: channel, products: products, to: &base)
        return template.render(base)
    }

    /// The checks that admitted an item, as text (built only for recommended items).
    func admittedBy(_ candidate: Candidate, facts: ClientFacts) -> [String] {
        let entry = prepared[candidate.item]
        let channel = candidate.channel
        let consent = facts.profile.doNotContact ? 0 : facts.profile.consents.contains(channel) ? 1 : 2
        if case .underPolicy = candidate.contact, entry.channelSet.contains(channel) {
            return entry.admittedUnderPolicy[channel.ordinal * 3 + consent]
        }
        var admitted: [String] = []
        admitted.reserveCapacity(entry.admitted.count + 2)
        admitted.append(contentsOf: entry.admitted)
        switch candidate.contact {
        case .underPolicy:
            admitted.append(entry.underPolicy)
        case .inboundDuringCooldown(let days, let cooldown):
            admitted.append("contact policy: presented \(days) days ago, within the \(cooldown)-day cooldown: inbound channels only, under caps")
        case .followUp(let index):
            let response = facts.responses[index]
            admitted.append("follow-up: accepted on \(response.decidedAt.isoDate) (\(response.channel.rawValue)), not bought since: no cooldown, acceptance 1, under caps")
        }
        admitted.append(Self.channelAdmissions[channel.ordinal * 3 + consent])
        return admitted
    }

    /// "channel email: consented" for every channel and consent state (do not contact,
    /// consented, exempt), built once: `channelAdmissions[channel.ordinal * 3 + state]`.
    static let channelAdmissions: [String] = Channel.allCases.flatMap { channel in
        ["inbound only (do not contact)", "consented", "consent-exempt (no consent needed)"].map { "channel \(channel.rawValue): \($0)" }
    }

    /// FNV-1a over client id, as_of, seed and item id: the per-item exploration seed.
    static func explorationSeed(client: String, asOf: Timestamp, seed: UInt64, item: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        for b in client.utf8 { mix(b) }
        mix(0)
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: asOf.seconds >> Int64(shift))) }
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: seed >> UInt64(shift))) }
        for b in item.utf8 { mix(b) }
        return hash
    }
}

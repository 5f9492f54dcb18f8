/// The scoring engine: facts, stage, eligibility, priority, arbitration and explanations.
///
/// One entry point for the nightly run, the stdio server and the CLI:
///
/// ```swift
/// let engine = Engine(catalog: catalog, models: models, products: products)
/// let result = engine.recommend(for: snapshot, asOf: asOf)
/// result.scores.stage; result.offers.first?.explanation.summary
/// ```
///
/// `Engine` is an immutable `Sendable` value: build it once per run and call it from every core.
/// The same snapshot, catalog, models and as_of always give the same answer (ties broken by item
/// id; exploration, when on, is seeded by client id + as_of + seed).
///
/// For each item, eligibility is checked in a fixed order and the first failing check drops it:
/// 1. validity window (`valid_from` … `valid_until`, inclusive),
/// 2. do-not-contact (the profile flag or the quiet list),
/// 3. a consented channel among the item's channels (consent-exempt channels need none),
/// 4. the `when` rule,
/// 5. prerequisites (`requires`),
/// 6. ownership: an offer whose product (or, without product, category) the client owns,
///    unless repeatable; a message already presented, unless repeatable,
/// 7. contact policy: cooldown after a presentation and after a decline, caps per channel.
///    With `inbound: exempt`, caps and the presentation cooldown limit outreach only (an item in
///    its cooldown may still be shown on a consent-exempt channel); with
///    `follow_up_accepted_days`, an offer the client accepted and has not bought since is
///    followed up despite its cooldowns, with an acceptance of 1.
///
/// Priority = propensity × value × context × lever, with
/// propensity = acceptance × affinity lift × life-event boost × activity (p_alive).
package struct Engine: Sendable {
    package let catalog: Catalog
    package let models: FittedModels
    package let products: ProductDirectory
    private let prepared: [PreparedItem]
    /// The distinct item ids (a fingerprint table, no SipHash per look-up) and, per id, the
    /// index of its first item in `prepared` (responses are matched to items once per client).
    private let itemIDs: SmallKeys
    private let itemOfID: [Int]
    /// The affinity model over the offers' categories (no dictionary look-up per item and client).
    private let affinity: AffinityModel.Table

    /// An item with what the engine derives from it once (a class: shared, never copied).
    ///
    /// The fields the hot path reads are stored here, so scoring reads them in place instead of
    /// copying the whole `CatalogItem` (and its rule) per item and client.
    final class PreparedItem: Sendable {
        let item: CatalogItem
        let index: Int
        let id: String
        let title: String
        let kind: CatalogItem.Kind
        let channelSet: ChannelSet
        let when: CatalogRule?
        /// The compiled `when` rule, read in place on the hot path.
        let rule: CompiledRule?
        let triggers: [Trigger]
        let channels: [Channel]
        let product: String?
        let requiredProducts: [String]
        let requiredCategories: [String]
        let validFrom: Timestamp?
        let validUntil: Timestamp?
        let cooldownDays: Int?
        let prior: BetaPrior
        let lever: Double
        let value: CatalogItem.Value
        /// The item's category: its own, or its product's.
        let category: String?
        let repeatable: Bool
        let defaultValue: Double
        /// Recorded outcomes per stage, indexed like `LifecycleStage.allCases`.
        let counts: [AcceptanceStatistics.Counts]
        /// The client-independent lines of `admittedBy` (all but the contact policy's and the
        /// channel's), built once.
        let admitted: [String]
        /// The contact policy's line of `admittedBy` when no exception applied.
        let underPolicy: String
        /// The template as text and plain variables, when every variable has a plain text value.
        let plainTemplate: [MessageTemplate.PlainPart]?
        /// `product`, `category`, the requirements and the trigger events as fingerprinted keys
        /// (the ownership and event checks probe the facts' tables without hashing the text).
        let productKey: RuleKey?
        let categoryKey: RuleKey?
        let requiredProductKeys: [RuleKey]
        let requiredCategoryKeys: [RuleKey]
        let triggerEventKeys: [RuleKey]
        /// The position of `id` among the catalog's ids in ascending order (equal ids, equal
        /// ranks): ties in priority are broken by comparing ranks instead of the ids' text.
        let idRank: Int32
        /// The index of `category ?? ""` among the catalog's categories (category diversity).
        let diversityGroup: Int
        /// The index of the category in the engine's affinity table, -1 without a category or
        /// for a message (only offers get an affinity lift).
        let affinityTarget: Int

        init(
            item: CatalogItem, index: Int, category: String?, repeatable: Bool, defaultValue: Double,
            counts: [AcceptanceStatistics.Counts], policy: ContactPolicy,
            idRank: Int32, diversityGroup: Int, affinityTarget: Int
        ) {
            self.item = item
            self.index = index
            self.idRank = idRank
            self.diversityGroup = diversityGroup
            self.affinityTarget = affinityTarget
            id = item.id
            title = item.title
            kind = item.kind
            channelSet = ChannelSet(item.channels)
            when = item.when
            rule = item.when?.compiled
            triggers = item.triggers
            channels = item.channels
            product = item.product
            requiredProducts = item.requires.products
            requiredCategories = item.requires.categories
            validFrom = item.validFrom
            validUntil = item.validUntil
            cooldownDays = item.cooldownDays
            prior = item.prior
            lever = item.lever
            value = item.value
            self.category = category
            self.repeatable = repeatable
            self.defaultValue = defaultValue
            self.counts = counts
            productKey = item.product.map(RuleKey.init)
            categoryKey = category.map(RuleKey.init)
            requiredProductKeys = item.requires.products.map(RuleKey.init)
            requiredCategoryKeys = item.requires.categories.map(RuleKey.init)
            triggerEventKeys = item.triggers.map { RuleKey($0.event) }
            var admitted: [String] = []
            if item.validFrom != nil || item.validUntil != nil {
                admitted.append("valid \(item.validFrom?.isoDate ?? "…") to \(item.validUntil?.isoDate ?? "…")")
            }
            if let rule = item.when { admitted.append("when: \(rule.explain)") }
            if !item.requires.isEmpty {
                admitted.append("requires \((item.requires.products + item.requires.categories).joined(separator: ", ")): owned")
            }
            let cooldown = item.cooldownDays ?? policy.cooldownAfterPresentedDays
            underPolicy = "contact policy: no presentation within \(cooldown) days, under caps"
            self.admitted = admitted
            plainTemplate = item.template?.plainParts.flatMap { parts in
                parts.allSatisfy {
                    if case .variable(let name) = $0 { TemplateValues.isPlainName(name) } else { true }
                } ? parts : nil
            }
        }

        /// Whether the client passes the item's `when` rule (true without one).
        func passes(_ facts: ClientFacts) -> Bool {
            rule?.evaluate(facts) ?? true
        }
    }

    package init(catalog: Catalog, models: FittedModels = FittedModels(), products: ProductDirectory = ProductDirectory()) {
        self.catalog = catalog
        self.models = models
        self.products = products
        let items = catalog.items
        let categories = items.map { item in item.category ?? item.product.flatMap { products[$0] }?.category }
        let affinity = AffinityModel.Table(
            models.affinity, targets: zip(items, categories).compactMap { item, category in item.kind == .offer ? category : nil })
        self.affinity = affinity
        // Ranks of the ids in ascending order, equal ids sharing a rank.
        var idRanks = [Int32](repeating: 0, count: items.count)
        let byID = items.indices.sorted { items[$0].id < items[$1].id }
        for (k, i) in byID.enumerated() {
            idRanks[i] = k > 0 && items[byID[k - 1]].id == items[i].id ? idRanks[byID[k - 1]] : Int32(k)
        }
        // Category diversity groups, by `String` equality of `category ?? ""`.
        var groupOf: [String: Int] = [:]
        let groups = categories.map { category in
            let key = category ?? ""
            if let group = groupOf[key] { return group }
            groupOf[key] = groupOf.count
            return groupOf.count - 1
        }
        prepared = items.enumerated().map { index, item in
            let product = item.product.flatMap { products[$0] }
            let category = categories[index]
            return PreparedItem(
                item: item,
                index: index,
                category: category,
                repeatable: item.repeatable || (item.kind == .offer && (product?.repeatable ?? false)),
                defaultValue: product.map { max($0.price, 1) } ?? 1,
                counts: LifecycleStage.allCases.map { models.acceptance.counts(item: item.id, stage: $0) },
                policy: catalog.contactPolicy,
                idRank: idRanks[index],
                diversityGroup: groups[index],
                affinityTarget: item.kind == .offer ? category.flatMap { affinity.target($0) } ?? -1 : -1
            )
        }
        var ids = SmallKeys()
        var itemOfID: [Int] = []
        for (i, item) in catalog.items.enumerated() where ids.insert(item.id).inserted { itemOfID.append(i) }
        itemIDs = ids
        self.itemOfID = itemOfID
    }

    /// Every fact of the client at `asOf`, with this catalog's thresholds and loyalty programme.
    package func facts(for snapshot: ClientSnapshot, asOf: Timestamp) -> ClientFacts {
        ClientFacts(snapshot: snapshot, asOf: asOf, thresholds: catalog.settings.lifecycle, loyalty: catalog.loyalty, models: models)
    }

    /// Scores one client and picks the offers and messages.
    package func recommend(for snapshot: ClientSnapshot, asOf: Timestamp, options: RecommendOptions = RecommendOptions()) -> RecommendationSet {
        recommend(facts: facts(for: snapshot, asOf: asOf), options: options)
    }

    /// Scores a client whose facts are already computed.
    package func recommend(facts: ClientFacts, options: RecommendOptions = RecommendOptions()) -> RecommendationSet {
        let settings = catalog.settings.arbitration
        let explore = options.exploration ?? catalog.settings.exploration.enabled
        let seed = options.seed ?? catalog.settings.exploration.seed
        let explain = options.explainRejections
        let contact = ContactState(facts: facts, policy: catalog.contactPolicy, recencyFullDays: settings.recencyFullDays)

        var rejections: [Rejection] = []
        var scratch = Scratch(stageIndex: LifecycleStage.allCases.firstIndex(of: facts.stage.stage) ?? 0, items: prepared.count)
        // Each responded item matched once: its newest response, and its newest decline along the chain.
        for (k, itemID) in facts.respondedItems.keys.enumerated() {
            guard let i = itemIDs.index(of: itemID).map({ itemOfID[$0] }) else { continue }
            let newest = facts.newestResponse[k]
            scratch.lastResponse[i] = newest
            var r = newest
            while r >= 0 {
                if facts.responses[Int(r)].outcome == .declined {
                    scratch.lastDecline[i] = r
                    break
                }
                r = facts.olderResponse[Int(r)]
            }
        }
        scratch.recent = facts.lastCategories.map { affinity.index(of: $0) }
        if !scratch.recent.isEmpty { scratch.owned = affinity.ownedRow(of: facts) }

        // Eligible items as plain values (no reference, no string), ranked through small sort keys.
        var candidates: [Candidate] = []
        candidates.reserveCapacity(prepared.count)
        var offers: [SortKey] = []
        var messages: [SortKey] = []
        var candidate = Candidate()
        var reason = ""
        for entry in prepared {
            if let check = evaluate(entry, facts: facts, contact: contact, explore: explore, seed: seed, explain: explain,
                                    scratch: &scratch, candidate: &candidate, reason: &reason) {
                if explain { rejections.append(Rejection(itemID: entry.id, kind: entry.kind, check: check, reason: reason, priority: nil)) }
            } else if candidate.factors.priority < settings.minPriority {
                if explain {
                    rejections.append(Rejection(itemID: entry.id, kind: entry.kind, check: .rankedOut,
                        reason: "ranked out: priority \(fmt4(candidate.factors.priority)) < minimum \(fmt4(settings.minPriority))",
                        priority: candidate.factors.priority))
                }
            } else {
                let key = SortKey(priority: candidate.factors.priority, idRank: entry.idRank, candidate: Int32(candidates.count))
                if entry.kind == .offer { offers.append(key) } else { messages.append(key) }
                candidates.append(candidate)
            }
        }

        let byPriority: (SortKey, SortKey) -> Bool = {
            $0.priority != $1.priority ? $0.priority > $1.priority : $0.idRank < $1.idRank
        }
        offers.sort(by: byPriority)
        messages.sort(by: byPriority)

        // Offers: top k with category diversity.
        let k = options.maxOffers ?? settings.topOffers
        var chosenOffers: [Candidate] = []
        for key in offers {
            let candidate = candidates[Int(key.candidate)]
            if chosenOffers.count >= k {
                if explain { rejections.append(rankedOut(candidate, last: chosenOffers.last, limit: "top \(k) offers")) }
                continue
            }
            if settings.maxPerCategory > 0 {
                let group = prepared[candidate.item].diversityGroup
                var taken = 0
                for chosen in chosenOffers where prepared[chosen.item].diversityGroup == group { taken += 1 }
                if taken >= settings.maxPerCategory {
                    if explain {
                        let category = prepared[candidate.item].category ?? ""
                        let ids = chosenOffers.filter { prepared[$0.item].diversityGroup == group }.map { prepared[$0.item].id }
                        rejections.append(Rejection(itemID: prepared[candidate.item].id, kind: .offer, check: .rankedOut,
                            reason: "ranked out by category diversity: category '\(category)' already has \(ids.joined(separator: ", ")) (at most \(settings.maxPerCategory) per category)",
                            priority: candidate.factors.priority))
                    }
                    continue
                }
            }
            chosenOffers.append(candidate)
        }
        // Messages: at most m.
        let m = options.maxMessages ?? settings.maxMessages
        let chosenMessages = messages.prefix(m).map { candidates[Int($0.candidate)] }
        if explain {
            for key in messages.dropFirst(m) {
                rejections.append(rankedOut(candidates[Int(key.candidate)], last: chosenMessages.last, limit: "at most \(m) messages"))
            }
            let order = Dictionary(uniqueKeysWithValues: catalog.items.enumerated().map { ($1.id, $0) })
            rejections.sort { (order[$0.itemID] ?? 0) < (order[$1.itemID] ?? 0) }
        }

        return RecommendationSet(
            clientID: facts.clientID,
            asOf: facts.asOf,
            catalogVersion: catalog.version,
            scores: scores(facts),
            offers: chosenOffers.enumerated().map { recommendation($1, rank: $0 + 1, facts: facts, render: options.renderText) },
            messages: chosenMessages.enumerated().map { recommendation($1, rank: $0 + 1, facts: facts, render: options.renderText) },
            notRecommended: rejections
        )
    }

    /// The per-client scores alone (stage, p_alive, CLV, tier, points).
    package func scores(_ facts: ClientFacts) -> ClientScores {
        ClientScores(
            stage: facts.stage.stage,
            stageReason: facts.stage.reason,
            previousStage: facts.stage.previous,
            transition: facts.stage.transition,
            stageSince: facts.stage.since,
            pAlive: facts.pAlive,
            expectedPurchases90d: facts.expectedPurchases90d,
            clv12m: facts.clv12m,
            tier: facts.loyalty.tier,
            points: facts.loyalty.points,
            pointsToNextTier: facts.loyalty.pointsToNextTier,
            advocate: facts.advocate
        )
    }

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

        init(stageIndex: Int, items: Int) {
            self.stageIndex = stageIndex
            lastResponse = [Int32](repeating: -1, count: items)
            lastDecline = [Int32](repeating: -1, count: items)
        }
    }

    /// Checks one item for the client: nil when it is eligible, with `candidate` set; else the
    /// check that dropped it, with `reason` set when `explain` (left as it was otherwise).
    private func evaluate(
        _ entry: PreparedItem, facts: ClientFacts, contact: ContactState, explore: Bool, seed: UInt64,
        explain: Bool, scratch: inout Scratch, candidate: inout Candidate, reason: inout String
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

        // 2. Do-not-contact.
        var allowed = entry.channelSet
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
            return reject(.consent, "no consented channel among \(entry.item.channels.map(\.rawValue).joined(separator: ", ")) (client consents: \(consents.isEmpty ? "none" : consents.joined(separator: ", ")))")
        }

        // 4. The rule.
        if !entry.passes(facts) {
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
        if presentedIndex >= 0, isFollowUp(entry, response: facts.responses[presentedIndex], facts: facts) {
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
        if case .followUp = admission {
            acceptance = 1
        } else if explore {
            var random = SeededGenerator(seed: Self.explorationSeed(client: facts.clientID, asOf: facts.asOf, seed: seed, item: entry.id))
            acceptance = random.beta(alpha, beta)
        }
        var lift = 1.0
        if entry.affinityTarget >= 0, !scratch.recent.isEmpty {
            lift = scratch.recent.withUnsafeBufferPointer { affinity.lift(of: entry.affinityTarget, after: $0, owned: scratch.owned) }
        }
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
        let activity = facts.pAlive
        let propensity = acceptance * lift * boost * activity
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

    /// Whether `response`, the item's newest, makes the offer a follow-up: accepted within the
    /// policy's `follow_up_accepted_days` (as known at as_of), and the offered product (or,
    /// without one, category) not bought since it was presented.
    private func isFollowUp(_ entry: PreparedItem, response: Response, facts: ClientFacts) -> Bool {
        let days = catalog.contactPolicy.followUpAcceptedDays
        guard days > 0, entry.kind == .offer, response.outcome == .accepted,
              facts.asOf.days(since: response.decidedAt) <= days else { return false }
        let bought = if let product = entry.productKey { facts.lastPurchase(of: product) }
            else if let category = entry.categoryKey { facts.lastPurchase(of: category) }
            else { Timestamp?.none }
        return bought.map { $0 < response.presentedAt } ?? true
    }

    private func rankedOut(_ candidate: Candidate, last: Candidate?, limit: String) -> Rejection {
        let p = candidate.factors.priority
        let entry = prepared[candidate.item]
        let reason = if let last {
            "ranked out (\(limit)): priority \(fmt4(p)) < last selected \(fmt4(last.factors.priority)) (\(prepared[last.item].id))"
        } else {
            "ranked out: \(limit)"
        }
        return Rejection(itemID: entry.id, kind: entry.kind, check: .rankedOut, reason: reason, priority: p)
    }

    private func recommendation(_ candidate: Candidate, rank: Int, facts: ClientFacts, render: Bool) -> Recommendation {
        // The item is read in place from the shared entry, never copied.
        let entry = prepared[candidate.item]
        var text: String?
        if render, let parts = entry.plainTemplate {
            text = MessageTemplate.render(parts) {
                TemplateValues.text(of: $0, facts: facts, item: entry.item, channel: candidate.channel, products: products)
            }
        } else if render, let template = entry.item.template {
            // Only the values the template names are built.
            var base = TemplateValues.values(facts: facts, names: template.names)
            TemplateValues.add(item: entry.item, channel: candidate.channel, products: products, to: &base)
            text = template.render(base)
        }
        var trigger: String?
        if candidate.trigger >= 0 {
            let t = entry.triggers[candidate.trigger]
            trigger = "\(t.event) \(candidate.triggerDays) days ago (window \(t.windowDays) days, boost \(fmt(t.boost)) fading \(t.fade.rawValue) → \(fmt(candidate.triggerMultiplier)))"
        }
        return Recommendation(
            itemID: entry.id, kind: entry.kind, title: entry.title, rank: rank, channel: candidate.channel,
            priority: candidate.factors.priority, text: text,
            explanation: Explanation(admittedBy: admittedBy(candidate, facts: facts), factors: candidate.factors, trigger: trigger)
        )
    }

    /// The checks that admitted an item, as text (built only for recommended items).
    private func admittedBy(_ candidate: Candidate, facts: ClientFacts) -> [String] {
        let entry = prepared[candidate.item]
        var admitted = entry.admitted
        switch candidate.contact {
        case .underPolicy:
            admitted.append(entry.underPolicy)
        case .inboundDuringCooldown(let days, let cooldown):
            admitted.append("contact policy: presented \(days) days ago, within the \(cooldown)-day cooldown: inbound channels only, under caps")
        case .followUp(let index):
            let response = facts.responses[index]
            admitted.append("follow-up: accepted on \(response.decidedAt.isoDate) (\(response.channel.rawValue)), not bought since: no cooldown, acceptance 1, under caps")
        }
        let channel = candidate.channel
        admitted.append("channel \(channel.rawValue): \(facts.profile.consents.contains(channel) ? "consented" : "consent-exempt")")
        return admitted
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
            guard count >= cap.max else { continue }
            for channel in counted.channels {
                capped.insert(channel)
                if capReason[channel] == nil {
                    capReason[channel] = "\(count) contacts \(cap.channel.map { "on \($0.rawValue)" } ?? (outreachOnly ? "in all outreach channels" : "in all channels")) in the last \(cap.windowDays) days (cap \(cap.max))"
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

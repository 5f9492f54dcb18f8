internal import Foundation

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
/// 2. the requested channel (`RecommendOptions.channel`), when one is: the item must have it,
///    and from here on only it counts (consent, caps, the chosen channel), so ranking and top-k
///    happen among the items that can go out on it; then do-not-contact (the profile flag or the
///    quiet list),
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
    let prepared: [PreparedItem]
    /// `prepared` as unretained references, read on the hot path: `prepared` keeps them alive.
    let unretained: [Unmanaged<PreparedItem>]
    /// The distinct item ids (a fingerprint table, no SipHash per look-up) and, per id, the
    /// index of its first item in `prepared` (responses are matched to items once per client).
    let itemIDs: SmallKeys
    let itemOfID: [Int]
    /// The affinity model over the offers' categories (no dictionary look-up per item and client).
    let affinity: AffinityModel.Table
    /// The learned purchase propensity, nil without a fitted model (the heuristic is used).
    let scorer: PropensityScorer?
    /// Per prepared item, log popularity and log recent popularity of its category.
    let logPopularity: [Double]
    let logRecentPopularity: [Double]
    /// Per prepared item and stage (`index × stages + stage`), the log of its stage base rate.
    let logStageRate: [Double]
    /// Per prepared item and stage, the logit of its acceptance posterior mean.
    let acceptanceLogit: [Double]
    /// Per prepared item and stage, the learned propensity's item part (`PropensityScorer.itemPart`).
    let itemPart: [Double]
    /// The client-independent reasons of the learned propensity, whole (their contributions
    /// included): the crowd's (popularity) per prepared item and whether the client bought its
    /// category before (`index × 2 + bought`), and the stage rate's per item and stage (empty
    /// without a learned propensity).
    let popularityReason: [String]
    let stageRateReason: [String]
    /// Whether the catalog or any item has a holdout (nothing to check per client otherwise).
    let hasHoldout: Bool
    /// How many distinct `when` rules the items have (``PreparedItem/ruleSlot``).
    let distinctRules: Int
    /// The distinct rules' clauses, each evaluated once per client (``RuleClauses``).
    let clauses: RuleClauses

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
        // Distinct `when` rules, by their text: catalogs repeat a rule over many items.
        var slotOf: [String: Int] = [:]
        let ruleSlots = items.map { item -> Int in
            guard let rule = item.when else { return -1 }
            if let slot = slotOf[rule.explain] { return slot }
            slotOf[rule.explain] = slotOf.count
            return slotOf.count - 1
        }
        distinctRules = slotOf.count
        var rules = [CompiledRule?](repeating: nil, count: slotOf.count)
        for (item, slot) in zip(items, ruleSlots) where slot >= 0 { rules[slot] = item.when?.compiled }
        clauses = RuleClauses(rules: rules)
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
                affinityTarget: item.kind == .offer ? category.flatMap { affinity.target($0) } ?? -1 : -1,
                ruleSlot: ruleSlots[index]
            )
        }
        unretained = prepared.map { Unmanaged.passUnretained($0) }
        scorer = models.propensity.map(PropensityScorer.init)
        hasHoldout = catalog.holdout.map { $0.share > 0 } ?? false || items.contains { ($0.holdout?.share ?? 0) > 0 }
        let rates = models.propensity?.rates ?? PopulationRates()
        logPopularity = categories.map { log(rates.share($0)) }
        logRecentPopularity = categories.map { log(rates.recentShare($0)) }
        var stageRates: [Double] = []
        stageRates.reserveCapacity(items.count * LifecycleStage.allCases.count)
        for (item, category) in zip(items, categories) {
            for stage in LifecycleStage.allCases {
                let rate = models.propensity?.stageRates[stage.rawValue]?[item.id] ?? models.propensity?.itemRates[item.id] ?? rates.share(category)
                stageRates.append(log(max(rate, 1e-6)))
            }
        }
        logStageRate = stageRates
        let stageCount = LifecycleStage.allCases.count
        let scorer = scorer, popularity = logPopularity, recentPopularity = logRecentPopularity
        itemPart = (0..<(items.count * stageCount)).map { slot in
            scorer?.itemPart(logPopularity: popularity[slot / stageCount], logRecentPopularity: recentPopularity[slot / stageCount],
                             logStageRate: stageRates[slot]) ?? 0
        }
        if let model = models.propensity, let scorer {
            // Whole reasons, their contributions included: they depend on the item (and whether
            // the client bought its category before, or the client's stage) alone, so no offer
            // shown makes them again (two of an offer's four reasons, a string each).
            let names = items.map { $0.category ?? $0.product ?? "it" }
            popularityReason = (0..<(items.count * 2)).map { slot in
                let i = slot / 2
                let text = "\(Self.percent(exp(popularity[i]))) of buyers bought \(names[i]), \(Self.percent(exp(recentPopularity[i]))) in the last \(model.rates.windowDays) days"
                return Self.withContribution(text, scorer.crowdContribution(logPopularity: popularity[i], logRecentPopularity: recentPopularity[i],
                                                                            bought: slot % 2 == 1))
            }
            stageRateReason = (0..<(items.count * stageCount)).map { slot in
                let text = "\(Self.percent(exp(stageRates[slot]))) of \(LifecycleStage.allCases[slot % stageCount].rawValue) clients bought it within \(model.horizonDays) days"
                return Self.withContribution(text, scorer.stageRateContribution(logStageRate: stageRates[slot]))
            }
        } else {
            popularityReason = []
            stageRateReason = []
        }
        acceptanceLogit = items.flatMap { item in
            LifecycleStage.allCases.map { stage in
                let counts = models.acceptance.counts(item: item.id, stage: stage)
                let alpha = item.prior.alpha + counts.successes, beta = item.prior.beta + counts.failures
                return PropensityFeature.logit(alpha / (alpha + beta))
            }
        }
        var ids = SmallKeys()
        var itemOfID: [Int] = []
        for (i, item) in catalog.items.enumerated() where ids.insert(item.id).inserted { itemOfID.append(i) }
        itemIDs = ids
        self.itemOfID = itemOfID
    }

    /// The per-client caches every item's evaluation reads: responses matched to items, the
    /// affinity's recent and owned categories, the propensity's client inputs.
    /// - Parameter scoring: false for training rows, which read the client's inputs themselves:
    ///   the scorer's per-client parts are then not computed.
    func scratch(for facts: ClientFacts, scoring: Bool = true) -> Scratch {
        var scratch = emptyScratch(for: facts)
        fill(&scratch, for: facts, scoring: scoring)
        return scratch
    }

    /// A scratch for the client with nothing computed yet (see `fill(_:for:scoring:)`).
    func emptyScratch(for facts: ClientFacts) -> Scratch {
        Scratch(stageIndex: LifecycleStage.allCases.firstIndex(of: facts.stage.stage) ?? 0, items: prepared.count, rules: distinctRules,
                clauses: clauses.count)
    }

    /// Computes `scratch(for:scoring:)`'s caches into `scratch`, in place: the hot path fills its
    /// own variable (a scratch returned by value was copied and the original destroyed, a retain
    /// and a release of each of its arrays per client).
    func fill(_ scratch: inout Scratch, for facts: ClientFacts, scoring: Bool = true) {
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
        if scoring, let scorer {
            let client = facts.propensityClient
            scratch.buyProbability = scorer.buyProbability(client: client)
            scratch.clientPart = scorer.clientPart(client)
            // Moved, not copied: a copy retains each of the occasions' arrays once more.
            scratch.client = consume client
        }
    }

    /// Every fact of the client at `asOf`, with this catalog's thresholds and loyalty programme.
    package func facts(for snapshot: ClientSnapshot, asOf: Timestamp) -> ClientFacts {
        ClientFacts(snapshot: snapshot, asOf: asOf, thresholds: catalog.settings.lifecycle, loyalty: catalog.loyalty, models: models)
    }

    /// Scores one client and picks the offers and messages.
    /// With `options.cadences`, also walks the client's cadences from the snapshot's stored
    /// states (``advanceCadences(_:facts:render:)``): the steps going out now join the answer.
    package func recommend(for snapshot: ClientSnapshot, asOf: Timestamp, options: RecommendOptions = RecommendOptions()) -> RecommendationSet {
        let facts = facts(for: snapshot, asOf: asOf)
        let set = recommend(facts: facts, options: options)
        guard options.cadences else { return set }
        return withCadences(set, stored: snapshot.cadences, facts: facts, render: options.renderText)
    }

    /// Scores a client whose facts are already computed.
    package func recommend(facts: ClientFacts, options: RecommendOptions = RecommendOptions()) -> RecommendationSet {
        let settings = catalog.settings.arbitration
        let explore = options.exploration ?? catalog.settings.exploration.enabled
        let seed = options.seed ?? catalog.settings.exploration.seed
        let explain = options.explainRejections
        let contact = ContactState(facts: facts, policy: catalog.contactPolicy, recencyFullDays: settings.recencyFullDays)

        var rejections: [Rejection] = []
        var scratch = emptyScratch(for: facts)
        fill(&scratch, for: facts)

        // Eligible items as plain values (no reference, no string), ranked through small sort keys.
        var candidates: [Candidate] = []
        candidates.reserveCapacity(prepared.count)
        var offers: [SortKey] = []
        offers.reserveCapacity(prepared.count)
        var messages: [SortKey] = []
        messages.reserveCapacity(prepared.count)
        var candidate = Candidate()
        var reason = ""
        // Each entry is borrowed from `prepared` (which holds it for the engine's life) without
        // a retain and a release per item and client: 100 atomic operations a client.
        for reference in unretained {
            reference._withUnsafeGuaranteedRef { entry in
                if let check = evaluate(entry, facts: facts, contact: contact, explore: explore, seed: seed, explain: explain,
                                        channel: options.channel, scratch: &scratch, candidate: &candidate, reason: &reason) {
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
        }

        // A total order (equal ids: the catalog's order), so a selection picks what a sort would.
        let byPriority: (SortKey, SortKey) -> Bool = {
            $0.priority != $1.priority ? $0.priority > $1.priority
                : $0.idRank != $1.idRank ? $0.idRank < $1.idRank : $0.candidate < $1.candidate
        }
        // Only the first few of each kind are read unless every rejection is explained: those are
        // picked by scanning (k scans of n instead of sorting all n), the rest sorted only if reached.
        // (Never more than there are: a caller's huge limit neither overflows `k + 2` nor reserves room for it.)
        let k = max(0, min(options.maxOffers ?? settings.topOffers, offers.count))
        let m = max(0, min(options.maxMessages ?? settings.maxMessages, messages.count))
        var sortedOffers = offers.count
        if explain {
            offers.sort(by: byPriority)
            messages.sort(by: byPriority)
        } else {
            sortedOffers = Self.sortPrefix(&offers, count: k + 2, by: byPriority)
            Self.sortPrefix(&messages, count: m, by: byPriority)
        }

        // Offers: top k with category diversity.
        var chosenOffers: [Candidate] = []
        chosenOffers.reserveCapacity(k)
        for index in offers.indices {
            if index == sortedOffers, chosenOffers.count < k {
                // More were passed over for diversity than the sorted prefix holds: sort the rest.
                offers[index...].sort(by: byPriority)
                sortedOffers = offers.count
            }
            let key = offers[index]
            if index >= sortedOffers { break }
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
        let chosenMessages = messages.prefix(m).map { candidates[Int($0.candidate)] }
        if explain {
            for key in messages.dropFirst(m) {
                rejections.append(rankedOut(candidates[Int(key.candidate)], last: chosenMessages.last, limit: "at most \(m) messages"))
            }
            let order = Dictionary(uniqueKeysWithValues: catalog.items.enumerated().map { ($1.id, $0) })
            rejections.sort { (order[$0.itemID] ?? 0) < (order[$1.itemID] ?? 0) }
        }

        var set = RecommendationSet(
            clientID: facts.clientID,
            asOf: facts.asOf,
            catalogVersion: catalog.version,
            scores: scores(facts),
            offers: recommendations(chosenOffers, facts: facts, scratch: scratch, options: options),
            messages: recommendations(chosenMessages, facts: facts, scratch: scratch, options: options),
            notRecommended: rejections
        )
        if hasHoldout { applyHoldout(to: &set, explain: explain) }
        return set
    }

    /// The answers for the chosen candidates, ranked 1, 2, …: a method taking `scratch` as an
    /// argument, not a closure capturing it (a captured var is boxed and copied, with every array
    /// in it, for each recommendation).
    func recommendations(_ chosen: [Candidate], facts: ClientFacts, scratch: Scratch, options: RecommendOptions) -> [Recommendation] {
        var answers: [Recommendation] = []
        answers.reserveCapacity(chosen.count)
        for (k, candidate) in chosen.enumerated() {
            answers.append(recommendation(candidate, rank: k + 1, facts: facts, scratch: scratch, render: options.renderText, explain: options.explainScores))
        }
        return answers
    }

    /// Puts the `count` greatest elements of `keys` first, in order (the rest in any order): a
    /// selection by repeated scans, cheaper than a full sort for the few offers a client gets.
    /// - Returns: how many leading elements are in their final order (all of them when sorting
    ///   the whole array was cheaper).
    @discardableResult
    static func sortPrefix(_ keys: inout [SortKey], count: Int, by before: (SortKey, SortKey) -> Bool) -> Int {
        let n = min(count, keys.count)
        guard n < keys.count / 4 else {
            keys.sort(by: before)
            return keys.count
        }
        for i in 0..<n {
            var best = i
            for j in (i + 1)..<keys.count where before(keys[j], keys[best]) { best = j }
            keys.swapAt(i, best)
        }
        return n
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
}

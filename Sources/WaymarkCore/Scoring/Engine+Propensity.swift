internal import Foundation

extension Engine {
    /// Appends one client's training rows of the purchase propensity: a client row (does the
    /// client buy any offer in the horizon?) and, for a client who does, for each offer the engine
    /// could recommend (not an owned one-off), the features as of `cutoff` and the label "bought
    /// the offer's product (or, without one, its category) in (cutoff, end]".
    ///
    /// The engine must carry the models fitted at `cutoff` (affinity, acceptance, lifetime and the
    /// population rates of `models.propensity`), so the rows see what scoring at the cutoff saw.
    ///
    /// - Parameters:
    ///   - snapshot: the client's history up to `end` (later rows are ignored).
    ///   - maxNegatives: with more offers than this, rows of offers whose category the client never
    ///     bought and did not buy in the horizon are sampled (deterministically by client and item)
    ///     down to about this many, each weighing (its kind's count / the sampled count).
    /// - Returns: the number of rows appended.
    @discardableResult
    package func propensityRows(for snapshot: ClientSnapshot, cutoff: Timestamp, end: Timestamp, maxNegatives: Int = 64,
                                into data: inout PropensityTrainingSet) -> Int {
        let facts = facts(for: snapshot, asOf: cutoff)
        let scratch = scratch(for: facts, scoring: false)
        let client = facts.propensityClient
        var boughtProducts = Set<String>()
        var boughtCategories = Set<String>()
        for purchase in snapshot.purchases where purchase.at > cutoff && purchase.at <= end {
            boughtProducts.insert(purchase.productID)
            boughtCategories.insert(purchase.category)
        }
        let horizon = Double(models.propensity?.horizonDays ?? max(1, end.days(since: cutoff)))
        let smoothing = models.propensity?.smoothingDays ?? max(horizon, 7)
        var candidates: [(entry: PreparedItem, inputs: PropensityItemInputs, label: Bool)] = []
        var negatives = 0
        for entry in prepared where entry.kind == .offer && (entry.categoryKey != nil || entry.productKey != nil) {
            if !entry.repeatable {
                if let product = entry.productKey, facts.owns(product: product) { continue }
                if entry.productKey == nil, let category = entry.categoryKey, facts.ownsCategory(category) { continue }
            }
            let counts = entry.counts[scratch.stageIndex]
            let alpha = entry.prior.alpha + counts.successes
            let beta = entry.prior.beta + counts.failures
            let inputs = propensityInputs(entry, facts: facts, scratch: scratch, acceptance: alpha / (alpha + beta),
                                          lift: affinityLift(entry, scratch: scratch), boost: lifeEventBoost(entry, facts: facts).boost)
            let label = if let product = entry.product { boughtProducts.contains(product) }
                else { entry.category.map { boughtCategories.contains($0) } ?? false }
            if inputs.category < 0 && !label { negatives += 1 }
            candidates.append((entry, inputs, label))
        }
        // Whether the client buys at all is learned per client; which offer, from the buyers' rows.
        let buys = candidates.contains { $0.label }
        data.appendClient(PropensityClientFeature.values(client), label: buys)
        guard buys else { return 0 }
        let sampled = negatives > maxNegatives
        let keep = sampled ? Double(maxNegatives) / Double(negatives) : 1
        var row = [Double](repeating: 0, count: PropensityFeature.count)
        var appended = 0
        let fold = Int(Self.rowHash(client: snapshot.id, item: "") & 1)
        for candidate in candidates {
            var weight = 1.0
            if sampled && candidate.inputs.category < 0 && !candidate.label {
                let u = Double(Self.rowHash(client: snapshot.id, item: candidate.entry.id) >> 11) / Double(1 << 53)
                guard u < keep else { continue }
                weight = 1 / keep
            }
            PropensityFeature.values(client: client, item: candidate.inputs, horizonDays: horizon, smoothingDays: smoothing) { row[$0.rawValue] = $1 }
            data.append(row, label: candidate.label, weight: weight, item: candidate.entry.index, stage: scratch.stageIndex, fold: fold)
            appended += 1
        }
        return appended
    }

    /// A stable hash of (client, item) for sampling training rows.
    static func rowHash(client: String, item: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in client.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01B3
        for byte in item.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        // A final avalanche so the low bits of nearby ids differ.
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }

    /// The reasons of an offer's learned propensity, in words, strongest first: each group of
    /// features' contribution to the log-odds against the training average (at most four, those
    /// that move the odds by 0.05 or more, at least one). Only the words of the reasons shown are
    /// built; the client-independent ones were built with the engine.
    func propensityReasons(_ entry: PreparedItem, facts: ClientFacts, scratch: Scratch, factors: ScoreFactors) -> [String] {
        guard entry.kind == .offer, let scorer, scratch.client != nil, let part = scratch.clientPart else { return [] }
        let rate = factors.alpha + factors.beta > 0 ? factors.alpha / (factors.alpha + factors.beta) : factors.acceptance
        let inputs = propensityInputs(entry, facts: facts, scratch: scratch, acceptance: rate,
                                      lift: factors.affinityLift, boost: factors.lifeEventBoost)
        // Each feature's contribution against the training average, w · (x − mean), the values as
        // `PropensityFeature.values` computes them. The own purchases' features are summed in the
        // client's part already (once per client): their terms are that sum less their means'.
        func term(_ f: PropensityFeature, _ x: Double) -> Double { scorer.term(f, x) }
        let bought = inputs.category >= 0
        let counts = entry.counts[scratch.stageIndex]
        // (reason, contribution): 0 own purchases, 1 the crowd, 2 stage rate, 3 affinity,
        // 4 own response, 5 life event, 6 acceptance. On the stack: this runs for every offer shown.
        var parts = Parts()
        parts.append(0, (bought ? part.personal[inputs.category] : part.neverBought) - scorer.ownPurchasesMeanTerm)
        parts.append(1, scorer.crowdContribution(logPopularity: inputs.logPopularity, logRecentPopularity: inputs.logRecentPopularity, bought: bought))
        parts.append(2, scorer.stageRateContribution(logStageRate: inputs.logStageRate))
        if inputs.affinityLift != 1 { parts.append(3, term(.affinity, log(max(inputs.affinityLift, 1e-6)))) }
        switch inputs.response {
        case .acceptedPending: parts.append(4, term(.acceptedPending, 1))
        case .declined: parts.append(4, term(.declined, 1))
        case .presentedOpen: parts.append(4, term(.presentedOpen, 1))
        case .none, .other: break
        }
        if inputs.lifeEventBoost > 1 { parts.append(5, term(.lifeEvent, log(max(inputs.lifeEventBoost, 1e-6)))) }
        if counts.successes + counts.failures > 0 { parts.append(6, term(.acceptance, PropensityFeature.logit(inputs.acceptance))) }
        parts.sort()
        var reasons: [String] = []
        reasons.reserveCapacity(min(parts.count, 4))
        var text = TextBytes(capacity: 160)
        for k in 0..<min(parts.count, 4) where k == 0 || abs(parts[k].weight) >= 0.05 {
            let part = parts[k]
            // The crowd's and the stage rate's reasons were made whole with the engine.
            if part.reason == 1 {
                reasons.append(popularityReason[entry.index * 2 + (bought ? 1 : 0)])
                continue
            }
            if part.reason == 2 {
                reasons.append(stageRateReason[entry.index * LifecycleStage.allCases.count + scratch.stageIndex])
                continue
            }
            text.removeAll()
            switch part.reason {
            case 0: ownPurchases(entry, occasions: scratch.client!.occasions, category: inputs.category, asOf: facts.asOf, into: &text)
            case 3:
                text.append("clients who bought what this client bought take it ")
                text.append(reasonNumber: inputs.affinityLift)
                text.append("× as often")
            case 4:
                switch inputs.response {
                case .acceptedPending: text.append("the client accepted it and has not bought it yet")
                case .declined:
                    // A decline that raises the propensity (the data says declines are often followed
                    // by a purchase) reads as such, not as a reason to offer it because it was declined.
                    text.append(part.weight > 0 ? "declined it last time, though clients who decline often buy it later"
                                                : "the client declined it last time")
                default: text.append("presented in the last 30 days, no answer yet")
                }
            case 5:
                text.append("a life event raises it ")
                text.append(reasonNumber: inputs.lifeEventBoost)
                text.append("×")
            default:
                text.append("accepted by ")
                Self.percent(rate, into: &text)
                text.append(" of ")
                text.append(facts.stage.stage.rawValue)
                text.append(" clients offered it")
            }
            Self.appendContribution(part.weight, to: &text)
            reasons.append(text.string)
        }
        return reasons
    }

    /// " (+0.42)", " (-1.3)": a reason's contribution to the log-odds, appended to `text`.
    static func appendContribution(_ weight: Double, to text: inout TextBytes) {
        text.append(weight >= 0 ? " (+" : " (")
        text.append(reasonNumber: weight)
        text.append(")")
    }

    /// `reason` with its contribution (``appendContribution(_:to:)``).
    static func withContribution(_ reason: String, _ weight: Double) -> String {
        var text = TextBytes(capacity: reason.utf8.count + 16)
        text.append(reason)
        appendContribution(weight, to: &text)
        return text.string
    }

    /// "bought coffee.a on 12 of 20 occasions, about every 2–3 weeks, last 19 days ago", or
    /// "never bought coffee.a", appended to `text`.
    private func ownPurchases(_ entry: PreparedItem, occasions: PurchaseOccasions, category c: Int, asOf: Timestamp, into text: inout TextBytes) {
        let name = entry.category ?? entry.product ?? "it"
        guard c >= 0 else {
            text.append("never bought ")
            text.append(name)
            return
        }
        let n = Int(occasions.categoryCount[c])
        let since = asOf.days(since: occasions.categoryLast[c])
        text.append("bought ")
        text.append(name)
        text.append(" on ")
        text.append(n)
        text.append(" of ")
        text.append(occasions.count)
        text.append(occasions.count == 1 ? " occasion" : " occasions")
        if n >= 2 {
            text.append(", about every ")
            Self.days(occasions.categoryLast[c].fractionalDays(since: occasions.categoryFirst[c]) / Double(n - 1), into: &text)
        }
        text.append(", last ")
        if since == 0 {
            text.append("today")
        } else {
            text.append(since)
            text.append(since == 1 ? " day ago" : " days ago")
        }
    }

    /// "2–3 weeks", "5 days", "4 months": a cycle in words, appended to `text`.
    static func days(_ d: Double, into text: inout TextBytes) {
        if d < 1.5 { return text.append("day") }
        if d < 13 {
            text.append(Int(d.rounded()))
            return text.append(" days")
        }
        if d < 60 {
            let w = d / 7
            let lo = Int(w.rounded(.down)), hi = Int(w.rounded(.up))
            text.append(lo)
            if lo != hi {
                text.append("–")
                text.append(hi)
            }
            return text.append(" weeks")
        }
        if d < 700 {
            text.append(Int((d / 30.4).rounded()))
            return text.append(" months")
        }
        text.append(Int((d / 365.25).rounded()))
        text.append(" years")
    }

    /// "12%", "9.7%", "<1%": a share as an advisor reads it.
    static func percent(_ p: Double) -> String {
        var text = TextBytes(capacity: 8)
        percent(p, into: &text)
        return text.string
    }

    /// `percent(_:)` appended to `text`.
    static func percent(_ p: Double, into text: inout TextBytes) {
        let x = p * 100
        guard x < 10 else {
            text.append(Int(x.rounded()))
            return text.append("%")
        }
        guard x >= 1 else { return text.append("<1%") }
        // One decimal below 10 % ("9.7%"), as an advisor reads a share; whole percents above.
        let tenths = Int((x * 10).rounded())
        text.append(tenths / 10)
        text.append(".")
        text.append(tenths % 10)
        text.append("%")
    }

    /// The parts of a learned propensity's reasons, at most seven, on the stack.
    struct Parts {
        private var storage: (Part, Part, Part, Part, Part, Part, Part) = (.none, .none, .none, .none, .none, .none, .none)
        private(set) var count = 0

        struct Part {
            var reason: Int
            var weight: Double
            static let none = Part(reason: -1, weight: 0)
        }

        subscript(k: Int) -> Part {
            get {
                precondition(k >= 0 && k < count)
                return withUnsafeBytes(of: storage) { $0.load(fromByteOffset: k * MemoryLayout<Part>.stride, as: Part.self) }
            }
            set {
                precondition(k >= 0 && k < count)
                withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: newValue, toByteOffset: k * MemoryLayout<Part>.stride, as: Part.self) }
            }
        }

        mutating func append(_ reason: Int, _ weight: Double) {
            precondition(count < 7, "at most seven parts")
            count += 1
            self[count - 1] = Part(reason: reason, weight: weight)
        }

        /// Strongest first, equal weights in reason order (an insertion sort of at most seven).
        mutating func sort() {
            for i in 1..<max(count, 1) {
                let part = self[i]
                var j = i
                while j > 0, Self.before(part, self[j - 1]) {
                    self[j] = self[j - 1]
                    j -= 1
                }
                self[j] = part
            }
        }

        static func before(_ a: Part, _ b: Part) -> Bool {
            a.weight != b.weight ? a.weight > b.weight : a.reason < b.reason
        }
    }
}

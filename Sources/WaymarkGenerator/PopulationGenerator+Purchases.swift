internal import WaymarkCore
import Foundation

// MARK: - Purchases

extension PopulationGenerator {
    /// The buy-till-you-die process: first purchase after an exponential delay, then repeat
    /// purchases at rate λ ~ Gamma(r, α); after each repeat purchase the client drops out for
    /// good with probability p ~ Beta(a, b). Amounts: list price × quantity × Gamma-Gamma multiplier.
    func makePurchases(_ client: GenClientProfile, _ rng: inout SeededGenerator, _ scratch: inout GeneratorScratch) -> GenTimeline {
        let parameters = configuration.parameters
        let unitSeconds = parameters.timeUnitDays * Double(genSecondsPerDay)
        let lambda = rng.gamma(shape: parameters.purchaseRateShape, rate: parameters.purchaseRateRate)
        let dropout = rng.populationBeta(parameters.dropoutA, parameters.dropoutB)
        let spendRate = rng.gamma(shape: parameters.spendRateShape, rate: parameters.spendRateRate)
        let buyer = !rng.chance(parameters.prospectShare)
        let delay = rng.exponential(rate: 1) * parameters.firstPurchaseDelayMeanDays * Double(genSecondsPerDay)
        var timeline = GenTimeline(lambda: lambda, dropout: dropout, dead: false, totalCents: 0)
        guard buyer, delay < Double(endSecond - client.firstSeen) else { return timeline }

        let ladder = ladders[client.ladder]
        var time = client.firstSeen + Int64(delay)
        var owned: UInt64 = 0
        var ownedCategories: UInt16 = 0
        var highestRung = -1
        while true {
            let category = chooseCategory(
                ladder, client: client, at: time, owned: owned, ownedCategories: ownedCategories,
                highestRung: highestRung, rng: &rng, scratch: &scratch)
            let product = chooseProduct(ladder, category: category, owned: owned, rng: &rng, scratch: &scratch)
            let item = ladder.products[product]
            let quantity = item.maxQuantity > 1 && rng.chance(0.4) ? rng.int(in: 2...item.maxQuantity) : 1
            let multiplier = rng.gamma(shape: parameters.spendShape, rate: spendRate)
            let cents = max(1, Int((Double(item.listPriceCents * quantity) * multiplier).rounded()))
            scratch.purchases.append(GenPurchaseRecord(
                time: time, product: product, category: category, quantity: quantity, cents: cents,
                channel: purchaseChannel(ladder.flavour, &rng)))
            timeline.totalCents += cents
            owned |= 1 << UInt64(product)
            ownedCategories |= 1 << UInt16(category)
            highestRung = max(highestRung, ladder.categories[category].rung)

            if scratch.purchases.count >= parameters.maxPurchasesPerClient { break }
            if scratch.purchases.count >= 2 && rng.chance(dropout) {
                timeline.dead = true
                break
            }
            guard lambda > 0 else { break }
            let gap = rng.exponential(rate: lambda) * unitSeconds
            guard gap < Double(endSecond - time) else { break }
            time += Int64(gap)
            if time >= endSecond { break }
        }
        return timeline
    }

    func purchaseChannel(_ flavour: GeneratorFlavour, _ rng: inout SeededGenerator) -> Channel {
        let u = rng.uniformHalfOpen()
        if flavour == .advisor {
            return u < 0.45 ? .advisor : u < 0.7 ? .web : u < 0.88 ? .phone : .app
        }
        return u < 0.45 ? .store : u < 0.85 ? .web : .app
    }

    /// The next category: prefers the rung just above the client's highest (the ladder climb),
    /// repeats in repeatable categories by their affinity, damps categories the client is too
    /// young for, and multiplies the categories of a recent life event by its fading boost.
    func chooseCategory(
        _ ladder: GeneratorLadder, client: GenClientProfile, at time: Int64, owned: UInt64, ownedCategories: UInt16,
        highestRung: Int, rng: inout SeededGenerator, scratch: inout GeneratorScratch
    ) -> Int {
        let age = client.age(at: time)
        let triggers = ladderBytes[client.ladder].triggersByKind
        var total = 0.0
        for (index, category) in ladder.categories.enumerated() {
            var available = false
            for product in ladder.productsByCategory[index]
            where ladder.products[product].repeatable || owned & (1 << UInt64(product)) == 0 {
                available = true
                break
            }
            guard available else {
                scratch.weights[index] = 0
                continue
            }
            var weight: Double
            if highestRung < 0 {
                weight = category.rung == 0 ? 1 : category.rung == 1 ? 0.3 : 0.05
            } else {
                switch category.rung - highestRung {
                case 1: weight = 3
                case 0: weight = 1
                case 2: weight = 0.15
                case let step where step > 2: weight = 0.04
                default: weight = 0.6
                }
            }
            if ownedCategories & (1 << UInt16(index)) != 0 { weight *= category.repeatAffinity }
            if age < Double(category.minAge) { weight *= 0.1 }
            var boost = 1.0
            for event in scratch.events {
                if event.time > time { break }
                guard let trigger = triggers[event.kind], trigger.categoryIndices.contains(index) else { continue }
                let elapsed = Double(time - event.time) / Double(genSecondsPerDay)
                if elapsed < Double(trigger.windowDays) {
                    boost = max(boost, 1 + (trigger.boost - 1) * (1 - elapsed / Double(trigger.windowDays)))
                }
            }
            weight *= boost
            scratch.weights[index] = weight
            total += weight
        }
        guard total > 0 else {
            // Everything non-repeatable is owned and nothing repeatable exists: cannot happen
            // with the built-in ladders (savings and consumables repeat); fall back to entry.
            return 0
        }
        return scratch.weights.withUnsafeBufferPointer {
            rng.weightedIndex(UnsafeBufferPointer(rebasing: $0[0..<ladder.categories.count]), total: total)
        }
    }

    func chooseProduct(
        _ ladder: GeneratorLadder, category: Int, owned: UInt64, rng: inout SeededGenerator, scratch: inout GeneratorScratch
    ) -> Int {
        let candidates = ladder.productsByCategory[category]
        var total = 0.0
        for (position, product) in candidates.enumerated() {
            let item = ladder.products[product]
            let weight = item.repeatable || owned & (1 << UInt64(product)) == 0 ? item.popularity : 0
            scratch.weights[position] = weight
            total += weight
        }
        guard total > 0 else { return candidates[0] }
        let position = scratch.weights.withUnsafeBufferPointer {
            rng.weightedIndex(UnsafeBufferPointer(rebasing: $0[0..<candidates.count]), total: total)
        }
        return candidates[position]
    }
}

// MARK: - Interactions

extension PopulationGenerator {
    func makeInteractions(_ client: GenClientProfile, _ timeline: GenTimeline, _ rng: inout SeededGenerator, _ scratch: inout GeneratorScratch) {
        let parameters = configuration.parameters
        let isAdvisor = ladders[client.ladder].flavour == .advisor
        let first = client.firstSeen
        let day = Double(genSecondsPerDay)
        func add(_ time: Int64, _ channel: Channel, _ kind: GenInteractionKind, item: Int = -1) {
            guard time >= first && time < endSecond else { return }
            scratch.interactions.append(GenInteractionRecord(time: time, channel: channel, kind: kind, item: item))
        }

        // How the client arrived.
        let u = rng.uniformHalfOpen()
        if isAdvisor {
            if u < 0.4 { add(first, .web, .visit) }
            else if u < 0.65 { add(first, .advisor, .meeting) }
            else if u < 0.8 { add(first, .phone, .call) }
            else { add(first, .social, .click) }
        } else {
            if u < 0.4 { add(first, .store, .visit) }
            else if u < 0.75 { add(first, .web, .visit) }
            else if u < 0.9 { add(first, .social, .click) }
            else { add(first, .app, .visit) }
        }

        // Research before each purchase, support after some.
        for purchase in scratch.purchases {
            for _ in 0..<rng.populationPoisson(mean: 1) {
                let time = max(first, purchase.time - Int64(rng.uniformHalfOpen() * 14 * day))
                let v = rng.uniformHalfOpen()
                if isAdvisor {
                    if v < 0.35 { add(time, .advisor, .meeting) }
                    else if v < 0.55 { add(time, .phone, .call) }
                    else if v < 0.9 { add(time, .web, .visit) }
                    else { add(time, .app, .visit) }
                } else {
                    add(time, v < 0.5 ? .web : v < 0.8 ? .store : .app, .visit)
                }
            }
            if rng.chance(0.08) {
                add(purchase.time + Int64(rng.uniformHalfOpen() * 30 * day), rng.chance(0.6) ? .phone : .email, .support)
            }
            if rng.chance(0.01) {
                add(purchase.time + Int64(rng.uniformHalfOpen() * 30 * day), rng.chance(0.5) ? .phone : .email, .complaint)
            }
        }

        // Background engagement: more while active, a trickle after dropping out.
        let rate = rng.gamma(shape: 2, rate: 2 / parameters.interactionsPerYear)
        let activeEnd = timeline.dead ? (scratch.purchases.last?.time ?? endSecond) : endSecond
        let emailConsent = client.consents & Channel.email.bit != 0
        for (from, to, share) in [(first, activeEnd, 1.0), (activeEnd, endSecond, 0.1)] where to > from {
            let span = Double(to - from)
            let count = min(rng.populationPoisson(mean: rate * share * span / genSecondsPerYear), 500)
            for _ in 0..<count {
                let time = from + Int64(rng.uniformHalfOpen() * span)
                let v = rng.uniformHalfOpen()
                if v < 0.4 { add(time, .web, .visit) }
                else if v < 0.6 { add(time, .app, .visit) }
                else if v < 0.85 { add(time, emailConsent ? .email : .web, emailConsent ? .open : .visit) }
                else { add(time, .social, .click) }
            }
        }

        // Advocates: reviews and referrals, also from clients who never bought.
        let purchases = scratch.purchases.count
        let advocateShare = purchases >= 3 ? 0.25 : purchases > 0 ? 0.06 : 0.04
        if rng.chance(advocateShare) {
            let from = scratch.purchases.first?.time ?? first
            let span = Double(endSecond - from)
            for _ in 0..<(1 + rng.populationPoisson(mean: 0.8)) {
                let time = from + Int64(rng.uniformHalfOpen() * span)
                if rng.chance(0.5) {
                    add(time, rng.chance(0.6) ? .web : .social, .review)
                } else {
                    let v = rng.uniformHalfOpen()
                    add(time, v < 0.4 ? .email : v < 0.7 ? .app : .web, .referral)
                }
            }
        }
    }
}

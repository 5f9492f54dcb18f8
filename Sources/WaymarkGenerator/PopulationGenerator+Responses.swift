internal import WaymarkCore
import Foundation

// MARK: - Responses

extension PopulationGenerator {
    /// Responses to messages after purchases and milestones, to offers that led to a purchase,
    /// and to background offers (accepted mostly when the client then bought the category).
    func makeResponses(_ client: GenClientProfile, _ timeline: GenTimeline, _ rng: inout SeededGenerator, _ scratch: inout GeneratorScratch) {
        guard !client.doNotContact else { return }
        let messageChannel: Channel? =
            client.consents & Channel.app.bit != 0 ? .app
            : client.consents & Channel.email.bit != 0 ? .email
            : client.consents & Channel.sms.bit != 0 ? .sms
            : client.consents & Channel.post.bit != 0 ? .post : nil
        let ladder = ladders[client.ladder]
        let offerChannel: Channel? =
            ladder.flavour == .advisor && client.consents & Channel.advisor.bit != 0 ? .advisor
            : messageChannel ?? (client.consents & Channel.phone.bit != 0 ? .phone : nil)
        let day = Double(genSecondsPerDay)
        let hour = Double(3600)

        func reaction(_ presented: Int64, meanDays: Double) -> Int64? {
            let responded = presented + Int64(rng.exponential(rate: 1) * meanDays * day)
            return responded < endSecond ? responded : nil
        }
        func message(_ item: Int, at presented: Int64, accepted acceptChance: Double = 0) {
            guard let channel = messageChannel, presented >= client.firstSeen, presented < endSecond else { return }
            let u = rng.uniformHalfOpen()
            var outcome: Response.Outcome = u < acceptChance ? .accepted : u < acceptChance + 0.55 ? .opened : u < acceptChance + 0.6 ? .declined : .presented
            var responded: Int64 = -1
            if outcome != .presented {
                if let time = reaction(presented, meanDays: 1) { responded = time } else { outcome = .presented }
            }
            scratch.responses.append(GenResponseRecord(presented: presented, responded: responded, item: item, channel: channel, outcome: outcome))
        }

        // Messages along the purchase history.
        var seenCategories: UInt16 = 0
        var cumulative = 0
        var tier = 0
        var progressSent = false
        let thresholds = ladder.tierThresholdsCents
        for (number, purchase) in scratch.purchases.enumerated() {
            let after = purchase.time + Int64((1 + 47 * rng.uniformHalfOpen()) * hour)
            let newCategory = seenCategories & (1 << UInt16(purchase.category)) == 0
            seenCategories |= 1 << UInt16(purchase.category)
            if number == 0 {
                message(GenMessage.welcome, at: after)
            } else if newCategory && rng.chance(0.6) {
                message(GenMessage.howTo, at: after)
            } else if rng.chance(0.5) {
                message(GenMessage.thankYou, at: after)
            }
            cumulative += purchase.cents
            if tier < thresholds.count && cumulative >= thresholds[tier] {
                while tier < thresholds.count && cumulative >= thresholds[tier] { tier += 1 }
                progressSent = false
                message(GenMessage.tierUpgrade, at: after + Int64(day))
            } else if tier < thresholds.count && !progressSent {
                let floor = tier == 0 ? 0 : thresholds[tier - 1]
                if cumulative >= (floor + thresholds[tier]) / 2 {
                    progressSent = true
                    message(GenMessage.progress, at: after + Int64(2 * day))
                }
            }
            if number == 3 {
                message(GenMessage.referralAsk, at: purchase.time + Int64((2 + 18 * rng.uniformHalfOpen()) * day), accepted: 0.15)
            }
        }
        if let first = scratch.purchases.first {
            let lastPurchase = scratch.purchases[scratch.purchases.count - 1].time
            var anniversary = first.time + Int64(365 * day)
            while anniversary < endSecond && (!timeline.dead || anniversary < lastPurchase + Int64(365 * day)) {
                message(GenMessage.anniversary, at: anniversary)
                anniversary += Int64(365 * day)
            }
            if timeline.dead {
                message(GenMessage.winBack, at: lastPurchase + Int64((150 + 90 * rng.uniformHalfOpen()) * day))
            }
        }

        guard let channel = offerChannel else { return }
        let offerIds = ladderBytes[client.ladder].offerItemIds

        // Offers that led to a purchase: presented shortly before, mostly accepted.
        for purchase in scratch.purchases where offerIds[purchase.category] != nil {
            guard rng.chance(configuration.parameters.offerLedPurchaseShare) else { continue }
            let presented = purchase.time - Int64((1 + 19 * rng.uniformHalfOpen()) * day)
            guard presented >= client.firstSeen else { continue }
            let accepted = rng.chance(0.8)
            let responded = presented + Int64(rng.uniformHalfOpen() * Double(purchase.time - presented))
            scratch.responses.append(GenResponseRecord(
                presented: presented, responded: responded, item: 100 + purchase.category, channel: channel,
                outcome: accepted ? .accepted : .opened))
        }

        // Background offers, climbing the ladder: accepted when the client buys the category soon after.
        let offerCategories = ladderBytes[client.ladder].offerCategories
        let span = Double(endSecond - client.firstSeen)
        let count = min(rng.populationPoisson(mean: configuration.parameters.offersPerYear * span / genSecondsPerYear), 60)
        for _ in 0..<count {
            let presented = client.firstSeen + Int64(rng.uniformHalfOpen() * span)
            var highestRung = -1
            for purchase in scratch.purchases where purchase.time < presented {
                highestRung = max(highestRung, ladder.categories[purchase.category].rung)
            }
            var total = 0.0
            for (position, category) in offerCategories.enumerated() {
                let step = ladder.categories[category].rung - highestRung
                let weight = step == 1 ? 4.0 : step == 0 ? 1.5 : step > 1 ? 0.5 : 0.8
                scratch.weights[position] = weight
                total += weight
            }
            let category = offerCategories[scratch.weights.withUnsafeBufferPointer {
                rng.weightedIndex(UnsafeBufferPointer(rebasing: $0[0..<offerCategories.count]), total: total)
            }]
            var boughtAt: Int64?
            for purchase in scratch.purchases
            where purchase.category == category && purchase.time > presented && purchase.time <= presented + Int64(45 * day) {
                boughtAt = purchase.time
                break
            }
            let u = rng.uniformHalfOpen()
            var outcome: Response.Outcome
            var responded: Int64 = -1
            if let boughtAt {
                outcome = u < 0.65 ? .accepted : u < 0.85 ? .opened : .presented
                if outcome != .presented { responded = presented + Int64(rng.uniformHalfOpen() * Double(boughtAt - presented)) }
            } else {
                outcome = u < 0.02 ? .accepted : u < 0.32 ? .declined : u < 0.62 ? .opened : .presented
                if outcome != .presented {
                    if let time = reaction(presented, meanDays: 2) { responded = time } else { outcome = .presented }
                }
            }
            scratch.responses.append(GenResponseRecord(presented: presented, responded: responded, item: 100 + category, channel: channel, outcome: outcome))
        }
    }
}

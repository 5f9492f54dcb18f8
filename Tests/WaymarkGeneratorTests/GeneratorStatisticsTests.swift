import Foundation
import Testing
import WaymarkCore
@testable import WaymarkGenerator

/// The generated population follows its documented story closely enough for the models to
/// recover it. Tolerances are z-scores against the sampling error measured on the data.
@Suite struct GeneratorStatisticsTests {
    static let clients = 5_000
    static let files = Result { try GeneratedFiles(clients: clients, seed: 2026) }

    struct Buyer {
        var purchases: [(time: Int64, product: String)] = []
    }

    static func buyers() throws -> [String: Buyer] {
        var buyers: [String: Buyer] = [:]
        for row in try files.get().rows(.purchases) {
            buyers[row["client_id"]!, default: Buyer()].purchases.append((parseTimestamp(row["purchased_at"]!)!, row["product_id"]!))
        }
        return buyers
    }

    /// BG/NBD: E[X(T)] = ∫ (1/p)(1 − (α/(α+pT))^r) Beta(p; a, b) dp, by the midpoint rule.
    static func expectedRepeatPurchases(weeks t: Double, _ parameters: GeneratorParameters) -> Double {
        let (r, alpha, a, b) = (parameters.purchaseRateShape, parameters.purchaseRateRate, parameters.dropoutA, parameters.dropoutB)
        let steps = 2_000
        let logBeta = lgamma(a) + lgamma(b) - lgamma(a + b)
        var sum = 0.0
        for step in 0..<steps {
            let p = (Double(step) + 0.5) / Double(steps)
            let density = exp((a - 1) * log(p) + (b - 1) * log1p(-p) - logBeta)
            sum += density * (1 - pow(alpha / (alpha + p * t), r)) / p
        }
        return sum / Double(steps)
    }

    @Test func repeatPurchasesMatchTheBuyTillYouDieExpectation() throws {
        let parameters = GeneratorParameters.default
        let week = parameters.timeUnitDays * 86_400
        let end = Double(GeneratorFixtures.endSecond)
        var observed = 0.0, expected = 0.0, squaredResiduals = 0.0
        var oneTime = 0.0, expectedOneTime = 0.0, oneTimeVariance = 0.0
        let buyers = try Self.buyers()
        for buyer in buyers.values {
            let first = buyer.purchases.map(\.time).min()!
            let weeks = (end - Double(first)) / week
            let x = Double(buyer.purchases.count - 1)
            let ex = Self.expectedRepeatPurchases(weeks: weeks, parameters)
            observed += x
            expected += ex
            squaredResiduals += (x - ex) * (x - ex)
            // P(X(T) = 0) = (α/(α+T))^r: no dropout can happen before the first repeat purchase.
            let p0 = pow(parameters.purchaseRateRate / (parameters.purchaseRateRate + weeks), parameters.purchaseRateShape)
            oneTime += x == 0 ? 1 : 0
            expectedOneTime += p0
            oneTimeVariance += p0 * (1 - p0)
        }
        let z = (observed - expected) / squaredResiduals.squareRoot()
        #expect(abs(z) < 4, "repeat purchases \(observed) vs expected \(expected) (z = \(z))")
        #expect(abs(observed / expected - 1) < 0.15)
        let zOneTime = (oneTime - expectedOneTime) / oneTimeVariance.squareRoot()
        #expect(abs(zOneTime) < 4, "one-time buyers \(oneTime) vs expected \(expectedOneTime) (z = \(zOneTime))")
        let share = oneTime / Double(buyers.count)
        #expect(share > 0.2 && share < 0.7, "one-time buyer share \(share)")
    }

    @Test func prospectsAndAdvocatesWhoNeverBoughtExist() throws {
        let files = try Self.files.get()
        let buyers = try Self.buyers()
        let prospects = Self.clients - buyers.count
        let expectedProspects = Double(Self.clients) * GeneratorParameters.default.prospectShare
        #expect(Double(prospects) > expectedProspects * 0.9, "prospects: \(prospects)")
        let advocatesWhoNeverBought = Set(try files.rows(.interactions)
            .filter { ["review", "referral"].contains($0["kind"]!) && buyers[$0["client_id"]!] == nil }
            .map { $0["client_id"]! })
        #expect(advocatesWhoNeverBought.count >= 10)
    }

    @Test func childBirthLiftsLifeCoverPurchasesForAYear() throws {
        let files = try Self.files.get()
        let category = Dictionary(uniqueKeysWithValues: try files.rows(.products).map { ($0["product_id"]!, $0["category"]!) })
        var births: [String: [Int64]] = [:]
        for event in try files.rows(.events) where event["kind"] == "child_born" {
            births[event["client_id"]!, default: []].append(parseTimestamp(event["occurred_at"]!)!)
        }
        var inWindow = 0, lifeCoverInWindow = 0, outside = 0, lifeCoverOutside = 0
        for (client, buyer) in try Self.buyers() {
            for purchase in buyer.purchases {
                let windowed = births[client, default: []].contains { purchase.time >= $0 && purchase.time < $0 + 365 * 86_400 }
                let isLifeCover = category[purchase.product] == "life_cover"
                if windowed {
                    inWindow += 1
                    lifeCoverInWindow += isLifeCover ? 1 : 0
                } else {
                    outside += 1
                    lifeCoverOutside += isLifeCover ? 1 : 0
                }
            }
        }
        #expect(inWindow >= 50, "purchases in the year after a birth: \(inWindow)")
        let lifted = Double(lifeCoverInWindow) / Double(inWindow)
        let baseline = Double(lifeCoverOutside) / Double(outside)
        #expect(lifted > 1.8 * baseline, "life_cover share \(lifted) after child_born vs \(baseline) otherwise")
    }

    @Test func purchasesClimbTheLadder() throws {
        let files = try Self.files.get()
        let rung = Dictionary(uniqueKeysWithValues: GeneratorCatalog.advisor.products.map {
            ($0.id, GeneratorCatalog.advisor.categories[$0.categoryIndex].rung)
        })
        _ = files
        var firstRungs: [Int] = [], laterRungs: [Int] = []
        for buyer in try Self.buyers().values {
            let ordered = buyer.purchases.sorted { $0.time < $1.time }
            firstRungs.append(rung[ordered[0].product]!)
            if ordered.count >= 4 { laterRungs.append(rung[ordered[3].product]!) }
        }
        let firstMean = Double(firstRungs.reduce(0, +)) / Double(firstRungs.count)
        let laterMean = Double(laterRungs.reduce(0, +)) / Double(laterRungs.count)
        #expect(laterRungs.count > 200)
        #expect(laterMean > firstMean + 0.5, "mean rung of the 4th purchase \(laterMean) vs the 1st \(firstMean)")
    }

    @Test func offersAreAcceptedMostlyWhenTheCategoryIsBought() throws {
        let files = try Self.files.get()
        let category = Dictionary(uniqueKeysWithValues: try files.rows(.products).map { ($0["product_id"]!, $0["category"]!) })
        let offerCategory = Dictionary(uniqueKeysWithValues: GeneratorCatalog.advisor.categories.compactMap { c in c.offerItemId.map { ($0, c.id) } })
        let buyers = try Self.buyers()
        var boughtAccepted = 0, bought = 0, otherAccepted = 0, other = 0
        for response in try files.rows(.responses) {
            guard let offered = offerCategory[response["item_id"]!] else { continue }
            let presented = parseTimestamp(response["presented_at"]!)!
            let purchased = buyers[response["client_id"]!]?.purchases.contains {
                category[$0.product] == offered && $0.time >= presented && $0.time <= presented + 45 * 86_400
            } ?? false
            let accepted = response["outcome"] == "accepted"
            if purchased {
                bought += 1
                boughtAccepted += accepted ? 1 : 0
            } else {
                other += 1
                otherAccepted += accepted ? 1 : 0
            }
        }
        #expect(bought > 200 && other > 200)
        let rateBought = Double(boughtAccepted) / Double(bought)
        let rateOther = Double(otherAccepted) / Double(other)
        #expect(rateBought > 0.5 && rateOther < 0.1, "acceptance \(rateBought) when bought vs \(rateOther) otherwise")
    }

    @Test func activeClientsInteractMoreThanLapsedOnes() throws {
        let files = try Self.files.get()
        let buyers = try Self.buyers()
        let end = GeneratorFixtures.endSecond
        var perClient: [String: Int] = [:]
        for interaction in try files.rows(.interactions) where parseTimestamp(interaction["occurred_at"]!)! >= end - 180 * 86_400 {
            perClient[interaction["client_id"]!, default: 0] += 1
        }
        var recent: [Int] = [], lapsed: [Int] = []
        for (client, buyer) in buyers {
            let last = buyer.purchases.map(\.time).max()!
            if last >= end - 90 * 86_400 { recent.append(perClient[client, default: 0]) }
            else if last < end - 730 * 86_400 { lapsed.append(perClient[client, default: 0]) }
        }
        let recentMean = Double(recent.reduce(0, +)) / Double(recent.count)
        let lapsedMean = Double(lapsed.reduce(0, +)) / Double(lapsed.count)
        #expect(recent.count > 100 && lapsed.count > 100)
        #expect(recentMean > 2 * lapsedMean, "interactions in the last 180 days: \(recentMean) recent buyers vs \(lapsedMean) lapsed")
    }
}

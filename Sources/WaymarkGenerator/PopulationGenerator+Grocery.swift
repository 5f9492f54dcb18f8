internal import Foundation
internal import WaymarkCore

/// The grocer's assortment: 150 categories (25 aisles × 6) with Zipf-like popularity, 3 products each.
///
/// Category ids are `AISLE.KIND` (`dairy.milk`); product ids `G` + the category's number and the
/// product's (`G017-2`). The popularity of the k-th most popular category is ∝ 1/k^1.0, the
/// ranks shuffled once by a fixed seed so popular categories are spread over the aisles.
package enum GroceryAssortment {
    static let aisles = [
        "dairy", "bakery", "produce", "meat", "fish", "frozen", "snacks", "drinks", "coffee", "breakfast",
        "pasta", "canned", "sauces", "baking", "baby", "pet", "household", "care", "health", "wine",
        "deli", "cheese", "sweets", "world", "organic",
    ]
    static let kinds = ["a", "b", "c", "d", "e", "f"]

    /// Every category id, in number order.
    package static let categories: [String] = aisles.flatMap { aisle in kinds.map { "\(aisle).\($0)" } }
    /// Products per category.
    package static let productsPerCategory = 3
    /// The Zipf exponent of category popularity.
    package static let zipfExponent = 1.0

    /// Each category's popularity weight (sums to 1).
    package static let popularity: [Double] = {
        var ranks = Array(0..<categories.count)
        var random = SeededGenerator(seed: 2026, index: 0, stream: 99)
        for i in stride(from: ranks.count - 1, to: 0, by: -1) { ranks.swapAt(i, random.below(i + 1)) }
        let weights = ranks.map { 1 / pow(Double($0 + 1), zipfExponent) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }()

    /// The price of a product in cents (1.00 to 14.99, fixed by its number).
    static func priceCents(category: Int, product: Int) -> Int {
        100 + (category * 7919 + product * 104_729) % 1400
    }

    static func productID(category: Int, product: Int) -> String {
        "G" + String(repeating: "0", count: max(0, 3 - String(category).count)) + "\(category)-\(product)"
    }
}

/// The grocer's population (`--flavour grocery`), documented in docs/generator.md.
extension PopulationGenerator {
    /// One staple of a client: a category bought on the client's own cycle.
    private struct Staple {
        var category: Int
        var cycleDays: Double
        var regularity: Double
        var last: Int64?
    }

    func writeGroceryProducts(into out: inout CSVBytes) {
        for (c, category) in GroceryAssortment.categories.enumerated() {
            for p in 0..<GroceryAssortment.productsPerCategory {
                out.field(GroceryAssortment.productID(category: c, product: p))
                out.comma()
                out.field("\(category) \(p + 1)")
                out.comma()
                out.field(category)
                out.comma()
                out.cents(GroceryAssortment.priceCents(category: c, product: p))
                out.comma()
                out.raw("true")
                out.newline()
            }
        }
    }

    private func clientID(_ index: Int) -> String {
        let digits = String(index + 1)
        return "C" + String(repeating: "0", count: max(0, idWidth - digits.count)) + digits
    }

    func writeGroceryClient(_ index: Int, purchaseNumber: inout Int, into batch: inout GeneratedBatch) {
        var rng = SeededGenerator(seed: configuration.seed, index: UInt64(index), stream: 41)
        let id = clientID(index)
        let span = Double(endSecond - startSecond)
        let firstSeen = startSecond + Int64(rng.uniformHalfOpen() * span * 0.9)
        // clients.csv
        let age = 18 + rng.uniformHalfOpen() * 60
        let segment = rng.chance(0.75) ? "mass" : "affluent"
        let region = ["capital", "north", "south", "east", "west"][rng.below(5)]
        let consents = rng.chance(0.6) ? "email;web;app" : "web;app"
        Self.writeGroceryClientRow(into: &batch[.clients], id: id, firstSeen: firstSeen,
                                   birthDay: Int((Double(endSecond) - age * 365.25 * 86_400) / 86_400),
                                   segment: segment, region: region, consents: consents)

        // A tenth never buy; 15 % buy once; the others shop on their own rhythm until they leave.
        if rng.chance(0.10) { return }
        let oneTime = rng.chance(0.15)
        let tripDays = exp(log(4.0) + rng.uniformHalfOpen() * (log(30.0) - log(4.0)))
        let lifeDays = rng.exponential(rate: 1 / 700)
        let stop = min(endSecond - 1, firstSeen + Int64(lifeDays * 86_400))
        let weights = GroceryAssortment.popularity
        var staples: [Staple] = []
        let stapleCount = 3 + rng.below(13)
        while staples.count < stapleCount {
            let c = rng.weightedIndex(weights)
            if staples.contains(where: { $0.category == c }) { continue }
            staples.append(Staple(category: c, cycleDays: tripDays * exp(rng.uniformHalfOpen() * log(4.0)),
                                  regularity: 0.5 + rng.uniformHalfOpen() * 0.45, last: nil))
        }
        let exploration = 0.2 + rng.uniformHalfOpen() * 1.3
        var t = firstSeen + Int64(rng.uniformHalfOpen() * tripDays * 86_400)
        var order = 0
        var basket: [Int] = []
        while t < stop {
            basket.removeAll(keepingCapacity: true)
            for s in staples.indices {
                let p: Double
                if let last = staples[s].last {
                    let r = Double(t - last) / 86_400 / staples[s].cycleDays
                    p = staples[s].regularity * (1 - exp(-1.2 * r * r)) + (1 - staples[s].regularity) * 0.15
                } else {
                    p = 0.5
                }
                if rng.chance(p) {
                    basket.append(staples[s].category)
                    staples[s].last = t
                }
            }
            for _ in 0..<rng.populationPoisson(mean: exploration) {
                let c = rng.weightedIndex(weights)
                if !basket.contains(c) { basket.append(c) }
                if !staples.contains(where: { $0.category == c }) && rng.chance(0.1) {
                    staples.append(Staple(category: c, cycleDays: tripDays * exp(rng.uniformHalfOpen() * log(4.0)),
                                          regularity: 0.5 + rng.uniformHalfOpen() * 0.45, last: t))
                }
            }
            if basket.isEmpty { basket.append(rng.weightedIndex(weights)) }
            order += 1
            let at = t - t % 60
            let channel = rng.chance(0.7) ? "store" : rng.chance(0.66) ? "web" : "app"
            for c in basket {
                let lines = rng.chance(0.3) ? 2 : 1
                let first = rng.below(GroceryAssortment.productsPerCategory)
                for l in 0..<lines {
                    let product = (first + l) % GroceryAssortment.productsPerCategory
                    let quantity = 1 + rng.below(3)
                    purchaseNumber += 1
                    Self.writeGroceryLine(into: &batch[.purchases], number: purchaseNumber, client: id,
                                          product: GroceryAssortment.productID(category: c, product: product), at: at,
                                          cents: GroceryAssortment.priceCents(category: c, product: product) * quantity,
                                          quantity: quantity, channel: channel, order: "\(id)-\(order)")
                }
            }
            if oneTime { break }
            t += Int64(max(1, rng.gamma(shape: 3, rate: 3 / tripDays)) * 86_400)
        }
    }

    private static func writeGroceryClientRow(into out: inout CSVBytes, id: String, firstSeen: Int64, birthDay: Int,
                                              segment: String, region: String, consents: String) {
        out.field(id)
        out.comma()
        out.timestamp(seconds: firstSeen)
        out.comma()
        out.date(day: birthDay)
        out.comma()
        out.field(segment)
        out.comma()
        out.field(region)
        out.raw(",,,")
        out.field(consents)
        out.raw(",false,")
        out.newline()
    }

    private static func writeGroceryLine(into p: inout CSVBytes, number: Int, client: String, product: String, at: Int64,
                                         cents: Int, quantity: Int, channel: String, order: String) {
        p.field("L\(number)")
        p.comma()
        p.field(client)
        p.comma()
        p.field(product)
        p.comma()
        p.timestamp(seconds: at)
        p.comma()
        p.cents(cents)
        p.comma()
        p.integer(quantity)
        p.comma()
        p.field(channel)
        p.comma()
        p.field(order)
        p.newline()
    }
}

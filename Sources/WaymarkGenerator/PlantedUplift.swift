package import WaymarkCore

/// Outcomes with a known uplift: the purchases that follow a run's offers, where a client who
/// was offered an item buys it with probability `baseRate + uplift` and a held-out client who
/// would have been offered it with `baseRate` (`waymark generate --uplift-for`).
///
/// The offers come from `waymark export --include-holdout` of the run; each offer item maps to
/// its category of the generator's ladders (`offerItemId`), and the purchase is of that
/// category's first product at its list price, at a uniform moment of the window. Each (client,
/// item) pair draws from its own seeded stream, so the same inputs give the same file.
package struct PlantedUplift: Sendable {
    /// The effect planted: added to the purchase probability of treated clients.
    package var uplift: Double
    /// The purchase probability without the offer.
    package var baseRate: Double
    /// The window's first moment and its length in days.
    package var from: Timestamp
    package var days: Int
    package var seed: UInt64
    package var flavour: GeneratorFlavour

    package init(uplift: Double, baseRate: Double, from: Timestamp, days: Int, seed: UInt64, flavour: GeneratorFlavour) {
        self.uplift = uplift
        self.baseRate = baseRate
        self.from = from
        self.days = days
        self.seed = seed
        self.flavour = flavour
    }

    /// One offer made (or withheld) by the run.
    package struct Exposure: Sendable, Hashable {
        package var clientID: String
        package var itemID: String
        /// Withheld by the holdout.
        package var holdout: Bool

        package init(clientID: String, itemID: String, holdout: Bool) {
            self.clientID = clientID
            self.itemID = itemID
            self.holdout = holdout
        }
    }

    /// What was planted: exposures per group and the purchases drawn.
    package struct Counts: Sendable, Hashable {
        package var treated = 0
        package var treatedBuyers = 0
        package var heldOut = 0
        package var heldOutBuyers = 0
        /// Exposures whose item is not an offer of the generator's ladders (skipped).
        package var skipped = 0
    }

    /// The purchases.csv text (with its header) of the outcomes, and the counts.
    package func purchases(_ exposures: [Exposure]) -> (csv: String, counts: Counts) {
        var productOf: [String: GeneratorProduct] = [:]
        for ladder in GeneratorCatalog.ladders(for: flavour) {
            for (index, category) in ladder.categories.enumerated() {
                guard let item = category.offerItemId, let first = ladder.productsByCategory[index].first else { continue }
                productOf[item] = ladder.products[first]
            }
        }
        var csv = GeneratedTable.purchases.columns.joined(separator: ",") + "\n"
        var counts = Counts()
        var seen = Set<Exposure>()
        let seconds = Int64(days) * Timestamp.secondsPerDay
        for exposure in exposures where seen.insert(exposure).inserted {
            guard let product = productOf[exposure.itemID] else {
                counts.skipped += 1
                continue
            }
            var hash = StableHash()
            hash.add(Int64(bitPattern: seed))
            hash.add(exposure.clientID)
            hash.add(exposure.itemID)
            var random = SeededGenerator(seed: hash.finished)
            let p = min(1, max(0, baseRate + (exposure.holdout ? 0 : uplift)))
            let bought = random.chance(p)
            if exposure.holdout { counts.heldOut += 1 } else { counts.treated += 1 }
            guard bought else { continue }
            if exposure.holdout { counts.heldOutBuyers += 1 } else { counts.treatedBuyers += 1 }
            let at = Timestamp(seconds: from.seconds + Int64(random.uniformHalfOpen() * Double(seconds)))
            let cents = product.listPriceCents
            // The columns of GeneratedTable.purchases: purchase_id, client_id, product_id,
            // purchased_at, amount, quantity, channel.
            let fields = ["U-\(hash.hex)", exposure.clientID, product.id, at.iso8601,
                          "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)", "1", "web"]
            csv += fields.joined(separator: ",") + "\n"
        }
        return (csv, counts)
    }
}

/// Quintile boundaries of recency, frequency and monetary value over all buyers.
///
/// Each array holds the 20th, 40th, 60th and 80th percentile. A client's score is 1 + the number
/// of boundaries its value exceeds (frequency, monetary), or 5 − the number of boundaries its
/// days-since-last-purchase exceeds (recency, fewer days is better). Clients without a purchase
/// score 0. Empty boundaries (no fit yet) use fixed defaults documented in docs/catalog.md.
package struct RFMBoundaries: Sendable, Hashable {
    /// Days since the last purchase.
    package var recencyDays: [Double]
    /// Number of purchases.
    package var frequency: [Double]
    /// Total spend in currency units.
    package var monetary: [Double]

    package init(
        recencyDays: [Double] = [30, 90, 180, 365],
        frequency: [Double] = [1, 2, 4, 8],
        monetary: [Double] = [50, 200, 500, 2000]
    ) {
        self.recencyDays = recencyDays
        self.frequency = frequency
        self.monetary = monetary
    }

    package func recencyScore(daysSinceLast: Int) -> Int {
        5 - recencyDays.count(where: { Double(daysSinceLast) > $0 })
    }

    package func frequencyScore(purchases: Int) -> Int {
        1 + frequency.count(where: { Double(purchases) > $0 })
    }

    package func monetaryScore(totalSpend: Double) -> Int {
        1 + monetary.count(where: { totalSpend > $0 })
    }

    /// Streams buyers' (recency, frequency, monetary) values; `finish` sorts and cuts quintiles.
    ///
    /// Keeps the three values per buyer (24 bytes): 24 MB for a million buyers.
    package struct Accumulator: Sendable {
        private var recency: [Double] = []
        private var frequency: [Double] = []
        private var monetary: [Double] = []

        package init() {}

        /// Adds one buyer. Clients without a purchase are not added.
        package mutating func add(daysSinceLastPurchase: Int, purchases: Int, totalSpend: Double) {
            recency.append(Double(daysSinceLastPurchase))
            frequency.append(Double(purchases))
            monetary.append(totalSpend)
        }

        package mutating func merge(_ other: Accumulator) {
            recency += other.recency
            frequency += other.frequency
            monetary += other.monetary
        }

        /// The quintile boundaries; the defaults when nothing was added.
        package func finish() -> RFMBoundaries {
            guard !recency.isEmpty else { return RFMBoundaries() }
            func cuts(_ values: [Double]) -> [Double] {
                let sorted = values.sorted()
                return [0.2, 0.4, 0.6, 0.8].map { q in
                    sorted[min(sorted.count - 1, Int((Double(sorted.count) * q).rounded(.down)))]
                }
            }
            return RFMBoundaries(recencyDays: cuts(recency), frequency: cuts(frequency), monetary: cuts(monetary))
        }
    }
}

internal import Foundation

/// Treated against held-out clients for one item (or overall): the two purchase rates, their
/// difference with a 95 % interval, and what it adds up to.
///
/// The interval is the normal (Wald) interval of a difference of two proportions,
/// `d ± 1.96 · √(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀)`; a group under ``minimumGroup`` clients, or fewer than
/// ``minimumBuyers`` buyers in both groups together, is too small to conclude anything.
package struct UpliftEstimate: Sendable, Hashable {
    /// The item id, or `overall`.
    package var item: String
    /// Clients who got the item, and those of them who bought it.
    package var treated: Int
    package var treatedBuyers: Int
    /// Held-out clients who would have got it, and those of them who bought it anyway.
    package var heldOut: Int
    package var heldOutBuyers: Int
    /// The mean amount of the purchases counted (both groups).
    package var meanValue: Double

    package static let minimumGroup = 30
    package static let minimumBuyers = 10

    package init(item: String, treated: Int, treatedBuyers: Int, heldOut: Int, heldOutBuyers: Int, meanValue: Double) {
        self.item = item
        self.treated = treated
        self.treatedBuyers = treatedBuyers
        self.heldOut = heldOut
        self.heldOutBuyers = heldOutBuyers
        self.meanValue = meanValue
    }

    package var treatedRate: Double { treated > 0 ? Double(treatedBuyers) / Double(treated) : 0 }
    package var heldOutRate: Double { heldOut > 0 ? Double(heldOutBuyers) / Double(heldOut) : 0 }
    /// treated rate − held-out rate.
    package var difference: Double { treatedRate - heldOutRate }

    /// The 95 % interval of the difference; nil when a group is empty.
    package var interval: (low: Double, high: Double)? {
        guard treated > 0, heldOut > 0 else { return nil }
        let p1 = treatedRate, p0 = heldOutRate
        let se = (p1 * (1 - p1) / Double(treated) + p0 * (1 - p0) / Double(heldOut)).squareRoot()
        return (difference - 1.96 * se, difference + 1.96 * se)
    }

    /// Purchases the item caused among the treated: difference × treated clients.
    package var incrementalPurchases: Double { difference * Double(treated) }
    /// Their value: incremental purchases × the mean purchase amount.
    package var incrementalValue: Double { incrementalPurchases * meanValue }

    /// The groups are too small for the interval to mean anything.
    package var tooSmall: Bool {
        treated < Self.minimumGroup || heldOut < Self.minimumGroup || treatedBuyers + heldOutBuyers < Self.minimumBuyers
    }

    /// `too small to conclude`, `uplift`, `harm` or `no significant difference`.
    package var verdict: String {
        if tooSmall { return "too small to conclude" }
        guard let interval else { return "too small to conclude" }
        if interval.low > 0 { return "uplift" }
        if interval.high < 0 { return "harm" }
        return "no significant difference"
    }
}

internal import WaymarkCore
internal import Foundation

/// Customer lifetime value from a purchase model and a spend model: expected purchases × expected spend.
package struct LifetimeValueModel: Sendable, Hashable, Codable {
    package var lifetime: LifetimeModel
    package var spend: GammaGammaModel

    package init(lifetime: LifetimeModel, spend: GammaGammaModel) {
        self.lifetime = lifetime
        self.spend = spend
    }

    /// The expected value a client brings over the next `horizon` time units.
    ///
    /// Without discount: E[X(horizon) | x, tₓ, T] × E[M | x, mₓ]. With a monthly discount rate d,
    /// the horizon is cut into months of `unitsPerMonth` time units (the last one possibly
    /// shorter) and the purchases expected in month i are discounted by (1 + d)ⁱ, as the
    /// `customer_lifetime_value` of the Python `lifetimes` package does.
    ///
    /// ```swift
    /// // 12 months in days, 1 % a month:
    /// model.lifetimeValue(frequency: 4, recency: 200, age: 365, averageSpend: 80,
    ///                     horizon: 365, unitsPerMonth: 30.4375, monthlyDiscountRate: 0.01)
    /// ```
    ///
    /// - Parameters:
    ///   - averageSpend: the client's average repeat-purchase value mₓ (ignored when x = 0).
    ///   - horizon: in the time unit of the data the models were fitted on.
    ///   - unitsPerMonth: time units in a month (30.4375 for days, 4.348 for weeks); used only to discount.
    ///   - monthlyDiscountRate: d ≥ 0; 0 means no discounting.
    /// - Returns: the value; NaN when the spend model has no finite mean (p x + q ≤ 1).
    package func lifetimeValue(
        frequency: Int, recency: Double, age: Double, averageSpend: Double,
        horizon: Double, unitsPerMonth: Double = 30.4375, monthlyDiscountRate: Double = 0
    ) -> Double {
        let spendPerPurchase = spend.expectedAverageSpend(frequency: frequency, averageSpend: averageSpend)
        func expected(_ t: Double) -> Double {
            lifetime.expectedPurchases(in: t, frequency: frequency, recency: recency, age: age)
        }
        guard monthlyDiscountRate > 0, unitsPerMonth > 0, horizon > 0 else {
            return expected(max(horizon, 0)) * spendPerPurchase
        }
        var value = 0.0
        var previous = 0.0
        var month = 1.0
        var end = 0.0
        while end < horizon {
            end = min(month * unitsPerMonth, horizon)
            let current = expected(end)
            value += (current - previous) / pow(1 + monthlyDiscountRate, month)
            previous = current
            month += 1
        }
        return value * spendPerPurchase
    }
}

/// Expected purchases over any horizon, the way `ClientFacts` computes its 90-day figure.
package enum HorizonPrediction {
    /// The expected number of purchases in the `days` after the facts' as_of.
    ///
    /// With a fitted lifetime model: E[X(t) | x, tₓ, T] in the model's time unit. Without one, the
    /// heuristic of `ClientFacts`: p_alive × days / the usual gap. A prospect expects 0 (neither
    /// model covers a first purchase). A non-finite model value gives 0.
    package static func expectedPurchases(facts: ClientFacts, days: Int, models: FittedModels, thresholds: LifecycleThresholds) -> Double {
        guard let first = facts.firstPurchase, let last = facts.lastPurchase, days > 0 else { return 0 }
        if let model = models.purchases {
            let unit = max(models.timeUnitDays, 1e-9)
            let recency = last.fractionalDays(since: first) / unit
            let age = max(recency, facts.asOf.fractionalDays(since: first) / unit)
            let value = model.expectedPurchases(in: Double(days) / unit, frequency: facts.purchaseCount - 1, recency: recency, age: age)
            return value.isFinite ? value : 0
        }
        let gap = facts.usualGapDays ?? Double(thresholds.defaultGapDays)
        return facts.pAlive * Double(days) / max(gap, 1)
    }
}

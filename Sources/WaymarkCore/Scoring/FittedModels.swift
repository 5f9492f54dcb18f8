/// The models the nightly run fits over all clients, which the engine takes as input.
///
/// The engine never fits anything while scoring: the same `FittedModels` value is used for every
/// client of a run and for the interactive requests until the next run publishes new ones. Every
/// part has a neutral default, so an engine without fitted models (a first run, a test) still
/// works: the lifetime facts then use the documented heuristic of `ClientFacts`.
package struct FittedModels: Sendable {
    /// Probability alive and expected purchases (BG/NBD or MBG/NBD). Nil: heuristic.
    package var purchases: (any PurchaseBehaviourModel)?
    /// Expected average spend (Gamma-Gamma). Nil: the client's own average spend.
    package var spend: (any SpendBehaviourModel)?
    /// Next-category affinities learned from all clients' purchase sequences.
    package var affinity: AffinityModel
    /// Acceptance counts per item and stage from recorded responses.
    package var acceptance: AcceptanceStatistics
    /// RFM quintile boundaries over all buyers.
    package var rfm: RFMBoundaries
    /// The time unit (in days) the lifetime models were fitted in: 1 for days, 7 for weeks.
    package var timeUnitDays: Double
    /// The purchase propensity learned from the history (nil: the catalog-driven heuristic
    /// acceptance × affinity × life event × p_alive).
    package var propensity: PropensityModel?

    package init(
        purchases: (any PurchaseBehaviourModel)? = nil,
        spend: (any SpendBehaviourModel)? = nil,
        affinity: AffinityModel = AffinityModel(),
        acceptance: AcceptanceStatistics = AcceptanceStatistics(),
        rfm: RFMBoundaries = RFMBoundaries(),
        timeUnitDays: Double = 7,
        propensity: PropensityModel? = nil
    ) {
        self.propensity = propensity
        self.purchases = purchases
        self.spend = spend
        self.affinity = affinity
        self.acceptance = acceptance
        self.rfm = rfm
        self.timeUnitDays = timeUnitDays
    }
}

/// A fitted spend model (Gamma-Gamma): expected average transaction value.
package protocol SpendBehaviourModel: Sendable {
    /// Expected average spend per purchase of a client with `frequency` repeat purchases whose
    /// observed average spend is `averageSpend` (currency units).
    func expectedAverageSpend(frequency: Double, averageSpend: Double) -> Double
}

/// A fitted purchase-and-dropout model (BG/NBD or MBG/NBD): probability alive and expected
/// purchases of one client, in the time unit the model was fitted in.
///
/// The engine reads only these two predictions; the models and their fitting live in
/// `WaymarkLifetime`, whose `LifetimeModel` conforms.
package protocol PurchaseBehaviourModel: Sendable {
    /// The probability that a client with `frequency` repeat purchases, the last at `recency`,
    /// observed for `age`, is still alive at the end of observation.
    func probabilityAlive(frequency: Int, recency: Double, age: Double) -> Double
    /// The expected number of purchases in the next `duration` time units (NaN when the
    /// model's series did not converge).
    func expectedPurchases(in duration: Double, frequency: Int, recency: Double, age: Double) -> Double
}

/// The models the nightly run fits over all clients, which the engine takes as input.
///
/// The engine never fits anything while scoring: the same `FittedModels` value is used for every
/// client of a run and for the interactive requests until the next run publishes new ones. Every
/// part has a neutral default, so an engine without fitted models (a first run, a test) still
/// works: the lifetime facts then use the documented heuristic of `ClientFacts`.
package struct FittedModels: Sendable {
    /// Probability alive and expected purchases (BG/NBD or MBG/NBD). Nil: heuristic.
    package var purchases: LifetimeModel?
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
        purchases: LifetimeModel? = nil,
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

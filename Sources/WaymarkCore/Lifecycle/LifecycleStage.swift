/// A client's lifecycle stage. Computed from data, never guessed; clients move both ways.
///
/// `advocate` is a flag (`ClientFacts.advocate`), not a stage: a prospect can advocate.
package enum LifecycleStage: String, CaseIterable, Sendable, Hashable {
    /// No purchase yet.
    case prospect
    /// First purchase within the onboarding window (default 90 days).
    case onboarding
    /// A customer buying at their usual pace.
    case active
    /// Many purchases, likely alive, and a long relationship.
    case loyal
    /// Probability alive fell, or the usual purchase gap was clearly exceeded.
    case atRisk = "at_risk"
    /// Very likely gone: probability alive very low, or no purchase for a long time.
    case lapsed
    /// Bought again after being at risk or lapsed (for the reactivation window).
    case reactivated
}

/// The thresholds that place a client in a stage. Catalog `settings.lifecycle`.
package struct LifecycleThresholds: Sendable, Hashable {
    /// A first purchase this recent (days) makes the client `onboarding`.
    package var onboardingDays = 90
    /// `loyal` needs at least this many purchases …
    package var loyalMinPurchases = 5
    /// … a probability alive at least this high …
    package var loyalMinPAlive = 0.7
    /// … and a relationship (days since the first purchase) at least this long.
    package var loyalMinTenureDays = 365
    /// `at_risk` below this probability alive.
    package var atRiskPAlive = 0.5
    /// `at_risk` when no purchase for longer than this many times the client's usual gap.
    package var atRiskGapFactor = 2.5
    /// The usual gap (days) assumed for a client with a single purchase.
    package var defaultGapDays = 180
    /// `lapsed` below this probability alive.
    package var lapsedPAlive = 0.15
    /// `lapsed` when no purchase for this many days.
    package var lapsedDays = 730
    /// A client stays `reactivated` this many days after the purchase that brought them back.
    package var reactivatedDays = 90

    package init() {}
}

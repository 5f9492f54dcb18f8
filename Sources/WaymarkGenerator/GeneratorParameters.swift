internal import WaymarkCore
/// The true parameters of the synthetic population: the buy-till-you-die process (BG/NBD),
/// the spend (Gamma-Gamma) and the shares that shape the story.
///
/// Because they are known, tests elsewhere can fit the lifetime-value models on generated data
/// and check that the fit recovers them. docs/generator.md explains each one.
///
/// The BG/NBD time unit is **weeks** (`timeUnitDays` = 7): a client's purchase rate λ is in
/// purchases per week. To compare with a model fitted in days, multiply `purchaseRateRate` by 7
/// (r, a and b do not change).
package struct GeneratorParameters: Sendable, Equatable {
    /// Days per BG/NBD time unit (7: rates are per week).
    package var timeUnitDays: Double
    /// BG/NBD `r`: shape of the gamma distribution of the purchase rate λ.
    package var purchaseRateShape: Double
    /// BG/NBD `α`: rate of the gamma distribution of λ (mean λ = r/α per time unit).
    package var purchaseRateRate: Double
    /// BG/NBD `a`: first shape of the beta distribution of the dropout probability p.
    package var dropoutA: Double
    /// BG/NBD `b`: second shape of the beta distribution of p (mean p = a/(a+b)).
    package var dropoutB: Double
    /// Gamma-Gamma `p`: shape of each transaction's spend multiplier.
    package var spendShape: Double
    /// Gamma-Gamma `q`: shape of the gamma distribution of the client's rate ν.
    package var spendRateShape: Double
    /// Gamma-Gamma `γ`: rate of the gamma distribution of ν. Mean multiplier = pγ/(q−1).
    package var spendRateRate: Double

    /// Share of clients who never buy (prospects).
    package var prospectShare: Double
    /// Mean days from first_seen to the first purchase (exponential).
    package var firstPurchaseDelayMeanDays: Double
    /// Growth rate of acquisition per year: first_seen has density ∝ exp(growth × t).
    package var acquisitionGrowthPerYear: Double
    /// In the `mixed` flavour, the share of households and singles in the advisor business.
    package var mixedAdvisorShare: Double
    /// Share of clients whose birth date is not written.
    package var unknownBirthDateShare: Double
    /// Share of clients flagged do-not-contact.
    package var doNotContactShare: Double
    /// Chance that a purchase was led by an offer presented shortly before it.
    package var offerLedPurchaseShare: Double
    /// Background offers presented per client and year of tenure (Poisson).
    package var offersPerYear: Double
    /// Mean background interactions per client and active year (the per-client rate is
    /// Gamma(2, 2/mean)); after dropping out a client keeps a tenth of it.
    package var interactionsPerYear: Double
    /// Upper bound of purchases of one client (a safety net; with the defaults it is
    /// practically never reached).
    package var maxPurchasesPerClient: Int

    /// The documented defaults (docs/generator.md).
    package static let `default` = GeneratorParameters(
        timeUnitDays: 7,
        purchaseRateShape: 0.75,
        purchaseRateRate: 15,
        dropoutA: 1.2,
        dropoutB: 4.0,
        spendShape: 4,
        spendRateShape: 5,
        spendRateRate: 1,
        prospectShare: 0.2,
        firstPurchaseDelayMeanDays: 21,
        acquisitionGrowthPerYear: 0.3,
        mixedAdvisorShare: 0.55,
        unknownBirthDateShare: 0.05,
        doNotContactShare: 0.02,
        offerLedPurchaseShare: 0.3,
        offersPerYear: 1.2,
        interactionsPerYear: 6,
        maxPurchasesPerClient: 2000
    )

    /// Mean purchase rate per time unit, r/α.
    package var meanPurchaseRate: Double { purchaseRateShape / purchaseRateRate }
    /// Mean dropout probability, a/(a+b).
    package var meanDropout: Double { dropoutA / (dropoutA + dropoutB) }
    /// Mean spend multiplier (Gamma-Gamma's E[z] = pγ/(q−1)); amounts are list price × quantity × z.
    package var meanSpendMultiplier: Double { spendShape * spendRateRate / (spendRateShape - 1) }
}

/// One client of a backtest: what was known at the cutoff, what the engine recommended, and
/// what the client did in the horizon.
package struct EvaluatedClient: Sendable, Hashable {
    package var clientID: String
    /// The stage the engine assessed at the cutoff.
    package var stage: LifecycleStage
    /// Purchases up to the cutoff.
    package var purchasesBefore: Int
    /// The category of the last purchase up to the cutoff (the repeat-last baseline).
    package var lastCategory: String?
    /// Probability alive at the cutoff.
    package var pAlive: Double
    /// Expected purchases in the horizon, as of the cutoff.
    package var predictedPurchases: Double
    /// The engine's offers' categories, best first.
    package var recommended: [String]
    /// The engine's offer item ids, best first (for coverage of items and for tests).
    package var recommendedItems: [String]
    /// Purchases in the horizon.
    package var actualPurchases: Int
    /// Categories bought in the horizon.
    package var actualCategories: Set<String>
    /// The client's own categories up to the cutoff, most bought first (occasions containing it,
    /// then the most recent, then the name): the personal-frequency baseline.
    package var personalCategories: [String] = []
    /// The client's purchases per category up to the cutoff (the stage-popularity baseline's counts).
    package var categoryPurchasesBefore: [String: Int] = [:]
    /// The engine's offers' propensities (`explanation.factors.propensity`), parallel to
    /// `recommendedItems` (the propensity calibration).
    package var recommendedPropensities: [Double] = []
    /// When the engine offered the client nothing: the check that dropped most of the catalog's
    /// offers (the first in the checks' order on a tie), nil otherwise or without offers.
    package var noOfferReason: Rejection.Check?

    package init(
        clientID: String, stage: LifecycleStage, purchasesBefore: Int, lastCategory: String?, pAlive: Double,
        predictedPurchases: Double, recommended: [String], recommendedItems: [String] = [],
        actualPurchases: Int, actualCategories: Set<String>
    ) {
        self.clientID = clientID
        self.stage = stage
        self.purchasesBefore = purchasesBefore
        self.lastCategory = lastCategory
        self.pAlive = pAlive
        self.predictedPurchases = predictedPurchases
        self.recommended = recommended
        self.recommendedItems = recommendedItems
        self.actualPurchases = actualPurchases
        self.actualCategories = actualCategories
    }
}

/// The recommenders a backtest compares.
package enum EvaluationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    case engine
    case popularity
    case repeatLast = "repeat_last"
    case random
    case personalFrequency = "personal_frequency"
    case stagePopularity = "stage_popularity"

    /// How the report names the method.
    package var label: String {
        switch self {
        case .engine: "Waymark engine"
        case .popularity: "Most popular categories"
        case .repeatLast: "Repeat last category"
        case .random: "Random categories"
        case .personalFrequency: "Client's most bought categories"
        case .stagePopularity: "Most popular in the client's stage"
        }
    }
}

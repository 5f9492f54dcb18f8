internal import WaymarkCore
/// The synthetic population's products, categories, lifecycle ladders, life-event triggers and
/// the catalog item ids its responses name: every id the generator writes comes from this file.
///
/// Example catalogs (catalog/examples/) reference these ids, and docs/generator.md lists them.
/// They are a contract: do not rename them.

/// Which business the generated population buys from.
package enum GeneratorFlavour: String, CaseIterable, Sendable {
    /// A financial adviser: savings → investments → insurance and tax planning → mortgage →
    /// life cover and wills → pension → estate planning.
    case advisor
    /// A speciality coffee retailer: starter kit → consumables and accessories → class and
    /// subscription → premium machines → service plans.
    case retail
    /// Both businesses on one platform: products.csv holds both ladders; each household or
    /// single client belongs to one of them (advisor with `GeneratorParameters.mixedAdvisorShare`).
    case mixed
    /// A grocer: 150 categories with Zipf-like popularity, orders of several lines, personal
    /// staples bought on the client's own cycle, occasional new categories (`GroceryAssortment`).
    case grocery
}

/// A product category: one rung of a ladder.
package struct GeneratorCategory: Sendable {
    /// Category id as written in products.csv (`life_cover`).
    package let id: String
    /// Position on the ladder, 0 = entry. Next purchases prefer the rung above the client's highest.
    package let rung: Int
    /// Below this age (at the purchase) the category is 10× less likely; 0 for none.
    package let minAge: Int
    /// Weight multiplier for buying again in this category once the client owns one of it
    /// (1 = no preference; consumables are bought again and again).
    package let repeatAffinity: Double
    /// The offer item id (responses.csv) that proposes this category, or nil.
    package let offerItemId: String?
}

/// A product as written to products.csv.
package struct GeneratorProduct: Sendable {
    package let id: String
    package let name: String
    /// Index of the category in the ladder's `categories`.
    package let categoryIndex: Int
    /// List price in cents.
    package let listPriceCents: Int
    /// Whether the product can be bought again (top-ups, renewals, consumables).
    package let repeatable: Bool
    /// Relative popularity inside its category.
    package let popularity: Double
    /// The largest quantity of one purchase (1 for all but consumables).
    package let maxQuantity: Int
}

/// A life event that raises the odds of some categories for a while.
package struct GeneratorTrigger: Sendable {
    /// Event kind as written in events.csv (`child_born`).
    package let kind: String
    /// Indices of the categories it boosts.
    package let categoryIndices: [Int]
    /// How long the boost lasts, in days; it fades linearly to nothing.
    package let windowDays: Int
    /// Weight multiplier right after the event (fading to 1 at the end of the window).
    package let boost: Double
}

/// One business's ladder: categories in rung order, products and life-event triggers.
package struct GeneratorLadder: Sendable {
    package let flavour: GeneratorFlavour
    package let categories: [GeneratorCategory]
    package let products: [GeneratorProduct]
    package let triggers: [GeneratorTrigger]
    /// Product indices per category index.
    package let productsByCategory: [[Int]]
    /// Cumulative spend thresholds (cents) that earn `msg-tier-upgrade` (silver, gold).
    package let tierThresholdsCents: [Int]

    init(
        flavour: GeneratorFlavour,
        categories: [GeneratorCategory],
        products: [(id: String, name: String, category: String, price: Int, repeatable: Bool, popularity: Double, maxQuantity: Int)],
        triggers: [(kind: String, categories: [String], windowDays: Int, boost: Double)],
        tierThresholdsCents: [Int]
    ) {
        func categoryIndex(_ id: String) -> Int {
            guard let index = categories.firstIndex(where: { $0.id == id }) else {
                preconditionFailure("ProductCatalog: unknown category \(id)")
            }
            return index
        }
        self.flavour = flavour
        self.categories = categories
        self.products = products.map {
            GeneratorProduct(
                id: $0.id, name: $0.name, categoryIndex: categoryIndex($0.category),
                listPriceCents: $0.price, repeatable: $0.repeatable, popularity: $0.popularity,
                maxQuantity: $0.maxQuantity)
        }
        self.triggers = triggers.map {
            GeneratorTrigger(
                kind: $0.kind, categoryIndices: $0.categories.map(categoryIndex),
                windowDays: $0.windowDays, boost: $0.boost)
        }
        var byCategory = Array(repeating: [Int](), count: categories.count)
        for (index, product) in self.products.enumerated() {
            byCategory[product.categoryIndex].append(index)
        }
        self.productsByCategory = byCategory
        self.tierThresholdsCents = tierThresholdsCents
    }

    /// The index of a category id, or nil.
    package func categoryIndex(of id: String) -> Int? {
        categories.firstIndex { $0.id == id }
    }
}

/// The fixed product catalogs and item ids of the synthetic population.
package enum GeneratorCatalog {
    /// The financial-adviser ladder (20 products, 9 categories).
    package static let advisor = GeneratorLadder(
        flavour: .advisor,
        categories: [
            .init(id: "savings", rung: 0, minAge: 0, repeatAffinity: 1.5, offerItemId: "offer-savings-starter"),
            .init(id: "investment", rung: 1, minAge: 18, repeatAffinity: 1.5, offerItemId: "offer-first-investment"),
            .init(id: "insurance", rung: 1, minAge: 18, repeatAffinity: 1.0, offerItemId: "offer-home-insurance"),
            .init(id: "tax_planning", rung: 2, minAge: 25, repeatAffinity: 1.2, offerItemId: "offer-tax-review"),
            .init(id: "mortgage", rung: 2, minAge: 23, repeatAffinity: 0.5, offerItemId: "offer-mortgage-review"),
            .init(id: "life_cover", rung: 3, minAge: 25, repeatAffinity: 0.3, offerItemId: "offer-life-cover"),
            .init(id: "wills", rung: 3, minAge: 25, repeatAffinity: 0.3, offerItemId: "offer-will"),
            .init(id: "pension", rung: 4, minAge: 30, repeatAffinity: 1.5, offerItemId: "offer-pension"),
            .init(id: "estate_planning", rung: 5, minAge: 50, repeatAffinity: 0.3, offerItemId: "offer-estate-planning"),
        ],
        products: [
            ("sav-easy", "Easy-access savings account", "savings", 50_000, true, 3, 1),
            ("sav-isa", "Tax-free savings account (ISA)", "savings", 200_000, true, 2, 1),
            ("fund-index", "Global index fund", "investment", 150_000, true, 3, 1),
            ("fund-balanced", "Balanced managed fund", "investment", 300_000, true, 2, 1),
            ("fund-growth", "Growth equity fund", "investment", 500_000, true, 1, 1),
            ("ins-home", "Home insurance", "insurance", 42_000, true, 3, 1),
            ("ins-income", "Income protection insurance", "insurance", 60_000, false, 1.5, 1),
            ("ins-health", "Private health insurance", "insurance", 120_000, true, 1, 1),
            ("tax-review", "Annual tax review", "tax_planning", 35_000, true, 2, 1),
            ("tax-wrapper", "Tax-efficient investment wrapper", "tax_planning", 80_000, false, 1, 1),
            ("mort-advice", "Mortgage advice", "mortgage", 99_500, false, 2, 1),
            ("mort-remortgage", "Remortgage review", "mortgage", 49_500, true, 1, 1),
            ("life-term", "Term life cover", "life_cover", 36_000, false, 3, 1),
            ("life-whole", "Whole-of-life cover", "life_cover", 110_000, false, 1, 1),
            ("will-basic", "Basic will", "wills", 25_000, false, 3, 1),
            ("will-trust", "Will with family trust", "wills", 90_000, false, 1, 1),
            ("pension-plan", "Personal pension plan", "pension", 240_000, true, 3, 1),
            ("pension-drawdown", "Pension drawdown plan", "pension", 150_000, false, 1, 1),
            ("estate-plan", "Estate planning service", "estate_planning", 250_000, false, 2, 1),
            ("estate-poa", "Lasting power of attorney", "estate_planning", 45_000, false, 2, 1),
        ],
        triggers: [
            ("first_job", ["savings", "pension"], 365, 4),
            ("graduation", ["savings", "investment"], 180, 3),
            ("marriage", ["insurance", "wills", "mortgage"], 365, 4),
            ("child_born", ["life_cover", "wills"], 365, 6),
            ("home_purchase", ["mortgage", "insurance"], 180, 6),
            ("relocation", ["insurance"], 180, 3),
            ("business_started", ["insurance", "tax_planning"], 365, 4),
            ("retirement_approaching", ["pension", "estate_planning"], 730, 5),
        ],
        tierThresholdsCents: [500_000, 2_000_000]
    )

    /// The coffee-retailer ladder (20 products, 8 categories).
    package static let retail = GeneratorLadder(
        flavour: .retail,
        categories: [
            .init(id: "starter_kit", rung: 0, minAge: 0, repeatAffinity: 0.2, offerItemId: "offer-starter-kit"),
            .init(id: "consumables", rung: 1, minAge: 0, repeatAffinity: 4, offerItemId: "offer-refill"),
            .init(id: "accessories", rung: 1, minAge: 0, repeatAffinity: 0.8, offerItemId: "offer-accessories"),
            .init(id: "gift", rung: 1, minAge: 0, repeatAffinity: 1, offerItemId: nil),
            .init(id: "education", rung: 2, minAge: 16, repeatAffinity: 0.5, offerItemId: "offer-barista-class"),
            .init(id: "subscription", rung: 2, minAge: 18, repeatAffinity: 2, offerItemId: "offer-bean-subscription"),
            .init(id: "premium", rung: 3, minAge: 21, repeatAffinity: 0.3, offerItemId: "offer-premium-upgrade"),
            .init(id: "service_plan", rung: 4, minAge: 21, repeatAffinity: 0.8, offerItemId: "offer-care-plan"),
        ],
        products: [
            ("kit-espresso", "Espresso starter kit", "starter_kit", 14_900, false, 3, 1),
            ("kit-pourover", "Pour-over starter kit", "starter_kit", 5_900, false, 2, 1),
            ("kit-capsule", "Capsule machine bundle", "starter_kit", 9_900, false, 2, 1),
            ("beans-house", "House blend beans 1 kg", "consumables", 2_490, true, 4, 3),
            ("beans-single", "Single-origin beans 500 g", "consumables", 1_850, true, 3, 3),
            ("capsules-40", "Capsules, box of 40", "consumables", 1_400, true, 3, 4),
            ("filters-100", "Paper filters, pack of 100", "consumables", 490, true, 1.5, 3),
            ("descaler", "Descaler", "consumables", 990, true, 1, 2),
            ("acc-grinder", "Burr grinder", "accessories", 12_900, false, 2, 1),
            ("acc-scale", "Brew scale", "accessories", 3_990, false, 2, 1),
            ("acc-milk-jug", "Milk jug", "accessories", 1_990, false, 1.5, 1),
            ("acc-tamper", "Tamper", "accessories", 2_900, false, 1, 1),
            ("acc-cups", "Cup set", "accessories", 3_400, true, 1, 2),
            ("gift-card", "Gift card", "gift", 5_000, true, 1, 2),
            ("class-barista", "Barista class", "education", 7_500, false, 1, 1),
            ("sub-beans", "Monthly bean subscription", "subscription", 2_200, true, 1, 1),
            ("prem-machine", "Dual-boiler espresso machine", "premium", 129_000, false, 1, 1),
            ("prem-grinder", "Professional grinder", "premium", 54_900, false, 1, 1),
            ("svc-care", "Two-year care plan", "service_plan", 8_900, false, 2, 1),
            ("svc-repair", "Repair and service", "service_plan", 12_000, true, 1, 1),
        ],
        triggers: [
            ("first_job", ["starter_kit"], 180, 3),
            ("graduation", ["starter_kit", "education"], 180, 3),
            ("marriage", ["premium", "gift"], 365, 4),
            ("child_born", ["consumables"], 180, 2),
            ("home_purchase", ["premium", "accessories"], 365, 5),
            ("relocation", ["starter_kit", "accessories"], 180, 3),
            ("business_started", ["premium", "service_plan"], 365, 5),
            ("retirement_approaching", ["education", "premium"], 365, 3),
        ],
        tierThresholdsCents: [50_000, 200_000]
    )

    /// The ladder of one flavour (`.mixed` has none of its own: it uses both).
    package static func ladder(_ flavour: GeneratorFlavour) -> GeneratorLadder {
        flavour == .retail ? retail : advisor
    }

    /// The products written to products.csv for a flavour, in this order.
    package static func ladders(for flavour: GeneratorFlavour) -> [GeneratorLadder] {
        switch flavour {
        case .advisor: [advisor]
        case .retail: [retail]
        case .mixed: [advisor, retail]
        case .grocery: []
        }
    }

    /// Every life-event kind the generator writes.
    package static let lifeEventKinds = [
        "graduation", "first_job", "marriage", "child_born", "home_purchase", "relocation",
        "business_started", "retirement_approaching",
    ]

    // Message item ids (responses.csv, interactions.csv `item_id`). Same for both flavours.

    /// After the first purchase.
    package static let welcome = "msg-welcome"
    /// After a purchase in a category new to the client.
    package static let howTo = "msg-how-to"
    /// After a repeat purchase.
    package static let thankYou = "msg-thank-you"
    /// Each anniversary of the first purchase.
    package static let anniversary = "msg-anniversary"
    /// When cumulative spend crosses a tier threshold.
    package static let tierUpgrade = "msg-tier-upgrade"
    /// Halfway from one tier threshold to the next ("120 points to Gold").
    package static let progress = "msg-progress"
    /// Some months after the last purchase of a client who dropped out.
    package static let winBack = "msg-win-back"
    /// After the fourth purchase (loyal clients), and to advocates.
    package static let referralAsk = "msg-referral-ask"

    /// Every message item id, in documentation order.
    package static let messageItemIds = [welcome, howTo, thankYou, anniversary, tierUpgrade, progress, winBack, referralAsk]

    /// Every offer item id of a flavour (one per category that has one), in rung order.
    package static func offerItemIds(_ flavour: GeneratorFlavour) -> [String] {
        ladders(for: flavour).flatMap { $0.categories.compactMap(\.offerItemId) }
    }
}

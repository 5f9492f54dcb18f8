/// A function a rule can call. The raw value is the name used in rules.
///
/// The timeline functions map one to one onto the queries of `RuleContext`; the others are
/// pure and fold to a constant when their arguments are literals. An argument of the wrong
/// type at run time (possible only through `dyn` values such as `attributes.x`) or `null`
/// makes the call return `null`, which is false wherever a condition is expected.
package enum RuleFunction: String, CaseIterable, Sendable {
    case owns
    case ownsCategory = "owns_category"
    /// `account.owns(p)`: a call on the `account` receiver.
    case accountOwns = "account.owns"
    case accountOwnsCategory = "account.owns_category"
    case boughtWithin = "bought_within"
    case eventWithin = "event_within"
    case interactionsWithin = "interactions_within"
    case pointsExpiringWithin = "points_expiring_within"
    case consent
    case daysSincePurchase = "days_since_purchase"
    case daysSinceEvent = "days_since_event"
    case respondedWithin = "responded_within"
    case hasAttribute = "has_attribute"
    /// `has(attributes.x)`: a macro, checked on its syntax rather than on a value.
    case has
    case size
    case min
    case max
    case int
    case double
    case string

    /// The documented signature, as `docs/rules.md` lists it.
    package var signature: String {
        switch self {
        case .owns: "owns(product: string) -> bool"
        case .ownsCategory: "owns_category(category: string) -> bool"
        case .accountOwns: "account.owns(product: string) -> bool"
        case .accountOwnsCategory: "account.owns_category(category: string) -> bool"
        case .boughtWithin: "bought_within(product_or_category: string, days: int) -> bool"
        case .eventWithin: "event_within(kind: string, days: int) -> bool"
        case .interactionsWithin: "interactions_within(channel: string, days: int) -> int"
        case .pointsExpiringWithin: "points_expiring_within(days: int) -> int"
        case .consent: "consent(channel: string) -> bool"
        case .daysSincePurchase: "days_since_purchase(product_or_category: string) -> int (null when never)"
        case .daysSinceEvent: "days_since_event(kind: string) -> int (null when never)"
        case .respondedWithin: "responded_within(item_id: string, outcome: string, days: int) -> bool"
        case .hasAttribute: "has_attribute(name: string) -> bool"
        case .has: "has(attributes.NAME) -> bool"
        case .size: "size(list<T> | string | dyn) -> int"
        case .min: "min(number, number, ...) -> int | double"
        case .max: "max(number, number, ...) -> int | double"
        case .int: "int(int | double | string | dyn) -> int"
        case .double: "double(int | double | string | dyn) -> double"
        case .string: "string(int | double | string | bool | dyn) -> string"
        }
    }

    /// What the function answers, in one sentence.
    package var documentation: String {
        switch self {
        case .owns: "Whether the client owns the product (bought it and holds it)."
        case .ownsCategory: "Whether the client owns any product of the category."
        case .accountOwns: "Whether the client or another member of its household or business account owns the product."
        case .accountOwnsCategory: "Whether the client or another member of its household or business account owns any product of the category."
        case .boughtWithin: "Whether the client bought the product, or any product of the category, in the last `days` days before as_of."
        case .eventWithin: "Whether a life event of this kind happened in the last `days` days before as_of."
        case .pointsExpiringWithin: "How many of the client's redeemable points expire in the next `days` days (0 when the catalog's points never expire)."
        case .interactionsWithin: "How many interactions the client had in the channel in the last `days` days; \"any\" counts every channel."
        case .consent: "Whether the client consented to be contacted in the channel."
        case .daysSincePurchase: "Days since the last purchase of the product or category; null when never."
        case .daysSinceEvent: "Days since the last life event of this kind; null when never."
        case .respondedWithin: "Whether the client gave this outcome (accepted, declined, presented or any) to the item in the last `days` days."
        case .hasAttribute: "Whether the custom attribute is set (not null)."
        case .has: "Whether the custom attribute is set (not null); the CEL spelling of has_attribute."
        case .size: "The number of elements of a list, or of Unicode scalars of a string."
        case .min: "The smallest argument; int when every argument is int, double otherwise."
        case .max: "The largest argument; int when every argument is int, double otherwise."
        case .int: "The value as an int: doubles are truncated toward zero and saturate at the int range; strings are parsed; null when not convertible."
        case .double: "The value as a double: strings are parsed; null when not convertible."
        case .string: "The value as a string (ints and doubles in decimal, bools as true/false)."
        }
    }

    /// An example call, valid in a rule.
    package var example: String {
        switch self {
        case .owns: "owns(\"fund-index\")"
        case .ownsCategory: "owns_category(\"insurance\")"
        case .accountOwns: "!account.owns(\"fund-index\")"
        case .accountOwnsCategory: "account.owns_category(\"home_insurance\")"
        case .boughtWithin: "bought_within(\"insurance\", 365)"
        case .eventWithin: "event_within(\"child_born\", 180)"
        case .interactionsWithin: "interactions_within(\"email\", 30) >= 2"
        case .pointsExpiringWithin: "points_expiring_within(30) > 0"
        case .consent: "consent(\"email\")"
        case .daysSincePurchase: "days_since_purchase(\"fund-index\") > 365"
        case .daysSinceEvent: "days_since_event(\"marriage\") < 90"
        case .respondedWithin: "!responded_within(\"life-cover\", \"declined\", 180)"
        case .hasAttribute: "has_attribute(\"vip\")"
        case .has: "has(attributes.vip) && attributes.vip == true"
        case .size: "size(owned_products) >= 2"
        case .min: "min(points_to_next_tier, 500) < 200"
        case .max: "max(age, 18) < 30"
        case .int: "int(total_spend) / 1000 >= 5"
        case .double: "double(points) / 1000.0 > 1.5"
        case .string: "string(attributes.branch) == \"42\""
        }
    }

    /// Whether the function reads the client (and so is never folded to a constant).
    var readsContext: Bool {
        switch self {
        case .owns, .ownsCategory, .accountOwns, .accountOwnsCategory, .boughtWithin, .eventWithin, .interactionsWithin,
             .pointsExpiringWithin, .consent,
             .daysSincePurchase, .daysSinceEvent, .respondedWithin, .hasAttribute, .has:
            true
        case .size, .min, .max, .int, .double, .string:
            false
        }
    }

    /// The fixed parameter list of a timeline function: its name, its type, and the catalog
    /// vocabulary a string literal passed to it names (reported in `CompiledRule.references`).
    var parameters: [(name: String, type: RuleType, vocabulary: RuleReference.Kind?)]? {
        switch self {
        case .owns: [("product", .string, .product)]
        case .ownsCategory: [("category", .string, .category)]
        case .accountOwns: [("product", .string, .product)]
        case .accountOwnsCategory: [("category", .string, .category)]
        case .boughtWithin: [("product_or_category", .string, .productOrCategory), ("days", .int, nil)]
        case .eventWithin: [("kind", .string, .lifeEvent), ("days", .int, nil)]
        case .interactionsWithin: [("channel", .string, .channel), ("days", .int, nil)]
        case .pointsExpiringWithin: [("days", .int, nil)]
        case .consent: [("channel", .string, .channel)]
        case .daysSincePurchase: [("product_or_category", .string, .productOrCategory)]
        case .daysSinceEvent: [("kind", .string, .lifeEvent)]
        case .respondedWithin: [("item_id", .string, .item), ("outcome", .string, nil), ("days", .int, nil)]
        case .hasAttribute: [("name", .string, .attribute)]
        case .has, .size, .min, .max, .int, .double, .string: nil
        }
    }

    /// The outcomes `responded_within` accepts.
    package static let outcomes = ["accepted", "declined", "presented", "any"]
}

/// A string literal a rule uses as a name from the catalog's vocabulary: a product, a category,
/// an item id, a life-event kind, a channel, an attribute or a tier.
///
/// The rule compiler cannot know the catalog, so it lists these for the catalog loader to check
/// (and to report a dangling product, category or item id at the literal's position).
package struct RuleReference: Sendable, Hashable {
    /// What kind of name the literal is.
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        case product
        case category
        /// A product id or a category (`bought_within`, `days_since_purchase`).
        case productOrCategory = "product_or_category"
        case lifeEvent = "life_event"
        case channel
        /// A catalog item id (`responded_within`).
        case item
        case attribute
        case tier
    }

    package var kind: Kind
    /// The function, or the fact, through which the literal is used (`owns`, `owned_products`).
    package var function: String
    /// The literal's value.
    package var argument: String
    /// The literal's range in the rule text.
    package var range: SourceRange
    /// The literal's location, offset by the compilation's origin.
    package var location: SourceLocation

    package init(kind: Kind, function: String, argument: String, range: SourceRange, location: SourceLocation) {
        self.kind = kind
        self.function = function
        self.argument = argument
        self.range = range
        self.location = location
    }
}

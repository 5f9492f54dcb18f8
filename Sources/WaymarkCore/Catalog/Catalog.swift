package import Mustache
internal import Foundation

/// A validated catalog: offers and messages, lifecycle and loyalty settings, contact policy.
///
/// Built only by `CatalogLoader`, which validates the whole document first; every rule and
/// template in a `Catalog` compiled. See docs/catalog.md for the format.
package struct Catalog: Sendable {
    package var version: String
    package var name: String
    package var settings: CatalogSettings
    package var loyalty: LoyaltyProgram
    package var contactPolicy: ContactPolicy
    /// `holdout`: the sticky control group; nil: none.
    package var holdout: Holdout?
    /// `audit`: the decision log of live answers.
    package var audit = AuditSettings()
    /// Items in document order.
    package var items: [CatalogItem]
    /// Follow-up sequences (issue 18), in document order.
    package var cadences: [Cadence] = []

    package init(
        version: String,
        name: String,
        settings: CatalogSettings = CatalogSettings(),
        loyalty: LoyaltyProgram = LoyaltyProgram(),
        contactPolicy: ContactPolicy = ContactPolicy(),
        items: [CatalogItem] = []
    ) {
        self.version = version
        self.name = name
        self.settings = settings
        self.loyalty = loyalty
        self.contactPolicy = contactPolicy
        self.items = items
    }

    package var offers: [CatalogItem] { items.filter { $0.kind == .offer } }
    package var messages: [CatalogItem] { items.filter { $0.kind == .message } }

    /// `OK: N offers, M messages, version V`.
    package var summary: String {
        "OK: \(counted(offers.count, "offer")), \(counted(messages.count, "message")), version \(version)"
    }
}

/// `audit`: whether live answers are logged (`decision_log`) and for how long.
package struct AuditSettings: Sendable, Hashable {
    /// Log every live `recommend` answer (who was shown what, when, with which inputs).
    package var decisionLog = false
    /// Log entries older than this many days are deleted when new ones are written.
    package var retentionDays = 365
    package init() {}
}

/// `settings`: lifecycle thresholds, arbitration and exploration.
package struct CatalogSettings: Sendable, Hashable {
    package var lifecycle = LifecycleThresholds()
    package var arbitration = ArbitrationSettings()
    package var exploration = ExplorationSettings()
    package var propensity = PropensitySettings()
    package var lifetime = LifetimeSettings()
    package init() {}
}

/// `settings.lifetime`: the lifetime models the nightly run fits (docs/clv.md).
package struct LifetimeSettings: Sendable, Hashable {
    /// The purchase model, `bgnbd` or `mbgnbd` (the default: one-time buyers can drop out, so
    /// p_alive ranks them the right way round); `waymark score --model` and `evaluate --model`
    /// override it.
    package var model = "mbgnbd"
    /// The L2 penalty on the parameters (`lifetimes`' `penalizer_coef`); 0: plain maximum likelihood.
    package var penalty = 0.0
    /// The time unit of recency, age and the rate α, in days.
    package var timeUnitDays = 7.0
    /// The model names `model` accepts.
    package static let models = ["bgnbd", "mbgnbd"]
    package init() {}
}

/// `settings.propensity`: the learned purchase propensity.
package struct PropensitySettings: Sendable, Hashable {
    /// Learn the propensity from the history at each run (false: the heuristic acceptance ×
    /// affinity × life event × p_alive).
    package var learned = true
    /// The horizon the propensity predicts a purchase within, in days.
    package var horizonDays = 90
    /// Clients sampled (by a hash of the id) for the training rows.
    package var trainingClients = 10_000
    package init() {}
}

/// `settings.arbitration`.
package struct ArbitrationSettings: Sendable, Hashable {
    /// At most this many offers per client.
    package var topOffers = 3
    /// At most this many messages per client.
    package var maxMessages = 2
    /// At most this many offers of one category (category diversity); 0 = no limit.
    package var maxPerCategory = 1
    /// Items whose priority is below this are not recommended.
    package var minPriority = 0.0
    /// Days after the last contact (any item, any channel) at which contact recency is 1.
    package var recencyFullDays = 14
    /// No offer of a product (or, for a category offer, a category) that another member of the
    /// client's household or business account already owns.
    package var householdOwnership = true
    package init() {}
}

/// `settings.exploration`: seeded Thompson sampling of acceptance rates.
package struct ExplorationSettings: Sendable, Hashable {
    /// Off by default: scoring uses the posterior mean.
    package var enabled = false
    /// Mixed into the per-client seed (client id + as_of + seed).
    package var seed: UInt64 = 0
    package init() {}
}

/// `contact_policy`.
package struct ContactPolicy: Sendable, Hashable {
    /// What to do when clients consent to nothing (a clients file imported without a `consents`
    /// column, usually): the one wording of the remedy that `import`, `score` and `evaluate` give.
    package static let noConsentRemedy = "import the clients' consents (a `consents` column in clients.csv, e.g. email;sms), "
        + "or list the channels where clients come to you in the catalog's contact_policy.consent_exempt_channels"

    /// The same item is not presented again within this many days of a presentation.
    package var cooldownAfterPresentedDays = 14
    /// … nor within this many days of a decline.
    package var cooldownAfterDeclinedDays = 90
    /// Caps on presentations per channel (or all channels) in a sliding window.
    package var caps: [ContactCap] = []
    /// Client ids never contacted (a quiet list).
    package var quietList: Set<String> = []
    /// Channels on which a recommendation needs no consent (the client comes to us: web, app, store).
    package var consentExempt: ChannelSet = []
    /// How `do_not_contact` clients are treated.
    package var doNotContact: DoNotContactHandling = .suppressAll
    /// Whether caps and the cooldown after a presentation also limit the consent-exempt
    /// (inbound) channels, or only outreach.
    package var inbound: InboundHandling = .limited
    /// An offer the client accepted at most this many days ago and has not bought since is
    /// followed up: no cooldown holds it back and its acceptance is the client's own (1).
    /// 0: no follow-up.
    package var followUpAcceptedDays = 0
    package init() {}
}

/// How the contact policy treats the consent-exempt channels, where the client comes to us
/// (a web page they open, a meeting they attend).
package enum InboundHandling: String, Sendable, Hashable, CaseIterable {
    /// Caps and cooldowns limit every channel alike.
    case limited
    /// Caps and the cooldown after a presentation limit outreach only: a cap on `any` channel
    /// counts and closes only the other channels (a cap naming an inbound channel still holds),
    /// and during the cooldown an item may still be shown on an inbound channel. A decline's
    /// cooldown holds everywhere.
    case exempt
}

/// How a `do_not_contact` client (or one on the quiet list) is treated.
package enum DoNotContactHandling: String, Sendable, Hashable, CaseIterable {
    /// Nothing is recommended.
    case suppressAll = "suppress_all"
    /// Only consent-exempt channels (the client's own visits: web, app, store) are used.
    case inboundOnly = "inbound_only"
}

/// A cap: at most `max` presentations in `channel` (nil = all channels) within `windowDays`.
package struct ContactCap: Sendable, Hashable {
    package var channel: Channel?
    package var max: Int
    package var windowDays: Int
    /// `per: account`: presentations to every member of the client's account count together.
    package var perAccount: Bool
    package init(channel: Channel?, max: Int, windowDays: Int, perAccount: Bool = false) {
        self.channel = channel
        self.max = max
        self.windowDays = windowDays
        self.perAccount = perAccount
    }
}

/// An offer or a message of the catalog.
package struct CatalogItem: Sendable {
    package enum Kind: String, Sendable, Hashable, CaseIterable {
        case offer, message
    }

    /// How the item's value is determined.
    package enum Value: Sendable, Hashable {
        /// A fixed value (margin) in currency units.
        case fixed(Double)
        /// The client's 12-month CLV (at least 1): what a win-back or a loyalty message protects.
        case clv
        /// Not given: the product's list price, or 1.
        case unspecified
    }

    package var id: String
    package var kind: Kind
    package var title: String
    package var product: String?
    package var category: String?
    /// Channels in order of preference.
    package var channels: [Channel]
    package var when: CatalogRule?
    package var requires: Prerequisites
    package var triggers: [Trigger]
    package var value: Value
    /// Business weight (default 1).
    package var lever: Double
    package var prior: BetaPrior
    /// Overrides `contact_policy.cooldown_after_presented_days` for this item.
    package var cooldownDays: Int?
    package var validFrom: Timestamp?
    /// Inclusive: the item is valid until the end of this day.
    package var validUntil: Timestamp?
    /// An offer that may be recommended to a client who owns it; a message that may be sent again.
    package var repeatable: Bool
    package var template: MessageTemplate?
    /// A per-item holdout (`holdout: {share: 0.1}`): clients in it never get this item.
    package var holdout: Holdout?
    /// A service message, not marketing (`service: true`): exempt from the catalog's holdout.
    package var service = false

    package init(
        id: String,
        kind: Kind,
        title: String,
        product: String? = nil,
        category: String? = nil,
        channels: [Channel],
        when: CatalogRule? = nil,
        requires: Prerequisites = Prerequisites(),
        triggers: [Trigger] = [],
        value: Value = .unspecified,
        lever: Double = 1,
        prior: BetaPrior = .default,
        cooldownDays: Int? = nil,
        validFrom: Timestamp? = nil,
        validUntil: Timestamp? = nil,
        repeatable: Bool = false,
        template: MessageTemplate? = nil
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.product = product
        self.category = category
        self.channels = channels
        self.when = when
        self.requires = requires
        self.triggers = triggers
        self.value = value
        self.lever = lever
        self.prior = prior
        self.cooldownDays = cooldownDays
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.repeatable = repeatable
        self.template = template
    }
}

/// `requires`: what the client must own before the item makes sense.
package struct Prerequisites: Sendable, Hashable {
    /// Every one of these products.
    package var products: [String] = []
    /// At least one product of each of these categories.
    package var categories: [String] = []
    package init(products: [String] = [], categories: [String] = []) {
        self.products = products
        self.categories = categories
    }
    package var isEmpty: Bool { products.isEmpty && categories.isEmpty }
}

/// A life-event trigger: the event raises the item's propensity, fading over the window.
package struct Trigger: Sendable, Hashable {
    package enum Fade: String, Sendable, Hashable, CaseIterable {
        /// boost → 1 linearly over the window.
        case linear
        /// boost → 1 as exp(−3 · age / window): about 5 % of the boost left at the window's end.
        case exponential
    }

    package var event: String
    package var windowDays: Int
    /// The multiplier on the day of the event (≥ 1).
    package var boost: Double
    package var fade: Fade

    package init(event: String, windowDays: Int, boost: Double, fade: Fade = .linear) {
        self.event = event
        self.windowDays = windowDays
        self.boost = boost
        self.fade = fade
    }

    /// The multiplier `days` days after the event: 1 + (boost − 1) · fade, 1 outside the window.
    package func multiplier(daysSinceEvent days: Int) -> Double {
        guard days >= 0, days <= windowDays, windowDays > 0 else { return 1 }
        let x = Double(days) / Double(windowDays)
        let f: Double = switch fade {
        case .linear: 1 - x
        case .exponential: exp(-3 * x)
        }
        return 1 + (boost - 1) * f
    }
}

/// A compiled Mustache template with its source.
package struct MessageTemplate: Sendable {
    package var source: String
    package var compiled: MustacheTemplate
    /// The root names the template uses at any depth (only these values are built to render it).
    package var names: Set<String>

    /// One piece of a template made only of text and plain `{{name}}` tags.
    package enum PlainPart: Sendable, Equatable {
        case text(String)
        /// An HTML-escaped variable.
        case variable(String)
    }

    /// The template as text and plain variables when it has nothing else (no section, no
    /// dotted name, no triple mustache…), so it can be rendered without the Mustache machinery;
    /// nil otherwise.
    package var plainParts: [PlainPart]?

    package init(source: String) throws {
        self.source = source
        try Self.checkSectionDepth(source)
        self.compiled = try MustacheTemplate(string: source)
        self.names = Set(Self.variables(in: source, nested: true).map(\.root))
        self.plainParts = Self.plainParts(of: source)
    }

    /// Splits `source` into text and `{{name}}` tags (name: letters, digits, `_`; spaces around
    /// it allowed); nil when any other tag appears.
    static func plainParts(of source: String) -> [PlainPart]? {
        var parts: [PlainPart] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else { return nil }
            let name = afterOpen[..<close.lowerBound].trimmingSpaces()
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            rest = afterOpen[close.upperBound...]
            if rest.first == "}" { return nil }
            parts.append(.variable(name))
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        return parts
    }

    /// Renders a plain template (see `plainParts`) with `value` giving each variable's text from
    /// its part's index and its name (nil: unset, rendered empty), HTML-escaped as Mustache does.
    static func render(_ parts: [PlainPart], value: (_ index: Int, _ name: String) -> String?) -> String {
        // Built as bytes (every message of every answer is rendered here); a value with nothing
        // to escape is copied as it is, the rare one with a character to escape goes through
        // the escaping loop below.
        var result = TextBytes(capacity: 256)
        for (index, part) in parts.enumerated() {
            switch part {
            case .text(let text):
                result.append(text)
            case .variable(let name):
                guard let text = value(index, name) else { continue }
                if text.utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&")
                                              || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") }) {
                    result.append(escaped(text))
                } else {
                    result.append(text)
                }
            }
        }
        return result.string
    }

    /// `text` with `< > & " '` escaped for HTML, character by character.
    static func escaped(_ text: String) -> String {
        var result = ""
        for c in text {
            switch c {
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "&": result += "&amp;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(c)
            }
        }
        return result
    }

    package func render(_ values: [String: Any]) -> String {
        compiled.render(values)
    }
}

import ArgumentParser
import Foundation
import WaymarkCore

/// `waymark bench-engine` (hidden): times the engine in-process, for `scripts/bench engine`.
///
/// Two figures from issue 3's "Done when": the median time to score one client with 200
/// purchases against a 50-item catalog (target ≤ 20 µs), and the time to fit BG/NBD on
/// 1,000,000 clients (target ≤ 2 s), plus MBG/NBD on the same clients. Nothing touches the
/// database or the disk; the fixture is built in memory from the generator's product and item ids.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-engine",
        abstract: "Time the engine in-process: scoring one client, and fitting BG/NBD and MBG/NBD on many clients.",
        discussion: """
            A benchmark, not a test: figures depend on the machine. Build in release mode first \
            (scripts/bench engine does). Scoring: one client with 200 purchases, events, interactions \
            and responses against a 50-item catalog, each Engine.recommend call timed after a warm-up; \
            median, p90 and p99 in µs. Lifetime: clients drawn from the CDNOW BG/NBD parameters are \
            generated first, then only grouping + fitting is timed.

            Examples:
              waymark bench-engine
              waymark bench-engine --iterations 50000 --clients 200000 --format json
            """,
        shouldDisplay: false
    )

    @Option(help: ArgumentHelp("Timed Engine.recommend calls per case (after a warm-up of a tenth as many, at least 1,000).", valueName: "n"))
    var iterations: Int = 20_000

    @Option(help: ArgumentHelp("Clients to fit BG/NBD and MBG/NBD on; 0 skips the lifetime fits.", valueName: "n"))
    var clients: Int = 1_000_000

    @Option(help: "table or json.")
    var format: BenchFormat = .table

    @Option(help: ArgumentHelp("Time one scoring case only, to profile it: recommend, facts, scoring or explain.", valueName: "case"))
    var only: EngineBenchmark.CaseName?

    func validate() throws {
        guard iterations >= 100 else {
            throw ValidationError("--iterations must be at least 100 so that p99 means something; got \(iterations)")
        }
        guard clients == 0 || clients >= 1_000 else {
            throw ValidationError("--clients must be 0 (skip the fits) or at least 1000; got \(clients)")
        }
    }

    func run() throws {
        try reportingErrors {
            let engineReport = try EngineBenchmark.run(iterations: iterations, only: only)
            let lifetimeReport = clients > 0 ? try LifetimeFitBenchmark.run(clients: clients) : nil
            let report = BenchEngineReport(engine: engineReport, lifetime: lifetimeReport)
            switch format {
            case .table:
                writeOutput(report.table())
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                writeOutput(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            }
        }
    }
}

enum BenchFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

// MARK: - Report

/// What `waymark bench-engine` prints.
struct BenchEngineReport: Encodable {
    var engine: EngineBenchmark.Report
    var lifetime: LifetimeFitBenchmark.Report?

    func table() -> String {
        var out = ""
        let e = engine
        out += "engine: one client (\(e.purchases) purchases, \(e.lifeEvents) life events, \(e.interactions) interactions, "
        out += "\(e.responses) responses) against \(e.catalogItems) items (\(e.offers) offers, \(e.messages) messages)\n"
        out += "  stage \(e.stage); offers \(e.recommendedOffers.joined(separator: ", ")); messages \(e.recommendedMessages.joined(separator: ", "))\n"
        out += "  \(e.iterations) timed calls per case after \(e.warmup) warm-up calls\n"
        out += pad("  case", 40) + pad("median", 11, right: true) + pad("p90", 11, right: true)
            + pad("p99", 11, right: true) + pad("mean", 11, right: true) + "\n"
        for c in e.cases {
            out += pad("  " + c.name, 40) + pad(us(c.medianMicroseconds), 11, right: true) + pad(us(c.p90Microseconds), 11, right: true)
                + pad(us(c.p99Microseconds), 11, right: true) + pad(us(c.meanMicroseconds), 11, right: true) + "\n"
        }
        if let met = e.meetsTarget, let headline = e.cases.first(where: { $0.name == EngineBenchmark.headline }) {
            out += "  median of recommend: \(us(headline.medianMicroseconds)) (target <= \(Int(e.targetMedianMicroseconds)) µs: "
            out += met ? "met)\n" : "NOT met)\n"
        }
        if let l = lifetime {
            out += "\nlifetime: \(l.clients) clients (\(l.distinctTriples) distinct triples), generated in \(secs(l.generationSeconds))\n"
            out += pad("  model", 10) + pad("grouping", 11, right: true) + pad("fit", 11, right: true) + pad("total", 11, right: true)
                + pad("iter", 7, right: true) + pad("log-likelihood", 18, right: true) + "  parameters\n"
            for f in l.fits {
                let name = f.model == "bgnbd" ? "BG/NBD" : f.model == "mbgnbd" ? "MBG/NBD" : f.model
                let p = f.parameters
                out += pad("  " + name, 10) + pad(secs(f.groupingSeconds), 11, right: true) + pad(secs(f.fitSeconds), 11, right: true)
                    + pad(secs(f.totalSeconds), 11, right: true) + pad(String(f.iterations), 7, right: true)
                    + pad(String(format: "%.2f", f.logLikelihood), 18, right: true)
                    + String(format: "  r %.4f alpha %.4f a %.4f b %.4f", p.r, p.alpha, p.a, p.b)
                    + (f.converged ? "" : "  NOT converged") + "\n"
            }
            let bg = l.fits.first { $0.model == "bgnbd" }
            if let bg {
                out += "  BG/NBD grouping + fit: \(secs(bg.totalSeconds)) (target <= \(secs(l.targetSeconds)) for 1,000,000 clients: "
                out += l.clients == 1_000_000 ? (bg.totalSeconds <= l.targetSeconds ? "met)\n" : "NOT met)\n") : "not measured at this size)\n"
            }
        }
        return out
    }

    private func us(_ value: Double) -> String { String(format: "%.2f µs", value) }
    private func secs(_ value: Double) -> String { String(format: "%.3f s", value) }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}

// MARK: - Scoring one client

enum EngineBenchmark {
    /// The scoring cases, for `--only`.
    enum CaseName: String, ExpressibleByArgument, CaseIterable {
        case recommend, facts, scoring, explain
    }

    struct Case: Encodable {
        var name: String
        var medianMicroseconds: Double
        var p90Microseconds: Double
        var p99Microseconds: Double
        var meanMicroseconds: Double
        enum CodingKeys: String, CodingKey {
            case name
            case medianMicroseconds = "median_us", p90Microseconds = "p90_us", p99Microseconds = "p99_us", meanMicroseconds = "mean_us"
        }
    }

    struct Report: Encodable {
        var purchases: Int
        var lifeEvents: Int
        var interactions: Int
        var responses: Int
        var catalogItems: Int
        var offers: Int
        var messages: Int
        var stage: String
        var recommendedOffers: [String]
        var recommendedMessages: [String]
        var iterations: Int
        var warmup: Int
        /// `recommend` (the figure of the target, named ``EngineBenchmark/headline``) first.
        var cases: [Case]
        var targetMedianMicroseconds: Double
        /// Whether the median of `recommend` is within the target; nil when it was not timed (`--only`).
        var meetsTarget: Bool?
        enum CodingKeys: String, CodingKey {
            case purchases, interactions, responses, offers, messages, stage, iterations, warmup, cases
            case lifeEvents = "life_events", catalogItems = "catalog_items"
            case recommendedOffers = "recommended_offers", recommendedMessages = "recommended_messages"
            case targetMedianMicroseconds = "target_median_us", meetsTarget = "meets_target"
        }
    }

    static let targetMedianMicroseconds = 20.0
    /// The case the target is about.
    static let headline = "recommend (facts + scoring + text)"

    static func run(iterations: Int, only: CaseName? = nil) throws -> Report {
        let fixture = try EngineBenchmarkFixture()
        let engine = fixture.engine
        let snapshot = fixture.snapshot
        let asOf = fixture.asOf
        let warmup = max(1_000, iterations / 10)
        let explain = RecommendOptions(explainRejections: true)

        let sample = engine.recommend(for: snapshot, asOf: asOf)
        let facts = engine.facts(for: snapshot, asOf: asOf)
        var sink = 0
        var cases: [Case] = []
        for name in only.map({ [$0] }) ?? CaseName.allCases {
            switch name {
            case .recommend:
                cases.append(measure(headline, iterations: iterations, warmup: warmup) {
                    sink &+= engine.recommend(for: snapshot, asOf: asOf).offers.count
                })
            case .facts:
                cases.append(measure("facts only", iterations: iterations, warmup: warmup) {
                    sink &+= engine.facts(for: snapshot, asOf: asOf).purchaseCount
                })
            case .scoring:
                cases.append(measure("scoring only (facts given)", iterations: iterations, warmup: warmup) {
                    sink &+= engine.recommend(facts: facts).offers.count
                })
            case .explain:
                cases.append(measure("recommend, explaining rejections", iterations: iterations, warmup: warmup) {
                    sink &+= engine.recommend(for: snapshot, asOf: asOf, options: explain).notRecommended.count
                })
            }
        }
        if sink == Int.min { print(sink) } // keeps the results alive
        return Report(
            purchases: snapshot.purchases.count, lifeEvents: snapshot.lifeEvents.count,
            interactions: snapshot.interactions.count, responses: snapshot.responses.count,
            catalogItems: engine.catalog.items.count, offers: engine.catalog.offers.count, messages: engine.catalog.messages.count,
            stage: sample.scores.stage.rawValue,
            recommendedOffers: sample.offers.map(\.itemID), recommendedMessages: sample.messages.map(\.itemID),
            iterations: iterations, warmup: warmup, cases: cases,
            targetMedianMicroseconds: targetMedianMicroseconds,
            meetsTarget: cases.first { $0.name == headline }.map { $0.medianMicroseconds <= targetMedianMicroseconds })
    }

    /// Runs `body` `warmup` times, then times each of `iterations` calls on its own.
    static func measure(_ name: String, iterations: Int, warmup: Int, _ body: () -> Void) -> Case {
        for _ in 0..<warmup { body() }
        let clock = ContinuousClock()
        var nanoseconds = [Int64](repeating: 0, count: iterations)
        for index in 0..<iterations {
            let start = clock.now
            body()
            let elapsed = start.duration(to: clock.now)
            nanoseconds[index] = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        }
        nanoseconds.sort()
        func quantile(_ q: Double) -> Double {
            let index = min(nanoseconds.count - 1, max(0, Int((q * Double(nanoseconds.count)).rounded(.up)) - 1))
            return Double(nanoseconds[index]) / 1_000
        }
        let middle = nanoseconds.count / 2
        let median = nanoseconds.count % 2 == 1
            ? Double(nanoseconds[middle]) / 1_000
            : Double(nanoseconds[middle - 1] + nanoseconds[middle]) / 2_000
        let mean = Double(nanoseconds.reduce(0, +)) / Double(nanoseconds.count) / 1_000
        return Case(name: name, medianMicroseconds: median, p90Microseconds: quantile(0.90),
                    p99Microseconds: quantile(0.99), meanMicroseconds: mean)
    }
}

// MARK: - Fitting the lifetime models

enum LifetimeFitBenchmark {
    struct Fit: Encodable {
        var model: String
        var groupingSeconds: Double
        var fitSeconds: Double
        var totalSeconds: Double
        var iterations: Int
        var evaluations: Int
        var converged: Bool
        var logLikelihood: Double
        var parameters: LifetimeParameters
        enum CodingKeys: String, CodingKey {
            case model, iterations, evaluations, converged, parameters
            case groupingSeconds = "grouping_s", fitSeconds = "fit_s", totalSeconds = "total_s", logLikelihood = "log_likelihood"
        }
    }

    struct Report: Encodable {
        var clients: Int
        var distinctTriples: Int
        var generationSeconds: Double
        var fits: [Fit]
        var targetSeconds: Double
        enum CodingKeys: String, CodingKey {
            case clients, fits
            case distinctTriples = "distinct_triples", generationSeconds = "generation_s", targetSeconds = "target_s"
        }
    }

    static func run(clients count: Int) throws -> Report {
        let clock = ContinuousClock()
        var started = clock.now
        let clients = LifetimeBenchmark.generateClients(count: count)
        let generation = seconds(started.duration(to: clock.now))

        var fits: [Fit] = []
        var triples = 0
        for kind in [LifetimeModelKind.bgnbd, .mbgnbd] {
            // Grouping alone, then what a nightly run does (group + fit), each timed on its own.
            started = clock.now
            let grouped = try RFTSummary(clients)
            let grouping = seconds(started.duration(to: clock.now))
            triples = grouped.groups.count
            started = clock.now
            let fit = try LifetimeBenchmark.fit(clients, kind: kind)
            let total = seconds(started.duration(to: clock.now))
            fits.append(Fit(
                model: kind.rawValue, groupingSeconds: grouping, fitSeconds: max(0, total - grouping), totalSeconds: total,
                iterations: fit.iterations, evaluations: fit.evaluations, converged: fit.converged,
                logLikelihood: fit.logLikelihood, parameters: fit.model.parameters))
        }
        return Report(clients: count, distinctTriples: triples, generationSeconds: generation, fits: fits, targetSeconds: 2)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

// MARK: - The fixture

/// A realistic client and catalog for the scoring benchmark, built in memory and deterministic.
///
/// The catalog has 50 items over both of the generator's ladders (docs/generator.md): one offer per
/// category that has an offer item id (16), 26 product offers and the 8 reinforcement messages, with
/// `when` rules, prerequisites, life-event triggers, validity windows, cooldowns and templates. The
/// client is a coffee-retail customer of four years with 200 purchases, life events,
/// interactions in several channels, responses to earlier offers and a loyalty ledger.
struct EngineBenchmarkFixture {
    let asOf = Timestamp(year: 2026, month: 1, day: 1)
    let engine: Engine
    let snapshot: ClientSnapshot

    init() throws {
        let products = Self.products()
        let catalog = try CatalogLoader.load(Self.catalogYAML(), file: "<bench-engine catalog>",
                                             references: CatalogReferences(products: products))
        snapshot = Self.snapshot(asOf: asOf, products: products)
        engine = Engine(catalog: catalog, models: Self.models(asOf: asOf, snapshot: snapshot), products: products)
    }

    static func products() -> ProductDirectory {
        ProductDirectory(GeneratorCatalog.ladders(for: .mixed).flatMap { ladder in
            ladder.products.map {
                ProductInfo(id: $0.id, name: $0.name, category: ladder.categories[$0.categoryIndex].id,
                            priceCents: Int64($0.listPriceCents), repeatable: $0.repeatable)
            }
        })
    }

    // MARK: Catalog

    static func catalogYAML() -> String {
        var yaml = """
            version: "bench-engine-1"
            name: Engine benchmark (both ladders)
            settings:
              lifecycle:
                onboarding_days: 60
                loyal_min_purchases: 6
                loyal_min_p_alive: 0.7
                loyal_min_tenure_days: 365
                at_risk_p_alive: 0.5
                at_risk_gap_factor: 3
                default_gap_days: 60
                lapsed_p_alive: 0.15
                lapsed_days: 540
                reactivated_days: 90
              arbitration:
                top_offers: 3
                max_messages: 2
                max_per_category: 1
                recency_full_days: 7
            loyalty:
              points_per_unit: 1
              qualifying_window_days: 0
              category_multipliers:
                subscription: 2
                education: 1.5
                pension: 1.5
              tiers:
                - { name: Bronze, threshold: 0 }
                - { name: Silver, threshold: 500 }
                - { name: Gold, threshold: 2000 }
            contact_policy:
              cooldown_after_presented_days: 14
              cooldown_after_declined_days: 60
              caps:
                - { channel: email, max: 3, window_days: 7 }
                - { channel: sms, max: 1, window_days: 14 }
                - { channel: any, max: 5, window_days: 7 }
              consent_exempt_channels: [web, app, store, advisor]
              do_not_contact: inbound_only
            items:

            """
        var count = 0
        for ladder in GeneratorCatalog.ladders(for: .mixed) {
            let channels = ladder.flavour == .advisor ? "[advisor, email, phone]" : "[email, app, web]"
            let entry = ladder.categories.filter { $0.rung == 0 }.map(\.id)
            // One offer per category with an offer item id: the ladder.
            for (index, category) in ladder.categories.enumerated() {
                guard let id = category.offerItemId else { continue }
                let when = category.rung == 0
                    ? #"stage == "prospect" || !owns_category("\#(category.id)")"#
                    : #"stage != "prospect" && (age == null || age >= \#(category.minAge)) && p_alive >= 0.2 && !responded_within("\#(id)", "declined", 180)"#
                yaml += item(id: id, kind: "offer", title: "Discover our \(category.id.replacingOccurrences(of: "_", with: " ")) range",
                             category: category.id, channels: channels, when: when,
                             requires: category.rung == 0 ? [] : entry,
                             triggers: triggers(ladder, categoryIndex: index),
                             repeatable: category.repeatAffinity >= 1.5,
                             value: String(averagePrice(ladder, categoryIndex: index) / 1_000), lever: category.rung == 0 ? "1.5" : "1",
                             rate: 0.03 + 0.01 * Double(category.rung))
                count += 1
            }
            // Product offers: the first 13 products of each ladder.
            for product in ladder.products.prefix(13) {
                let category = ladder.categories[product.categoryIndex]
                let id = "promo-\(product.id)"
                let price = product.listPriceCents / 100
                let when: String
                switch count % 4 {
                case 0: when = #"owns_category("\#(category.id)") && total_spend >= \#(price * 2) && days_since_purchase("\#(category.id)") <= 365"#
                case 1: when = #"(age == null || age >= \#(max(category.minAge, 16))) && frequency_score >= 3 && interactions_within("any", 90) >= 1"#
                case 2: when = #"stage in ["active", "loyal", "reactivated"] && consent("email") && !responded_within("\#(id)", "declined", 180)"#
                default: when = #"recency_score >= 2 && (tier in ["Silver", "Gold"] || clv_12m >= 200.0) && size(recent_categories) >= 1"#
                }
                let seasonal = count % 5 == 0
                yaml += item(id: id, kind: "offer", title: "\(product.name): a proposal for you",
                             product: product.id, channels: channels, when: when,
                             requires: category.rung == 0 ? [] : entry,
                             triggers: triggers(ladder, categoryIndex: product.categoryIndex),
                             repeatable: product.repeatable, value: String(max(1, price / 10)),
                             lever: count % 3 == 0 ? "1.2" : "1", rate: 0.02 + 0.005 * Double(count % 7),
                             cooldown: count % 2 == 0 ? 45 : nil,
                             validity: seasonal ? ("2025-11-01", "2026-02-28") : nil)
                count += 1
            }
        }
        yaml += messages
        return yaml
    }

    private static func item(
        id: String, kind: String, title: String, product: String? = nil, category: String? = nil, channels: String,
        when: String, requires: [String], triggers: [String], repeatable: Bool, value: String, lever: String,
        rate: Double, cooldown: Int? = nil, validity: (String, String)? = nil
    ) -> String {
        var text = "  - id: \(id)\n    kind: \(kind)\n    title: \"\(title)\"\n"
        if let product { text += "    product: \(product)\n" }
        if let category { text += "    category: \(category)\n" }
        text += "    channels: \(channels)\n"
        text += "    when: '\(when)'\n"
        if !requires.isEmpty { text += "    requires: { categories: [\(requires.joined(separator: ", "))] }\n" }
        if !triggers.isEmpty { text += "    triggers:\n" + triggers.map { "      - \($0)\n" }.joined() }
        if repeatable { text += "    repeatable: true\n" }
        if let cooldown { text += "    cooldown_days: \(cooldown)\n" }
        if let validity { text += "    valid_from: \"\(validity.0)\"\n    valid_until: \"\(validity.1)\"\n" }
        text += "    value: \(value)\n    lever: \(lever)\n"
        text += "    prior: { rate: \(String(format: "%.3f", rate)), strength: 20 }\n\n"
        return text
    }

    private static func triggers(_ ladder: GeneratorLadder, categoryIndex: Int) -> [String] {
        ladder.triggers.filter { $0.categoryIndices.contains(categoryIndex) }.map {
            "{ event: \($0.kind), window_days: \($0.windowDays), boost: \($0.boost) }"
        }
    }

    /// Mean list price of a category's products, in cents.
    private static func averagePrice(_ ladder: GeneratorLadder, categoryIndex: Int) -> Int {
        let prices = ladder.productsByCategory[categoryIndex].map { ladder.products[$0].listPriceCents }
        return prices.isEmpty ? 1_000 : prices.reduce(0, +) / prices.count
    }

    /// The generator's eight reinforcement messages, as in catalog/examples/retail.yaml.
    private static let messages = """
          - id: msg-welcome
            kind: message
            title: Welcome to the club
            channels: [email, app]
            when: purchase_count >= 1 && days_since_first_purchase <= 14
            value: 10
            prior: { rate: 0.45, strength: 20 }
            template: "Welcome to the club{{#first_name}}, {{first_name}}{{/first_name}}! You already have {{points}} points."

          - id: msg-how-to
            kind: message
            title: How to dial in your grind
            channels: [email, app]
            when: bought_within("starter_kit", 21) || bought_within("accessories", 21) || bought_within("premium", 21)
            repeatable: true
            cooldown_days: 30
            value: 6
            prior: { rate: 0.35, strength: 20 }
            template: "Three tips for a better cup: weigh your dose, grind just before brewing, keep your water just off the boil."

          - id: msg-thank-you
            kind: message
            title: Thanks for your order
            channels: [email, app]
            when: purchase_count >= 2 && days_since_last_purchase <= 3
            repeatable: true
            cooldown_days: 14
            value: 4
            prior: { rate: 0.30, strength: 20 }
            template: "Thanks for ordering again! Your balance is now {{points}} points."

          - id: msg-anniversary
            kind: message
            title: A year of great coffee
            channels: [email, app]
            when: days_since_first_purchase != null && days_since_first_purchase >= 365 && days_since_first_purchase % 365 <= 7
            repeatable: true
            cooldown_days: 300
            value: 8
            prior: { rate: 0.30, strength: 20 }
            template: "Happy anniversary! {{tenure_days}} days of coffee together."

          - id: msg-tier-upgrade
            kind: message
            title: Welcome to your new tier
            channels: [email, app]
            when: 'tier in ["Silver", "Gold"] && !(stage in ["at_risk", "lapsed"]) && !responded_within("msg-tier-upgrade", "any", 180)'
            repeatable: true
            value: 12
            prior: { rate: 0.40, strength: 20 }
            template: "You made it: welcome to {{tier}}! Enjoy free delivery and early access to new roasts."

          - id: msg-progress
            kind: message
            title: Almost at the next tier
            channels: [app, email]
            when: 'next_tier != "" && points_to_next_tier <= 150 && stage in ["onboarding", "active", "loyal", "reactivated"]'
            repeatable: true
            cooldown_days: 30
            value: 10
            prior: { rate: 0.25, strength: 20 }
            template: "Only {{points_to_next_tier}} points to {{next_tier}}! Your next bag of beans could take you there."

          - id: msg-win-back
            kind: message
            title: We saved you a fresh roast
            channels: [email, sms, app]
            when: stage in ["at_risk", "lapsed"]
            repeatable: true
            cooldown_days: 45
            value: clv
            lever: 2
            prior: { rate: 0.06, strength: 20 }
            template: "We miss you! Your {{points}} points are still here, and your next bag of beans is on us."

          - id: msg-referral-ask
            kind: message
            title: Share the love of good coffee
            channels: [email, app]
            when: stage == "loyal" || advocate
            repeatable: true
            cooldown_days: 90
            value: clv
            lever: 0.5
            prior: { rate: 0.06, strength: 20 }
            template: "Give a friend 10 % off their first order, and get 200 points when they buy. You have {{purchase_count}} orders with us."

        """

    // MARK: Client

    /// A coffee-retail customer of four years: 200 purchases, mostly beans, with the ladder's
    /// accessories, class, subscription and a premium grinder along the way.
    static func snapshot(asOf: Timestamp, products: ProductDirectory) -> ClientSnapshot {
        var random = SplitMix(seed: 42)
        let start = asOf.adding(days: -1_460)
        let consumables = ["beans-house", "beans-single", "beans-house", "capsules-40", "descaler", "filters-100"]
        let milestones: [Int: String] = [
            0: "kit-espresso", 6: "acc-grinder", 14: "acc-scale", 25: "acc-milk-jug", 40: "class-barista",
            60: "sub-beans", 90: "gift-card", 120: "prem-grinder", 121: "svc-care", 150: "acc-cups", 185: "gift-card",
        ]
        let channels: [Channel] = [.web, .app, .store, .web]
        var purchases: [Purchase] = []
        for index in 0..<200 {
            let day = index * 1_455 / 200 + Int(random.next() % 3)
            let id = milestones[index] ?? consumables[Int(random.next() % UInt64(consumables.count))]
            let product = products[id]!
            let quantity = product.category == "consumables" ? 1 + Int(random.next() % 3) : 1
            purchases.append(Purchase(
                productID: id, category: product.category,
                at: Timestamp(seconds: start.adding(days: day).seconds + Int64(32_400 + random.next() % 36_000)),
                amountCents: product.priceCents * Int64(quantity), quantity: quantity,
                channel: channels[Int(random.next() % UInt64(channels.count))]))
        }
        let lifeEvents = [
            LifeEvent(kind: "first_job", at: asOf.adding(days: -3_300)),
            LifeEvent(kind: "marriage", at: asOf.adding(days: -420)),
            LifeEvent(kind: "home_purchase", at: asOf.adding(days: -210)),
            LifeEvent(kind: "child_born", at: asOf.adding(days: -75)),
        ]
        let interactionKinds: [(Channel, String)] = [
            (.web, "visit"), (.email, "open"), (.app, "visit"), (.store, "visit"), (.email, "click"), (.phone, "call"),
        ]
        var interactions: [Interaction] = []
        for index in 0..<120 {
            let (channel, kind) = interactionKinds[Int(random.next() % UInt64(interactionKinds.count))]
            interactions.append(Interaction(channel: channel, kind: kind,
                                            at: Timestamp(seconds: asOf.adding(days: -(index * 730 / 120) - 1).seconds + Int64(random.next() % 80_000)),
                                            itemID: channel == .email ? "offer-refill" : nil))
        }
        interactions.append(Interaction(channel: .social, kind: "review", at: asOf.adding(days: -300)))
        interactions.append(Interaction(channel: .web, kind: "referral", at: asOf.adding(days: -150)))
        let responseItems = ["offer-refill", "msg-thank-you", "offer-accessories", "msg-progress", "msg-tier-upgrade",
                             "offer-bean-subscription", "offer-barista-class", "offer-premium-upgrade", "msg-anniversary"]
        let outcomes: [Response.Outcome] = [.accepted, .opened, .declined, .presented, .opened]
        var responses: [Response] = []
        for index in 0..<40 {
            let presented = asOf.adding(days: -(index * 1_000 / 40) - 20)
            let outcome = outcomes[Int(random.next() % UInt64(outcomes.count))]
            responses.append(Response(
                itemID: responseItems[Int(random.next() % UInt64(responseItems.count))],
                channel: index % 3 == 0 ? .app : .email, presentedAt: presented, outcome: outcome,
                respondedAt: outcome == .presented ? nil : presented.adding(days: 2)))
        }
        let ledger = [
            LoyaltyEntry(at: asOf.adding(days: -900), points: 200, reason: "welcome bonus"),
            LoyaltyEntry(at: asOf.adding(days: -400), points: -500, reason: "redemption"),
            LoyaltyEntry(at: asOf.adding(days: -150), points: 200, reason: "referral bonus"),
            LoyaltyEntry(at: asOf.adding(days: -30), points: -300, reason: "redemption"),
        ]
        let profile = ClientProfile(
            id: "C0000042", firstSeen: start.adding(days: -30), birthDate: Timestamp(year: 1988, month: 5, day: 14),
            segment: "retail", region: "north", consents: ChannelSet([Channel.email, .app, .sms, .web]),
            attributes: ["vip": .bool(true), "favourite_roast": .string("medium")])
        return ClientSnapshot(
            profile: profile, purchases: purchases, lifeEvents: lifeEvents, interactions: interactions,
            responses: responses, loyaltyLedger: ledger,
            recordedStage: StageRecord(stage: .loyal, since: asOf.adding(days: -200), previous: .active))
    }

    // MARK: Models

    /// Fitted-looking models: the CDNOW BG/NBD and Gamma-Gamma estimates (weeks), affinities from
    /// ladder-shaped purchase sequences, acceptance counts and RFM cuts of a synthetic population.
    static func models(asOf: Timestamp, snapshot: ClientSnapshot) -> FittedModels {
        var random = SplitMix(seed: 7)
        var affinity = AffinityModel.Accumulator()
        var acceptance = AcceptanceStatistics.Accumulator()
        var rfm = RFMBoundaries.Accumulator()
        let ladders = GeneratorCatalog.ladders(for: .mixed)
        let stages = LifecycleStage.allCases
        for client in 0..<5_000 {
            let ladder = ladders[client % ladders.count]
            var sequence: [String] = []
            var rung = 0
            let length = 1 + Int(random.next() % 12)
            for _ in 0..<length {
                let candidates = ladder.categories.filter { $0.rung <= rung + 1 }
                let category = candidates[Int(random.next() % UInt64(candidates.count))]
                rung = max(rung, category.rung)
                sequence.append(category.id)
            }
            affinity.add(categories: sequence)
            rfm.add(daysSinceLastPurchase: Int(random.next() % 1_000), purchases: length,
                    totalSpend: Double(length) * Double(20 + random.next() % 400))
            let offer = ladder.categories[Int(random.next() % UInt64(ladder.categories.count))].offerItemId ?? GeneratorCatalog.winBack
            acceptance.add(itemID: offer, stage: stages[Int(random.next() % UInt64(stages.count))], accepted: random.next() % 10 == 0)
        }
        affinity.add(purchases: snapshot.purchases, asOf: asOf)
        return FittedModels(
            purchases: LifetimeModel(kind: .bgnbd, parameters: LifetimeBenchmark.cdnowParameters),
            spend: BenchSpendModel(model: GammaGammaModel(parameters: GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44))),
            affinity: affinity.finish(), acceptance: acceptance.finish(), rfm: rfm.finish(), timeUnitDays: 7)
    }
}

/// Gamma-Gamma as the engine's spend model (what the nightly run wires in).
private struct BenchSpendModel: SpendBehaviourModel {
    var model: GammaGammaModel
    func expectedAverageSpend(frequency: Double, averageSpend: Double) -> Double {
        let value = model.expectedAverageSpend(frequency: Int(frequency.rounded()), averageSpend: averageSpend)
        return value.isFinite ? value : averageSpend
    }
}

/// SplitMix64: a tiny deterministic generator for the fixture.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

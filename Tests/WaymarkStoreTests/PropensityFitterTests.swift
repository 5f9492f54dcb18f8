import Foundation
import Logging
import Postgres
import Testing
import WaymarkCore
import WaymarkGenerator
import WaymarkLifetime
@testable import WaymarkStore

/// The learned propensity end to end: a generated grocer's population imported into a fresh
/// schema, `Backtest` (which fits every model at the cutoff exactly as the nightly run does, the
/// propensity's training included) against the strongest simple baselines.
@Suite("Learned propensity: fitted on the history, judged against the baselines", .serialized)
struct PropensityFitterTests {
    /// A grocer's population (docs/generator.md) of `clients` over 2 years to `end` (exclusive),
    /// imported.
    static func grocery(clients: Int, seed: UInt64, end endDate: String = "2026-01-01") throws -> StoreTestDatabase {
        let db = try StoreTestDatabase()
        let end = try #require(GeneratorConfiguration.day(fromISODate: endDate))
        let generator = try PopulationGenerator(GeneratorConfiguration(clients: clients, seed: seed, endDay: end, years: 2, flavour: .grocery))
        var files: [GeneratedTable: [UInt8]] = [:]
        generator.generate(flushThreshold: 1 << 30) { table, bytes in files[table, default: []] += bytes }
        let importer = Importer(connection: db.connection)
        for table in [GeneratedTable.clients, .products, .purchases] {
            _ = try importer.importRows(kind: try #require(ImportKind(rawValue: table.kind)), format: .csv,
                                        input: BytesInput(String(decoding: files[table] ?? [], as: UTF8.self)), name: table.fileName)
        }
        return db
    }

    static func configuration(_ db: StoreTestDatabase) -> ConnectionConfiguration {
        var configuration = ConnectionConfiguration.environment
        configuration.applicationName = "WaymarkStoreTests"
        configuration.extraParameters["options"] = "-c search_path=\(db.schema)"
        return configuration
    }

    static func catalog() throws -> Catalog {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("catalog/examples/grocery.yaml"), encoding: .utf8)
        return try CatalogLoader.load(text, file: "grocery.yaml")
    }

    @Test("on a grocer's data the engine's NDCG@3 is at least the client's-most-bought and the most-popular baselines', and its propensity is calibrated")
    func groceryBacktestBeatsTheBaselines() throws {
        let db = try Self.grocery(clients: 600, seed: 5)
        let cutoff = Timestamp(year: 2025, month: 12, day: 1)
        let result = try Backtest(configuration: Self.configuration(db)).run(
            .init(cutoff: cutoff, horizonDays: 30, topK: 3, seed: 5, catalog: try Self.catalog()))
        let report = result.report
        let engine = try #require(report.result(.engine)).overall
        let personal = try #require(report.result(.personalFrequency)).overall
        let popularity = try #require(report.result(.popularity)).overall
        #expect(engine.buyers > 100)
        #expect(engine.ndcg >= personal.ndcg, "engine \(engine.ndcg) vs personal frequency \(personal.ndcg)")
        #expect(engine.ndcg >= popularity.ndcg, "engine \(engine.ndcg) vs popularity \(popularity.ndcg)")
        #expect(engine.hitRate >= popularity.hitRate)

        // The propensity was learned at the cutoff minus the horizon, from the history alone.
        let propensity = try #require(result.models.propensity)
        let training = try #require(propensity.training)
        #expect(training.fitted)
        #expect(training.cutoff == "2025-11-01")
        #expect(training.cutoffs == nil, "the newest window held enough buyers: one window")
        // The report says how it was trained.
        #expect(report.models?.propensity == training)
        #expect(propensity.horizonDays == 30)
        // Own repeats weigh: a client's staple outranks the crowd.
        #expect((propensity.weights["personal_rate"] ?? 0) + (propensity.weights["decayed_share"] ?? 0) > 0)
        // Calibrated within a third on the offers it recommended.
        let calibration = report.propensityCalibration
        #expect(calibration.offers > 0)
        #expect(abs(calibration.meanPredicted - calibration.observedRate) < calibration.observedRate / 3,
                "predicted \(calibration.meanPredicted) vs observed \(calibration.observedRate)")
    }

    @Test("purchases that stop inside the horizon: the propensity is learned for the days they cover, at least the usual gap, so the ranking is the same at 30 and 180 days and beats the baselines")
    func dataEndingInsideTheHorizonSetsThePropensityHorizon() throws {
        // The purchases stop 3 days after the cutoff: the truth is mostly each buyer's next basket.
        let db = try Self.grocery(clients: 600, seed: 5, end: "2025-12-04")
        let cutoff = Timestamp(year: 2025, month: 12, day: 1)
        let catalog = try Self.catalog()
        let reports = try [30, 180].map { horizon in
            try Backtest(configuration: Self.configuration(db)).run(.init(cutoff: cutoff, horizonDays: horizon, topK: 3, seed: 5, catalog: catalog))
        }
        for result in reports {
            let setup = result.report.setup
            #expect(setup.horizonCoveredDays == 3)
            // Learned for the clients' usual time between baskets (longer than the 3 days covered).
            let days = try #require(setup.propensityHorizonDays)
            #expect(days > 3 && days < 30, "\(days)")
            #expect(result.models.propensity?.horizonDays == days)
        }
        // A model of "bought within 180 days" ranked the next basket differently (and worse):
        // 0.580 against 0.574 at 30 days before, 0.615 at both now.
        #expect(reports[0].models.propensity?.weights == reports[1].models.propensity?.weights)
        #expect(reports[0].models.propensity?.intercept == reports[1].models.propensity?.intercept)
        #expect(reports[0].report.result(.engine) == reports[1].report.result(.engine))
        #expect(reports[0].report.offerItems == reports[1].report.offerItems)
        let engine = try #require(reports[1].report.result(.engine)).overall
        let personal = try #require(reports[1].report.result(.personalFrequency)).overall
        let popularity = try #require(reports[1].report.result(.popularity)).overall
        #expect(engine.buyers > 50)
        #expect(engine.ndcg >= personal.ndcg, "engine \(engine.ndcg) vs personal frequency \(personal.ndcg)")
        #expect(engine.ndcg >= popularity.ndcg, "engine \(engine.ndcg) vs popularity \(popularity.ndcg)")
    }

    @Test("a newest window with too few buyers: the fit steps back one horizon at a time, and the labels keep the horizon's length")
    func sparseWindowsStepBack() throws {
        let db = try Self.grocery(clients: 150, seed: 9)
        let products = try CatalogStore(connection: db.connection).products()
        let fitter = PropensityFitter(configuration: Self.configuration(db), connection: db.connection, kind: .mbgnbd,
                                      logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        // The generated history ends on 2026-01-01: the window (2026-01-06, 2026-01-20] holds no purchase.
        let model = try #require(try fitter.fit(asOf: Timestamp(year: 2026, month: 1, day: 20), catalog: try Self.catalog(),
                                                products: products, horizonDays: 14))
        let training = try #require(model.training)
        let cutoffs = try #require(training.cutoffs)
        #expect(cutoffs.count >= 2 && cutoffs.count <= PropensityFitter.maximumWindows)
        #expect(Array(cutoffs.prefix(2)) == ["2026-01-06", "2025-12-23"])
        #expect(training.cutoff == "2026-01-06")
        #expect(model.horizonDays == 14)
        #expect(training.buyers > 0 && training.fitted, "the earlier windows' buyers train the model")
        // It stops as soon as the windows hold enough buyers, or at the most windows.
        #expect(training.buyers >= PropensityFitter.minimumBuyers || cutoffs.count == PropensityFitter.maximumWindows)
    }

    @Test("a training cut-off before the first purchase is warned of, with the horizon that would learn from the clients' history")
    func historyWarning() throws {
        let first = Timestamp(year: 2024, month: 7, day: 14)
        let asOf = Timestamp(year: 2024, month: 9, day: 1)
        // as_of − 90 days is 2024-06-03, before the first purchase: 49 days of history.
        let warning = try #require(PropensityFitter.historyWarning(asOf: asOf, cutoff: asOf.adding(days: -90), firstPurchase: first,
                                                                   horizon: 90, overridden: false))
        #expect(warning.contains("training cut-off 2024-06-03 (as_of − 90 days) is before the first purchase (2024-07-14), 49 days before as_of"))
        #expect(warning.hasSuffix("set settings.propensity.horizon_days to at most 24 (half the history) in the catalog"))
        let evaluate = try #require(PropensityFitter.historyWarning(asOf: asOf, cutoff: asOf.adding(days: -90), firstPurchase: first,
                                                                    horizon: 90, overridden: true))
        #expect(evaluate.hasSuffix("evaluate with a shorter --horizon or a later --cutoff"))
        // A cut-off after the first purchase (some history to learn from), or no history at all: no warning.
        #expect(PropensityFitter.historyWarning(asOf: asOf, cutoff: asOf.adding(days: -30), firstPurchase: first, horizon: 30, overridden: false) == nil)
        #expect(PropensityFitter.historyWarning(asOf: first, cutoff: first.adding(days: -30), firstPurchase: first, horizon: 30, overridden: false) == nil)
        // A purchase at the cut-off itself is history (everything up to the cut-off is).
        #expect(PropensityFitter.historyWarning(asOf: first.adding(days: 30), cutoff: first, firstPurchase: first, horizon: 30, overridden: false) == nil)
    }

    @Test("clients known before their purchases start, a horizon longer than the history: the own-purchase weights keep their defaults (not 0), so the engine still beats the most popular")
    func historyShorterThanTheHorizonKeepsThePriorWeights() throws {
        // The purchases start in the first days of 2024; the clients were known a year before (a
        // CRM's sign-up dates): at the training cut-off, 2023-12-02, they exist without a purchase.
        let db = try Self.grocery(clients: 600, seed: 5)
        _ = try db.connection.execute("UPDATE clients SET first_seen = '2023-01-01'")
        let result = try Backtest(configuration: Self.configuration(db)).run(
            .init(cutoff: Timestamp(year: 2024, month: 3, day: 1), horizonDays: 90, topK: 3, seed: 5, catalog: try Self.catalog()))
        let propensity = try #require(result.models.propensity)
        #expect(propensity.training?.cutoff == "2023-12-02")
        #expect(propensity.training?.fitted == true, "the buyers of the window train the crowd's weights")
        // No row had a history of its own: those features are the same on every row, and keep
        // their prior weight instead of 0 (which left the ranking to the crowd alone).
        for feature in [PropensityFeature.personalRate, .decayedShare, .share, .boughtBefore] {
            #expect(propensity.weights[feature.name] == PropensityFeature.priorWeights[feature.rawValue], "\(feature.name)")
        }
        let engine = try #require(result.report.result(.engine)).overall
        let popularity = try #require(result.report.result(.popularity)).overall
        #expect(engine.buyers > 100)
        #expect(engine.ndcg > popularity.ndcg, "engine \(engine.ndcg) vs popularity \(popularity.ndcg)")
    }

    @Test("settings.propensity.learned: false keeps the heuristic and stores no propensity")
    func theHeuristicStaysAvailable() throws {
        let db = try Self.grocery(clients: 150, seed: 9)
        var catalog = try Self.catalog()
        catalog.settings.propensity.learned = false
        let result = try Backtest(configuration: Self.configuration(db)).run(
            .init(cutoff: Timestamp(year: 2025, month: 12, day: 1), horizonDays: 30, topK: 3, catalog: catalog))
        #expect(result.models.propensity == nil)
    }
}

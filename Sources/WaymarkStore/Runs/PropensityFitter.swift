internal import Foundation
package import Logging
package import Postgres
package import WaymarkCore
package import WaymarkLifetime

/// Learns the purchase propensity (``PropensityModel``) from the history, for a run at `asOf`.
///
/// 1. Fits the population models at the training cut-off `asOf − horizon` (``ModelFitter``, each
///    query bounded by that date) and counts the categories' buyers then and at `asOf`.
/// 2. Streams a sample of clients (a hash of the id, at most `trainingClients`) with their history
///    up to the cut-off and their purchases in the horizon after it; the engine, built with the
///    cut-off's models, turns each into rows: the features of every offer it could recommend and
///    whether the client bought it in the horizon (``Engine/propensityRows(for:cutoff:end:maxNegatives:into:)``).
/// 3. While those rows hold fewer than ``minimumBuyers`` buyers (a horizon shorter than the
///    clients' usual gap, or a small population), steps back one horizon and reads the window
///    before (as_of − 2H, as_of − H] the same way, up to ``maximumWindows`` windows and never past
///    the first purchase; the labels keep the horizon's length.
/// 4. Fits the weights by penalised logistic regression, shrunk towards the prior weights.
///
/// The same rows, fit and seed-free sampling give the same model: the run is reproducible.
package struct PropensityFitter {
    package let configuration: ConnectionConfiguration
    package let connection: Connection
    package var kind: LifetimeModelKind
    package var logger: Logger
    package var workers = ProcessInfo.processInfo.activeProcessorCount

    package init(configuration: ConnectionConfiguration, connection: Connection, kind: LifetimeModelKind, logger: Logger) {
        self.configuration = configuration
        self.connection = connection
        self.kind = kind
        self.logger = logger
    }

    /// The propensity model for scoring at `asOf`, or nil when the catalog turns it off.
    ///
    /// - Parameter horizonDays: overrides the catalog's `settings.propensity.horizon_days`
    ///   (`waymark evaluate` learns for the horizon it evaluates).
    /// - Throws: ``PostgresError`` when a query fails.
    package func fit(asOf: Timestamp, catalog: Catalog, products: ProductDirectory, horizonDays: Int? = nil) throws -> PropensityModel? {
        let settings = catalog.settings.propensity
        guard settings.learned else { return nil }
        let horizon = max(1, horizonDays ?? settings.horizonDays)
        let started = Date()
        // Windows of one horizon each, newest first: (as_of − H, as_of], then (as_of − 2H, as_of − H], …
        // A second and further window only while the ones read hold too few buyers to learn from
        // (a horizon shorter than the clients' usual gap, or a small population), and never before
        // the first purchase: the labels keep the horizon's length, so the probability keeps its meaning.
        let first = try connection.execute("SELECT extract(epoch FROM min(purchased_at))::float8 FROM purchases WHERE purchased_at <= to_timestamp($1)",
                                            [.int(asOf.seconds)]).scalar(Double?.self)
        var set = PropensityTrainingSet()
        var clients = 0
        var cutoffs: [Timestamp] = []
        var end = asOf
        while true {
            let cutoff = end.adding(days: -horizon)
            clients += try collect(cutoff: cutoff, end: end, horizon: horizon, catalog: catalog, products: products, into: &set)
            cutoffs.append(cutoff)
            // The next window, (cutoff − H, cutoff], holds purchases only when one is before the cut-off.
            guard set.clientRows.positives < Double(Self.minimumBuyers), cutoffs.count < Self.maximumWindows,
                  let first, Double(cutoff.seconds) > first else { break }
            end = cutoff
        }
        let cutoff = cutoffs[0]

        var model = set.fit(itemIDs: catalog.items.map(\.id), horizonDays: horizon,
                            rates: try Self.rates(connection: connection, asOf: asOf, windowDays: horizon), cutoff: cutoff, clients: clients)
        model.training?.cutoffs = cutoffs.count > 1 ? cutoffs.map(\.isoDate) : nil
        let training = model.training!
        logger.info("propensity learned", metadata: [
            "cutoff": "\(cutoff.isoDate)", "windows": "\(cutoffs.count)", "clients": "\(clients)", "buyers": "\(training.buyers)", "rows": "\(training.rows)", "positives": "\(Int(training.positives))",
            "log_loss": "\(training.logLoss)", "fitted": "\(training.fitted)", "seconds": "\(Date().timeIntervalSince(started))",
            "weights": "\(PropensityFeature.allCases.map { "\($0.name)=\(String(format: "%.3f", model.weights[$0.name] ?? 0))" }.joined(separator: " ")) intercept=\(String(format: "%.3f", model.intercept))",
        ])
        // A history shorter than the horizon is the cause of too few purchases to learn from when
        // both hold: its warning alone is given, since it names the fix.
        if let first, let warning = Self.historyWarning(asOf: asOf, cutoff: cutoff, firstPurchase: Timestamp(seconds: Int64(first.rounded(.down))),
                                                        horizon: horizon, overridden: horizonDays != nil) {
            logger.warning("\(warning)")
        } else if !training.fitted {
            logger.warning("too few purchases after the propensity's training cut-off to learn from: using the prior weights",
                           metadata: ["cutoff": "\(cutoff.isoDate)", "positives": "\(Int(training.positives))"])
        }
        return model
    }

    /// The warning when no client had a purchase by the training cut-off (`as_of − horizon` before
    /// the first purchase; a purchase at the cut-off itself is history): the rows then carry no
    /// history of the clients' own, so the weights of their own purchases cannot be learned and
    /// keep their prior. Nil otherwise.
    static func historyWarning(asOf: Timestamp, cutoff: Timestamp, firstPurchase: Timestamp, horizon: Int, overridden: Bool) -> String? {
        guard cutoff < firstPurchase, firstPurchase < asOf else { return nil }
        let history = max(0, asOf.days(since: firstPurchase))
        let fix = overridden
            ? "evaluate with a shorter --horizon or a later --cutoff"
            : "set settings.propensity.horizon_days to at most \(max(1, history / 2)) (half the history) in the catalog"
        return "the propensity's training cut-off \(cutoff.isoDate) (as_of − \(horizon) days) is before the first purchase "
            + "(\(firstPurchase.isoDate)), \(history) days before as_of: no client had bought anything by then, so how much the clients' "
            + "own purchases predict the next is not learned from the data (their weights stay at Waymark's defaults). "
            + "To learn it, \(fix)"
    }

    /// The fewest buyers the training windows should hold before the fit stops stepping back.
    static let minimumBuyers = 200
    /// At most this many training windows (the newest and as many earlier ones).
    static let maximumWindows = 6

    /// Appends the training rows of the window (cutoff, end] to `set`: the population models fitted
    /// at `cutoff`, a sample of the clients who existed then with their history up to it and their
    /// purchases in the window. Returns how many clients were read.
    private func collect(cutoff: Timestamp, end: Timestamp, horizon: Int, catalog: Catalog, products: ProductDirectory,
                         into set: inout PropensityTrainingSet) throws -> Int {
        let settings = catalog.settings.propensity
        var atCutoff = try ModelFitter(connection: connection, kind: kind, settings: catalog.settings.lifetime, logger: logger).fit(asOf: cutoff).fittedModels
        atCutoff.propensity = PropensityModel(horizonDays: horizon, rates: try Self.rates(connection: connection, asOf: cutoff, windowDays: horizon))
        let engine = Engine(catalog: catalog, models: atCutoff, products: products)

        let existing = try connection.execute("SELECT count(*) FROM clients WHERE first_seen <= to_timestamp($1)", [.int(cutoff.seconds)]).scalar(Int.self)
        let sample = max(1, settings.trainingClients)
        let shard = existing > sample ? Shard(index: 0, count: min(4096, (existing + sample - 1) / sample)) : Shard.all
        var stream = SnapshotStream(configuration: configuration, shard: shard, asOf: cutoff)
        stream.timeBounds = SnapshotTimeBounds(cutoff: cutoff, purchasesUntil: end)
        stream.defaultCollationIsByteOrder = SnapshotTable.defaultCollationIsByteOrder(connection)
        var clients = 0
        var batch: [ClientSnapshot] = []
        let workers = max(1, workers)
        func flush() {
            guard !batch.isEmpty else { return }
            // Contiguous slices appended in order: the rows come out in client order whatever the
            // number of workers, so the fit is the same to the bit on any machine.
            let slices = min(workers, batch.count)
            let size = (batch.count + slices - 1) / slices
            let parts = Backtest.map(Array(0..<slices), workers: workers) { [batch] slice in
                var part = PropensityTrainingSet()
                for i in (slice * size)..<min(batch.count, (slice + 1) * size) {
                    engine.propensityRows(for: batch[i], cutoff: cutoff, end: end, into: &part)
                }
                return part
            }
            for part in parts { set.append(contentsOf: part) }
            batch.removeAll(keepingCapacity: true)
        }
        try stream.forEach { snapshot in
            clients += 1
            batch.append(snapshot)
            if batch.count >= 4096 { flush() }
        }
        flush()
        return clients
    }

    /// Buyers per category up to `asOf` and in the window before it: one aggregate query.
    static func rates(connection: Connection, asOf: Timestamp, windowDays: Int) throws -> PopulationRates {
        let result = try connection.execute("""
            SELECT pr.category, count(DISTINCT p.client_id)::float8,
                   count(DISTINCT p.client_id) FILTER (WHERE p.purchased_at > to_timestamp($2))::float8
            FROM purchases p JOIN products pr ON pr.product_id = p.product_id
            WHERE p.purchased_at <= to_timestamp($1)
            GROUP BY pr.category
            UNION ALL
            SELECT NULL, count(DISTINCT client_id)::float8,
                   count(DISTINCT client_id) FILTER (WHERE purchased_at > to_timestamp($2))::float8
            FROM purchases WHERE purchased_at <= to_timestamp($1)
            """, [.int(asOf.seconds), .int(asOf.adding(days: -windowDays).seconds)])
        var rates = PopulationRates(windowDays: windowDays)
        for row in result {
            let buyers = try row.decode(Double.self, at: 1), recent = try row.decode(Double.self, at: 2)
            if let category = try row.decode(String?.self, at: 0) {
                rates.categories[category] = PopulationRates.Counts(buyers: buyers, recentBuyers: recent)
            } else {
                rates.buyers = buyers
                rates.recentBuyers = recent
            }
        }
        return rates
    }
}

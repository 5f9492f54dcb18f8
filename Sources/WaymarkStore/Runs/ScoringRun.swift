import Foundation
import Synchronization
package import Logging
package import Postgres
package import WaymarkCore
package import WaymarkLifetime

/// The options of one nightly run (`waymark score`).
package struct ScoringOptions: Sendable {
    package var asOf: Timestamp
    package var shard: Shard = .all
    /// Offers per client; nil: the catalog's `top_offers`.
    package var top: Int?
    /// Scoring threads.
    package var workers: Int = ProcessInfo.processInfo.activeProcessorCount
    /// The lifetime model; nil: the catalog's `settings.lifetime.model` (default MBG/NBD).
    package var model: LifetimeModelKind?
    /// Clients per batch handed to a worker.
    package var batchSize = 256
    /// A pause after each batch (tests use it to kill a run in the middle); 0 in production.
    package var batchDelay: Double = 0
    /// Called after each batch is handed to the workers with the number of clients streamed so
    /// far; throwing aborts the run (tests use it to fail a run in the middle).
    package var afterBatch: (@Sendable (Int) throws -> Void)?

    package init(asOf: Timestamp) {
        self.asOf = asOf
    }
}

/// Progress of the scoring phase.
package struct ScoringProgress: Sendable {
    package var clientsDone: Int
    package var clientsTotal: Int
    package var elapsed: Double
}

/// The nightly run: lock, record, fit, stream and score, COPY results, publish.
///
/// 1. Takes the session advisory lock of the shard layout (see ``RunStore/lockKey(shard:)``);
///    when another session holds it, throws ``StoreError`` `.locked` naming the holder.
/// 2. Cleans up after runs of this layout that died (status `running`): marks them `failed` and
///    drops their result tables.
/// 3. Records the run (`scoring_runs`, status `running`) with the current catalog version and
///    the parameters; creates the run's result tables `client_scores_rN` and `recommendations_rN`
///    (not yet partitions: invisible to readers).
/// 4. Fits the models on all clients (``ModelFitter``) and stores them with the run.
/// 5. Streams the shard's snapshots (``SnapshotStream``), scores them on `workers` threads and
///    COPYs the results into the run's tables on two more connections, each of which then
///    adds its table's primary key and statistics. Memory is bounded by the queues between
///    the stages.
/// 6. Publishes in one transaction: attaches the tables as partitions, appends the stage changes
///    to `stage_history` dated when the client entered the stage (`stage_since`, from the
///    timeline; after the recorded stage, never after as_of), supersedes an earlier published run of the same night and shard, and
///    marks the run `published` with its summary.
///
/// A failure at any step marks the run `failed` and drops its tables; a killed process leaves a
/// `running` row and an unattached table, which the next run cleans up. Either way readers keep
/// seeing the previous run.
package struct ScoringRun {
    package var configuration: ConnectionConfiguration
    package var options: ScoringOptions
    package var logger: Logger
    /// Called from the scoring loop about twice a second.
    package var progress: (@Sendable (ScoringProgress) -> Void)?

    package init(configuration: ConnectionConfiguration, options: ScoringOptions,
                 logger: Logger = Logger(label: "waymark.score", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.configuration = configuration
        self.options = options
        self.logger = logger
    }

    /// Runs the whole night for this shard.
    ///
    /// - Returns: the published run's summary.
    /// - Throws: ``StoreError`` `.locked` (another run of this shard layout is going on),
    ///   `.notFound` (no catalog stored), `.databaseUnavailable` (cannot connect);
    ///   ``PostgresError`` when the database fails in the middle (nothing is published).
    package func run() throws -> RunSummary {
        let started = Date()
        let connection: Connection
        do {
            connection = try Connection(configuration: configuration, logger: logger)
        } catch {
            throw StoreError(.databaseUnavailable, "cannot connect to the database: \(error.userDescription)", underlying: error)
        }
        let store = RunStore(connection: connection)
        let key = try store.lockKey(shard: options.shard)
        guard try connection.tryAdvisoryLock(key: key) else {
            throw StoreError(.locked, try store.lockHolderMessage(shard: options.shard))
        }
        defer { _ = try? connection.advisoryUnlock(key: key) }
        try store.cleanUpDeadRuns(shard: options.shard)

        guard let catalog = try CatalogStore(connection: connection).loadCurrent() else {
            throw StoreError(.noCatalog, "no catalog is stored")
        }
        let products = try CatalogStore(connection: connection).products()
        let kind = options.model ?? LifetimeModelKind(rawValue: catalog.catalog.settings.lifetime.model) ?? .mbgnbd
        let parameters = """
            {"top": \(options.top.map(String.init) ?? "null"), "workers": \(options.workers), "model": "\(kind.rawValue)", \
            "pid": \(ProcessInfo.processInfo.processIdentifier), "backend_pid": \(connection.backendPID), \
            "host": \(ResultRows.quote(ProcessInfo.processInfo.hostName))}
            """
        let runID = try connection.execute("""
            INSERT INTO scoring_runs (as_of, catalog_version, shard_index, shard_count, parameters)
            VALUES (to_timestamp($1), $2, $3, $4, $5::jsonb) RETURNING run_id
            """, [.int(options.asOf.seconds), .int(catalog.version.version), .int(options.shard.index), .int(options.shard.count),
                  .jsonb(parameters)]).scalar(Int64.self)
        logger.info("run started", metadata: ["run": "\(runID)", "as_of": "\(options.asOf.isoDate)", "shard": "\(options.shard)"])
        do {
            let summary = try score(runID: runID, connection: connection, catalog: catalog, products: products, started: started)
            return summary
        } catch {
            logger.error("run failed", metadata: ["run": "\(runID)", "error": "\(error)"])
            if connection.transactionStatus != .idle { _ = try? connection.execute("ROLLBACK") }
            _ = try? store.discard(runID: runID, status: "failed")
            throw error
        }
    }

    private func score(runID: Int64, connection: Connection, catalog: CatalogStore.Loaded, products: ProductDirectory, started: Date) throws -> RunSummary {
        for table in ["client_scores", "recommendations"] {
            try connection.execute("""
                CREATE TABLE \(table)_r\(runID) (LIKE \(table) INCLUDING DEFAULTS INCLUDING CONSTRAINTS, CHECK (run_id = \(runID)))
                """)
            try Distributor.distributeLike("\(table)_r\(runID)", parent: table, connection)
        }
        try connection.execute(CadenceStateStore.createSQL(runID: runID))
        // Fit.
        let fitStart = Date()
        let lifetime = catalog.catalog.settings.lifetime
        let kind = options.model ?? LifetimeModelKind(rawValue: lifetime.model) ?? .mbgnbd
        var fitter = ModelFitter(connection: connection, kind: kind, settings: lifetime, logger: logger)
        fitter.helperConfiguration = configuration
        var models = try fitter.fit(asOf: options.asOf)
        models.propensity = try PropensityFitter(configuration: configuration, connection: connection, kind: kind, logger: logger)
            .fit(asOf: options.asOf, catalog: catalog.catalog, products: products)
        let modelsJSON = try JSONEncoder.sorted.encode(models)
        try connection.execute("UPDATE scoring_runs SET models = $2::jsonb WHERE run_id = $1", [.int(runID), .jsonb(modelsJSON)])
        let fitSeconds = Date().timeIntervalSince(fitStart)
        logger.info("models fitted", metadata: ["seconds": "\(fitSeconds)", "model_bytes": "\(modelsJSON.count)"])

        // Score.
        let scoreStart = Date()
        let total = try connection.execute("SELECT count(*) FROM clients WHERE \(options.shard.predicate())").scalar(Int.self)
        let engine = Engine(catalog: catalog.catalog, models: models.fittedModels, products: products)
        let tally = try scoreAll(runID: runID, catalogVersion: catalog.version.version, engine: engine, total: total,
                                 byteOrder: SnapshotTable.defaultCollationIsByteOrder(connection))
        let scoreSeconds = Date().timeIntervalSince(scoreStart)

        // Publish.
        // (The result tables got their primary keys and statistics from their writers.)
        let publishStart = Date()
        var summary = RunSummary(
            runID: runID, asOf: options.asOf.isoDate, shard: options.shard.description, catalogVersion: catalog.version.version,
            clients: tally.clients, recommendations: tally.offers + tally.messages, offers: tally.offers, messages: tally.messages,
            stages: tally.stages, stageChanges: tally.changes,
            topItems: tally.items.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(10)
                .map { RunSummary.ItemCount(item: $0.key, count: $0.value) },
            models: models, timings: [:], orphanRows: tally.orphans, modelBytes: modelsJSON.count,
            holdout: engine.catalog.holdout.map { RunSummary.HoldoutCounts(share: $0.share, salt: $0.salt, clients: tally.heldOut, withheld: tally.withheld) }
                ?? (tally.withheld > 0 ? RunSummary.HoldoutCounts(share: 0, salt: "", clients: 0, withheld: tally.withheld) : nil))
        if !catalog.catalog.cadences.isEmpty {
            summary.cadenceSteps = tally.cadenceSteps
            summary.cadenceWaiting = tally.cadenceWaiting
            summary.cadenceSkipped = tally.cadenceSkipped
        }
        try connection.transaction { connection in
            try connection.execute("SELECT 1 FROM scoring_runs WHERE run_id = $1 FOR UPDATE", [.int(runID)])
            try connection.execute("ALTER TABLE client_scores ATTACH PARTITION client_scores_r\(runID) FOR VALUES IN (\(runID))")
            try connection.execute("ALTER TABLE recommendations ATTACH PARTITION recommendations_r\(runID) FOR VALUES IN (\(runID))")
            try connection.execute("""
                INSERT INTO stage_history (client_id, changed_at, stage, previous, reason, run_id)
                SELECT client_id, least(coalesce(stage_since, to_timestamp($1)), to_timestamp($1)), stage, previous_stage, stage_reason, run_id
                FROM client_scores_r\(runID) WHERE stage_changed
                ON CONFLICT DO NOTHING
                """, [.int(options.asOf.seconds)])
            // The cadence states the run moved (a state moved since by a later answer stays).
            for statement in CadenceStateStore.mergeSQL(runID: runID) { try connection.execute(statement) }
            try connection.execute("""
                UPDATE scoring_runs SET status = 'superseded'
                WHERE status = 'published' AND run_id <> $1 AND as_of = to_timestamp($2) AND shard_count = $3 AND shard_index = $4
                """, [.int(runID), .int(options.asOf.seconds), .int(options.shard.count), .int(options.shard.index)])
            summary.timings = [
                "fit_seconds": fitSeconds, "score_seconds": scoreSeconds,
                "publish_seconds": Date().timeIntervalSince(publishStart), "total_seconds": Date().timeIntervalSince(started),
            ]
            try connection.execute("""
                UPDATE scoring_runs SET status = 'published', published_at = clock_timestamp(), finished_at = clock_timestamp(),
                summary = $2::jsonb WHERE run_id = $1
                """, [.int(runID), .jsonb(try JSONEncoder.sorted.encode(summary))])
        }
        logger.info("run published", metadata: ["run": "\(runID)", "clients": "\(tally.clients)"])
        if tally.clients > 0 && summary.recommendations == 0 && tally.withheld == 0 {
            // Published all the same (a run of nothing is a true answer), but never silently.
            let message = "no client was recommended anything: ask why for one with `waymark recommend CLIENT --explain --as-of \(options.asOf.isoDate)`; "
                + "clients imported without a consents column consent to nothing, so no offer on a channel that needs consent reaches "
                + "them (\(ContactPolicy.noConsentRemedy))"
            logger.warning("\(message)")
        }
        return summary
    }

    /// Counts gathered by the workers.
    struct Tally: Sendable {
        var clients = 0
        var offers = 0
        var messages = 0
        var orphans = 0
        var heldOut = 0
        var withheld = 0
        var stages: [String: Int] = [:]
        var changes: [String: Int] = [:]
        var items: [String: Int] = [:]
        /// Cadence steps going out, and waiting for the contact policy.
        var cadenceSteps = 0
        var cadenceWaiting = 0
        /// Steps skipped after waiting longer than their cadence's `max_wait_days`.
        var cadenceSkipped = 0

        mutating func merge(_ other: Tally) {
            clients += other.clients
            offers += other.offers
            messages += other.messages
            orphans += other.orphans
            heldOut += other.heldOut
            withheld += other.withheld
            stages.merge(other.stages, uniquingKeysWith: +)
            changes.merge(other.changes, uniquingKeysWith: +)
            items.merge(other.items, uniquingKeysWith: +)
            cadenceSteps += other.cadenceSteps
            cadenceWaiting += other.cadenceWaiting
            cadenceSkipped += other.cadenceSkipped
        }
    }

    /// Stream → workers → two COPY writers.
    private func scoreAll(runID: Int64, catalogVersion: Int64, engine: Engine, total: Int, byteOrder: Bool) throws -> Tally {
        let failure = FirstError()
        let work = BoundedQueue<[ClientSnapshot]>(capacity: max(2, options.workers * 2))
        let scoreRows = BoundedQueue<[ResultRows.ScoreRow]>(capacity: max(4, options.workers * 4))
        let recommendationRows = BoundedQueue<[ResultRows.RecommendationRow]>(capacity: max(4, options.workers * 4))
        let cadenceRows = BoundedQueue<[CadenceStateStore.Row]>(capacity: max(4, options.workers * 4))
        let tallies = TallyBox()
        let done = Counter()
        @Sendable func fail(_ error: any Error) {
            failure.record(error)
            work.cancel()
            scoreRows.cancel()
            recommendationRows.cancel()
            cadenceRows.cancel()
        }
        let configuration = configuration
        let asOf = options.asOf
        let recommendOptions = {
            var options = RecommendOptions(maxOffers: options.top, renderText: true)
            options.cadences = true
            return options
        }()

        /// One COPY writer thread: pops batches of rows and appends them field by field, then
        /// runs `finish` on its connection (the primary key, the statistics), so the two tables'
        /// index builds overlap each other and the end of scoring instead of waiting for publish.
        func writerThread<Row: Sendable>(table: String, columns: String, queue: BoundedQueue<[Row]>, finish: [String],
                                         write: @escaping @Sendable (Row, inout CopyInWriter) throws(PostgresError) -> Void) -> WorkerThread {
            WorkerThread(name: "waymark-write-\(table)") {
                do {
                    var named = configuration
                    named.applicationName = (configuration.applicationName ?? "waymark") + " writer"
                    let connection = try Connection(configuration: named)
                    try connection.copyIn("COPY \(table) (\(columns)) FROM STDIN") { writer in
                        while let rows = queue.pop() {
                            for row in rows { try write(row, &writer) }
                        }
                        if let error = failure.error { throw error }
                    }
                    for statement in finish where failure.error == nil {
                        try connection.execute(statement)
                    }
                } catch {
                    fail(error)
                }
            }
        }
        let writers = [
            writerThread(table: "client_scores_r\(runID)", columns: ResultRows.scoreColumns, queue: scoreRows, finish: [
                "ALTER TABLE client_scores_r\(runID) ADD PRIMARY KEY (run_id, client_id)",
                "ANALYZE client_scores_r\(runID)",
            ]) { row, writer throws(PostgresError) in
                try ResultRows.write(row, runID: runID, to: &writer)
            },
            // Statistics for the columns queries filter and group on: the message texts and the
            // explanation documents are never filtered on, and sampling them costs most of it.
            writerThread(table: "recommendations_r\(runID)", columns: ResultRows.recommendationColumns, queue: recommendationRows, finish: [
                "ALTER TABLE recommendations_r\(runID) ADD PRIMARY KEY (run_id, client_id, rank)",
                "ANALYZE recommendations_r\(runID) (run_id, client_id, rank, item_id, kind, channel, score)",
            ]) { row, writer throws(PostgresError) in
                try ResultRows.write(row, runID: runID, catalogVersion: catalogVersion, to: &writer)
            },
            writerThread(table: "cadence_states_r\(runID)", columns: CadenceStateStore.columns, queue: cadenceRows, finish: []) { row, writer throws(PostgresError) in
                try CadenceStateStore.write(row, to: &writer)
            },
        ]
        var workers: [WorkerThread] = []
        for index in 0..<max(1, options.workers) {
            workers.append(WorkerThread(name: "waymark-score-\(index)") {
                var tally = Tally()
                var json: [UInt8] = []
                json.reserveCapacity(2048)
                while let batch = work.pop() {
                    var scores: [ResultRows.ScoreRow] = []
                    var recommendations: [ResultRows.RecommendationRow] = []
                    var cadences: [CadenceStateStore.Row] = []
                    scores.reserveCapacity(batch.count)
                    recommendations.reserveCapacity(batch.count * 3)
                    for snapshot in batch {
                        let set = engine.recommend(for: snapshot, asOf: asOf, options: recommendOptions)
                        let inputs = DecisionInputs(snapshot: snapshot, asOf: asOf)
                        scores.append(ResultRows.ScoreRow(clientID: snapshot.id, scores: set.scores, holdout: set.heldOut, inputs: inputs))
                        recommendations += ResultRows.recommendationRows(clientID: snapshot.id, set, inputHash: inputs.hash, json: &json)
                        if set.heldOut { tally.heldOut += 1 }
                        tally.withheld += set.withheld.count
                        tally.clients += 1
                        tally.offers += set.offers.count
                        tally.messages += set.messages.count
                        tally.stages[set.scores.stage.rawValue, default: 0] += 1
                        if let transition = set.scores.transition { tally.changes[transition, default: 0] += 1 }
                        for r in set.all { tally.items[r.itemID, default: 0] += 1 }
                        for state in set.cadences.changed { cadences.append(CadenceStateStore.Row(clientID: snapshot.id, state: state)) }
                        tally.cadenceSteps += set.cadenceSteps.count
                        let skipped = set.cadences.due.count { $0.skipped }
                        tally.cadenceSkipped += skipped
                        tally.cadenceWaiting += set.cadences.due.count - set.cadenceSteps.count - skipped
                    }
                    guard scoreRows.push(scores), recommendationRows.push(recommendations),
                          cadences.isEmpty || cadenceRows.push(cadences) else { break }
                    done.add(batch.count)
                }
                tallies.add(tally)
            })
        }

        var orphans = 0
        do {
            var stream = SnapshotStream(configuration: configuration, shard: options.shard, asOf: options.asOf)
            stream.defaultCollationIsByteOrder = byteOrder
            var batch: [ClientSnapshot] = []
            batch.reserveCapacity(options.batchSize)
            let startedAt = Date()
            var lastReport = Date.distantPast
            let progress = progress
            let delay = options.batchDelay
            let batchSize = options.batchSize
            let afterBatch = options.afterBatch
            var streamed = 0
            orphans = try stream.forEach { snapshot in
                batch.append(snapshot)
                if batch.count >= batchSize {
                    guard work.push(batch) else { throw failure.error ?? CancellationError() }
                    streamed += batch.count
                    batch.removeAll(keepingCapacity: true)
                    try afterBatch?(streamed)
                    if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                    if let progress, Date().timeIntervalSince(lastReport) > 0.5 {
                        lastReport = Date()
                        progress(ScoringProgress(clientsDone: done.value, clientsTotal: total, elapsed: Date().timeIntervalSince(startedAt)))
                    }
                }
            }
            if !batch.isEmpty { work.push(batch) }
            work.close()
        } catch {
            fail(error)
        }
        for worker in workers { worker.join() }
        scoreRows.close()
        recommendationRows.close()
        cadenceRows.close()
        for writer in writers { writer.join() }
        if let error = failure.error { throw error }
        var tally = tallies.total
        tally.orphans = orphans
        if let progress { progress(ScoringProgress(clientsDone: tally.clients, clientsTotal: total, elapsed: 0)) }
        return tally
    }
}

/// Workers' tallies, merged under a mutex.
final class TallyBox: Sendable {
    private let tally = Mutex(ScoringRun.Tally())
    func add(_ other: ScoringRun.Tally) {
        tally.withLock { $0.merge(other) }
    }
    var total: ScoringRun.Tally {
        tally.withLock { $0 }
    }
}

/// A shared counter.
final class Counter: Sendable {
    private let count = Atomic(0)
    func add(_ n: Int) {
        count.add(n, ordering: .relaxed)
    }
    var value: Int {
        count.load(ordering: .relaxed)
    }
}

extension JSONEncoder {
    /// Sorted keys, for stable stored JSON.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }
}

package import Logging
package import Postgres

/// Distributes a migrated schema over a Citus cluster (`waymark migrate --distribute`,
/// docs/scale-out.md).
///
/// Which table goes where follows from the schema, so a table a later migration adds is placed
/// by the same rule:
/// - every table with a `client_id` column is distributed by `client_id`, all in one co-location
///   group anchored on `clients` (a client's rows of every table live on one node, so the
///   per-client joins run on the workers);
/// - `products` is a reference table (a copy on every node, joined with purchases everywhere);
/// - the rest stays on the coordinator as plain tables: the control tables `catalogs`,
///   `scoring_runs`, `schema_migrations` (small, and `catalog load`'s and `score`'s SQL needs
///   them local).
///
/// A partition follows its parent (the published runs of `client_scores` and `recommendations`);
/// a run's own scratch tables (`…_rN`) are left to the run, which distributes them itself
/// (``ScoringRun``). Running it again distributes only what is new.
package struct Distributor {
    package let connection: Connection
    package var logger: Logger

    package init(connection: Connection, logger: Logger = Logger(label: "waymark.migrate", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.connection = connection
        self.logger = logger
    }

    /// The reference tables: small, read by every node.
    static let referenceTables: Set<String> = ["products"]

    /// The table the co-location group is anchored on.
    static let anchor = "clients"

    /// What `distribute` did, and where everything is.
    package struct Outcome: Sendable, Equatable {
        /// Tables distributed by this call, in order.
        package var distributed: [String] = []
        /// Tables made reference tables by this call.
        package var referenced: [String] = []
        /// Tables that were distributed or reference tables already.
        package var already: [String] = []
        /// Tables kept on the coordinator.
        package var local: [String] = []
        /// The shard count of the co-location group.
        package var shardCount = 0
        /// The worker nodes of the cluster (0: the coordinator holds the shards itself).
        package var workers = 0
    }

    /// Whether the database has the citus extension and `clients` is distributed: a schema
    /// `migrate --distribute` has run on.
    package static func isDistributed(_ connection: Connection) throws(PostgresError) -> Bool {
        guard try connection.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").scalar(Bool.self) else {
            return false
        }
        return try isDistributed(table: anchor, connection)
    }

    /// Whether `table` (resolved on the search path) is a distributed table. Only valid when
    /// the citus extension is installed.
    static func isDistributed(table: String, _ connection: Connection) throws(PostgresError) -> Bool {
        try connection.execute("""
            SELECT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = to_regclass($1) AND partmethod = 'h')
            """, [.text(table)]).scalar(Bool.self)
    }

    /// Distributes a run's scratch table (`client_scores_rN`, …) as its `parent` is, co-located,
    /// so the run's COPY writes to the shards and publishing attaches it without moving a row.
    /// Nothing to do when `parent` is a plain table.
    ///
    /// - Throws: ``PostgresError`` when the database fails.
    static func distributeLike(_ table: String, parent: String, _ connection: Connection) throws(PostgresError) {
        guard try connection.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").scalar(Bool.self),
              try isDistributed(table: parent, connection) else { return }
        try connection.execute("SELECT create_distributed_table($1::regclass, 'client_id', colocate_with => $2)", [.text(table), .text(parent)])
    }

    /// Distributes what is not distributed yet.
    ///
    /// - Parameter shardCount: the shard count of a new co-location group (nil: Citus's
    ///   `citus.shard_count`, 32 by default); when the schema is distributed already it must
    ///   match, or be nil.
    /// - Throws: ``StoreError`` `.failure` when the citus extension is missing or the schema is
    ///   not migrated, `.invalidInput` when `shardCount` differs from the existing group's;
    ///   ``PostgresError`` when Citus refuses a table.
    package func distribute(shardCount: Int? = nil) throws -> Outcome {
        let database = try connection.execute("SELECT current_database()").scalar(String.self)
        guard try connection.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").scalar(Bool.self) else {
            throw StoreError(.failure, """
                the citus extension is not installed in database \(database); to fix: install Citus on the coordinator and \
                every worker (docs/scale-out.md says how), add shared_preload_libraries = 'citus' to their postgresql.conf \
                and restart them, run CREATE EXTENSION citus in \(database) on each, register the workers on the \
                coordinator (SELECT citus_add_node('worker-host', 5432)), then run waymark migrate --distribute again
                """)
        }
        try connection.execute("SELECT pg_advisory_lock($1)", [.int(Migrator.lockKey)])
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock($1)", [.int(Migrator.lockKey)]) }

        // The schema's tables: name, qualified name, whether it has client_id, its Citus kind
        // (h: distributed, n: reference, nil: local). Temporary and unlogged tables, partitions
        // and the runs' scratch tables are not placed here.
        let rows = try connection.execute("""
            SELECT c.relname, format('%I.%I', n.nspname, c.relname),
                   EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'client_id' AND NOT a.attisdropped),
                   (SELECT d.partmethod::text FROM pg_dist_partition d WHERE d.logicalrelid = c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
              AND NOT c.relispartition AND c.relname !~ '_r[0-9]+$'
            ORDER BY c.relname <> $1, c.relname
            """, [.text(Self.anchor)])
        struct Table { var name: String; var qualified: String; var hasClientID: Bool; var method: String? }
        let tables = try rows.map { row in
            Table(name: try row.decode(String.self, at: 0), qualified: try row.decode(String.self, at: 1),
                  hasClientID: try row.decode(Bool.self, at: 2), method: try row.decode(String?.self, at: 3))
        }
        guard let anchor = tables.first(where: { $0.name == Self.anchor }) else {
            throw StoreError(.failure, "there is no \(Self.anchor) table in schema \(try connection.execute("SELECT current_schema()").scalar(String.self)) of database \(database): run waymark migrate first")
        }

        var outcome = Outcome()
        outcome.workers = try connection.execute("""
            SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND isactive AND groupid <> 0
            """).scalar(Int.self)
        if anchor.method == "h" {
            outcome.shardCount = try shardCountOf(anchor.qualified)
            if let shardCount, shardCount != outcome.shardCount {
                throw StoreError(.invalidInput, """
                    the schema is distributed in \(outcome.shardCount) shards already, not \(shardCount); to change it: \
                    SELECT alter_distributed_table('\(anchor.qualified)', shard_count => \(shardCount), cascade_to_colocated => true) \
                    on the coordinator (it rewrites every distributed table), or leave out --shard-count
                    """)
            }
        }
        for table in tables {
            if table.method != nil {
                outcome.already.append(table.name)
            } else if Self.referenceTables.contains(table.name) {
                logger.info("creating a reference table", metadata: ["table": "\(table.name)"])
                try placing(table.qualified) { try connection.execute("SELECT create_reference_table($1::regclass)", [.text(table.qualified)]) }
                outcome.referenced.append(table.name)
            } else if table.hasClientID {
                logger.info("distributing by client_id", metadata: ["table": "\(table.name)"])
                try placing(table.qualified) {
                    if table.name == Self.anchor {
                        try connection.execute("SELECT create_distributed_table($1::regclass, 'client_id', shard_count => $2::int)",
                                               [.text(table.qualified), shardCount.map { .int($0) }])
                    } else {
                        try connection.execute("SELECT create_distributed_table($1::regclass, 'client_id', colocate_with => $2)",
                                               [.text(table.qualified), .text(anchor.qualified)])
                    }
                }
                outcome.distributed.append(table.name)
            } else {
                outcome.local.append(table.name)
            }
        }
        outcome.shardCount = try shardCountOf(anchor.qualified)
        return outcome
    }

    /// Runs a create_…_table call and removes the coordinator's copy of rows it moved to the
    /// shards (Citus leaves them on disk, invisible).
    private func placing(_ table: String, _ create: () throws -> Void) throws {
        let hadRows = try connection.execute("SELECT EXISTS (SELECT 1 FROM \(table))").scalar(Bool.self)
        try create()
        if hadRows {
            try connection.execute("SELECT truncate_local_data_after_distributing_table($1::regclass)", [.text(table)])
        }
    }

    private func shardCountOf(_ table: String) throws -> Int {
        try connection.execute("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = $1::regclass", [.text(table)]).scalar(Int.self)
    }
}

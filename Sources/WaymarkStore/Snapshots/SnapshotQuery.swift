import Postgres

/// The one builder of the live snapshot statement, for one client (``SnapshotLoader``) or for
/// a group of clients read together (``LiveContext/loadBatch(_:connection:)``).
///
/// Every table of the snapshot is one `UNION ALL` branch, tagged with its ``SnapshotTable`` raw
/// value and padded to ``width`` text columns, decoded by the same code as the nightly
/// stream's; a last branch (tag ``freshnessTag``) carries the newest stored catalog version
/// and the current run ids.
enum SnapshotQuery {
    /// Which clients the statement reads.
    enum Shape {
        /// `$1` the client id, `$2` the epoch second up to which the stage history counts.
        case single
        /// As `single`, and the stage history only as it was known at `$3` (epoch seconds): rows
        /// written by runs published before then (an audit replaying a decision).
        case audit
        /// `$1` the distinct client ids; `$2` and `$3` the client ids and epoch seconds
        /// (pairwise) for which the latest recorded stage is read. A stage row has the epoch
        /// second it was read for after its own columns.
        case batch
    }

    /// The tag of the freshness row (past every ``SnapshotTable`` raw value).
    static let freshnessTag = SnapshotTable.allCases.count

    /// The columns each table's SELECT returns, by raw value.
    static let columnCounts = [10, 8, 3, 5, 6, 4, 4, 10, 8]

    /// The widest table's column count; every branch is padded to it.
    static let width = 10

    static let single = sql(.single)
    static let audit = sql(.audit)
    static let batch = sql(.batch)

    /// The statement's text for `shape`. Columns: the tag, then up to ``width`` text fields.
    static func sql(_ shape: Shape) -> String {
        func branch(_ tag: Int, _ columns: [String], from: String) -> String {
            let padded = columns + [String](repeating: "NULL::text", count: width - columns.count)
            return "SELECT \(tag)::int2, \(padded.joined(separator: ", ")) FROM \(from)"
        }
        var branches: [String] = []
        for table in SnapshotTable.allCases where table != .stage {
            let count = columnCounts[table.rawValue]
            let names = (1...count).map { "c\($0)" }
            // clients.do_not_contact is boolean: as text it must read "t"/"f", as on the wire.
            let columns = names.enumerated().map { offset, name in
                table == .clients && offset == 8 ? "CASE WHEN \(name) THEN 't' ELSE 'f' END" : "\(name)::text"
            }
            let alias = "t\(table.rawValue)(\(names.joined(separator: ", ")))"
            switch shape {
            case .single, .audit:
                let inner = table.select(where: "client_id = $1", stageBefore: 0, ordered: false)
                branches.append(branch(table.rawValue, columns, from: "(\(inner)) AS \(alias)"))
            case .batch where table == .clients:
                // One index lookup per id (client_id is the key): `= ANY` on a small table is
                // planned as a scan comparing every row with every id.
                let inner = table.select(where: "client_id = k.id", stageBefore: 0, ordered: false)
                branches.append(branch(table.rawValue, columns, from: "unnest($1::text[]) AS k(id) CROSS JOIN LATERAL (\(inner) LIMIT 1) AS \(alias)"))
            case .batch:
                let inner = table.select(where: "client_id = ANY($1::text[])", stageBefore: 0, ordered: false)
                branches.append(branch(table.rawValue, columns, from: "(\(inner)) AS \(alias)"))
            }
        }
        switch shape {
        case .single:
            branches.append("(" + branch(SnapshotTable.stage.rawValue,
                                         ["client_id::text", "stage::text", "floor(extract(epoch FROM changed_at))::bigint::text", "previous::text"],
                                         from: "stage_history WHERE client_id = $1 AND changed_at <= to_timestamp($2::bigint) ORDER BY changed_at DESC LIMIT 1") + ")")
        case .audit:
            branches.append("(" + branch(SnapshotTable.stage.rawValue,
                                         ["client_id::text", "stage::text", "floor(extract(epoch FROM changed_at))::bigint::text", "previous::text"],
                                         from: """
                                            stage_history WHERE client_id = $1 AND changed_at <= to_timestamp($2::bigint)
                                            AND (run_id IS NULL OR run_id IN (SELECT run_id FROM scoring_runs WHERE published_at < to_timestamp($3::float8)))
                                            ORDER BY changed_at DESC LIMIT 1
                                            """) + ")")
        case .batch:
            branches.append(branch(SnapshotTable.stage.rawValue, [
                "s.client_id::text", "s.stage::text", "floor(extract(epoch FROM s.changed_at))::bigint::text", "s.previous::text",
                "k.before::text",
            ], from: """
                unnest($2::text[], $3::int8[]) AS k(client_id, before) CROSS JOIN LATERAL (
                    SELECT client_id, stage, changed_at, previous FROM stage_history
                    WHERE client_id = k.client_id AND changed_at <= to_timestamp(k.before)
                    ORDER BY changed_at DESC LIMIT 1) AS s
                """))
        }
        branches.append(branch(freshnessTag, [
            "(SELECT max(version) FROM catalogs)::text",
            "(SELECT coalesce(string_agg(run_id::text, ',' ORDER BY shard_index), '') FROM current_runs)",
        ], from: "(VALUES (1)) AS f(one)"))
        return branches.joined(separator: "\nUNION ALL\n")
    }

    /// Decodes the rows of a snapshot statement's result: the freshness branch into `freshness`,
    /// every other row into its table's row, handed to `body` with its result index, its table's
    /// column count and its client id.
    static func decode(_ result: QueryResult, freshness: inout SnapshotLoader.Freshness,
                       _ body: (_ index: Int, _ columns: Int, _ clientID: String, _ row: SnapshotRow) -> Void) {
        var decoders = SnapshotTable.allCases.map { SnapshotLineDecoder(table: $0) }
        for index in 0..<result.rowCount {
            guard let tag = result[index, 0].flatMap({ Int($0) }) else { continue }
            if tag == freshnessTag {
                freshness.catalogVersion = result[index, 1].flatMap { Int64($0) }
                freshness.runIDs = (result[index, 2] ?? "").split(separator: ",").compactMap { Int64($0) }
                continue
            }
            guard SnapshotTable(rawValue: tag) != nil else { continue }
            let count = columnCounts[tag]
            // Read in place: each field's bytes straight from the result (alive for the whole
            // loop), no String per field; texts that repeat are made once (the decoder interns).
            guard let (clientID, row) = decoders[tag].decode(count: count, field: { result.bytes(row: index, column: $0 + 1) })
            else { continue }
            body(index, count, clientID, row)
        }
    }
}

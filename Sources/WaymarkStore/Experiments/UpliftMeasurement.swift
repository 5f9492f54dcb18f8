package import Postgres
package import WaymarkCore

/// What `waymark uplift` reports: per item and overall, treated against held-out clients.
package struct UpliftReport: Sendable, Hashable {
    package var since: Timestamp
    package var until: Timestamp
    /// The runs whose decisions are measured.
    package var runIDs: [Int64]
    package var overall: UpliftEstimate
    package var items: [UpliftEstimate]
}

/// Measures uplift from the runs' decisions: the offers sent and the ones the holdout withheld
/// (`recommendations.holdout`), and the purchases that followed.
///
/// A client's first decision about an item in the window counts (the holdout is sticky, so a
/// client stays in one group); the outcome is a purchase of the offer's product (or, for an
/// offer of a category, of any product of it) after that run's as_of and before `until`.
/// Overall, a client of the catalog's holdout (`client_scores.holdout`) who would have been
/// offered anything is compared with the other clients who were offered something; the
/// outcome is buying any of the items offered (or withheld).
package struct UpliftMeasurement {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// - Parameters:
    ///   - since: runs with an as_of from this moment …
    ///   - until: … to before this one; purchases count until then too.
    /// - Throws: ``StoreError`` `.noPublishedRun` when no published run falls in the window; ``PostgresError``.
    package func measure(since: Timestamp, until: Timestamp) throws -> UpliftReport {
        let runs = try connection.execute("""
            SELECT r.run_id, r.catalog_version FROM scoring_runs r
            WHERE r.status = 'published' AND r.as_of >= to_timestamp($1::bigint) AND r.as_of < to_timestamp($2::bigint)
              AND EXISTS (SELECT 1 FROM pg_class WHERE relname = 'recommendations_r' || r.run_id AND relispartition)
            ORDER BY r.run_id
            """, [.int(since.seconds), .int(until.seconds)])
        let runIDs = try runs.map { try $0.decode(Int64.self, at: 0) }
        guard !runIDs.isEmpty else {
            throw StoreError(.noPublishedRun, "no published run has an as_of from \(since.isoDate) to before \(until.isoDate): widen --since/--until (see `waymark runs list`)")
        }
        // The offers' products and categories, from the catalogs the runs used.
        var itemIDs: [String] = [], productIDs: [String?] = [], categories: [String?] = []
        let store = CatalogStore(connection: connection)
        for version in Set(try runs.map { try $0.decode(Int64?.self, at: 1) }.compactMap { $0 }).sorted(by: >) {
            guard let catalog = try? store.load(version: version) else { continue }
            for item in catalog.catalog.items where item.kind == .offer && !itemIDs.contains(item.id) {
                itemIDs.append(item.id)
                productIDs.append(item.product)
                categories.append(item.category)
            }
        }
        let rows = try connection.execute("""
            WITH exposures AS (
                SELECT DISTINCT ON (rec.client_id, rec.item_id) rec.client_id, rec.item_id, rec.holdout, s.holdout AS client_holdout, runs.as_of
                FROM recommendations rec
                JOIN scoring_runs runs ON runs.run_id = rec.run_id
                JOIN client_scores s ON s.run_id = rec.run_id AND s.client_id = rec.client_id
                WHERE rec.run_id = ANY($1::int8[]) AND rec.kind = 'offer'
                ORDER BY rec.client_id, rec.item_id, runs.as_of, rec.run_id
            ), items AS (
                SELECT * FROM unnest($2::text[], $3::text[], $4::text[]) AS i(item_id, product_id, category)
            ), outcomes AS (
                SELECT e.client_id, e.item_id, e.holdout, e.client_holdout, b.amount
                FROM exposures e JOIN items i ON i.item_id = e.item_id
                LEFT JOIN LATERAL (
                    SELECT p.amount FROM purchases p JOIN products pr ON pr.product_id = p.product_id
                    WHERE p.client_id = e.client_id AND p.purchased_at >= e.as_of AND p.purchased_at < to_timestamp($5::bigint)
                      AND (CASE WHEN i.product_id IS NOT NULL THEN p.product_id = i.product_id ELSE pr.category = i.category END)
                    ORDER BY p.purchased_at LIMIT 1) b ON true
            )
            SELECT item_id, holdout, count(*)::int8, count(amount)::int8, coalesce(sum(amount), 0)::float8 FROM outcomes GROUP BY 1, 2
            UNION ALL
            SELECT NULL, client_holdout, count(*)::int8, count(*) FILTER (WHERE bought)::int8, coalesce(sum(amount), 0)::float8 FROM (
                SELECT client_id, bool_and(client_holdout) AS client_holdout, bool_or(amount IS NOT NULL) AS bought, max(amount) AS amount
                FROM outcomes GROUP BY client_id) c
            GROUP BY 2
            """, [.intArray(runIDs.map(Optional.some)), .textArray(itemIDs), .textArray(productIDs), .textArray(categories), .int(until.seconds)])
        struct Group { var n = 0, buyers = 0, amount = 0.0 }
        var groups: [String: (treated: Group, heldOut: Group)] = [:]
        let overallKey = "\u{0}overall"
        for row in rows {
            let key = try row.decode(String?.self, at: 0) ?? overallKey
            let group = Group(n: try row.decode(Int.self, at: 2), buyers: try row.decode(Int.self, at: 3), amount: try row.decode(Double.self, at: 4))
            var entry = groups[key] ?? (Group(), Group())
            if try row.decode(Bool.self, at: 1) { entry.heldOut = group } else { entry.treated = group }
            groups[key] = entry
        }
        func estimate(_ item: String, _ entry: (treated: Group, heldOut: Group)) -> UpliftEstimate {
            let buyers = entry.treated.buyers + entry.heldOut.buyers
            return UpliftEstimate(item: item, treated: entry.treated.n, treatedBuyers: entry.treated.buyers, heldOut: entry.heldOut.n,
                                  heldOutBuyers: entry.heldOut.buyers,
                                  meanValue: buyers > 0 ? (entry.treated.amount + entry.heldOut.amount) / Double(buyers) : 0)
        }
        let items = groups.filter { $0.key != overallKey }.sorted { $0.key < $1.key }.map { estimate($0.key, $0.value) }
        return UpliftReport(since: since, until: until, runIDs: runIDs,
                            overall: estimate("overall", groups[overallKey] ?? (Group(), Group())), items: items)
    }
}

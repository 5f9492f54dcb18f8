package import Postgres
package import WaymarkCore

/// Reads the stage history and the purchase occasions of every client for `waymark journeys`.
///
/// One streamed `COPY` in `client_id` order, each client's history aggregated beside it (a
/// co-located subquery per client, as Citus distributes it); nothing but the running counts of
/// ``JourneyAccumulator`` is kept in memory.
package struct JourneyReader {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// The journey map as of `asOf` (history up to that moment).
    ///
    /// - Parameters:
    ///   - since: count only the changes of stage from this moment on.
    ///   - conversionDays: the N of "a purchase within N days of entering a stage".
    ///   - dimension: group clients into cohorts by this, too.
    /// - Throws: ``PostgresError`` when the database fails (an empty database is not an error: the map is empty).
    package func map(asOf: Timestamp, since: Timestamp? = nil, conversionDays: Int = 30,
                     by dimension: JourneyCohortDimension? = nil) throws -> JourneyMap {
        var accumulator = JourneyAccumulator(asOf: asOf, since: since, conversionDays: conversionDays, by: dimension)
        // Only integers are interpolated (COPY takes no parameters).
        let end = "to_timestamp(\(asOf.seconds))"
        let cohort: String
        switch dimension {
        case nil: cohort = "''"
        case .segment: cohort = "coalesce(nullif(c.segment, ''), '(none)')"
        case .channel: cohort = "CASE WHEN f.client_id IS NULL THEN '(no purchase)' ELSE coalesce(nullif(f.channel, ''), '(unknown)') END"
        case .firstProduct: cohort = "coalesce(f.product_id, '(no purchase)')"
        }
        let first = dimension == .channel || dimension == .firstProduct ? """
            LEFT JOIN LATERAL (SELECT p.client_id, p.product_id, p.channel FROM purchases p
                               WHERE p.client_id = c.client_id AND p.purchased_at <= \(end)
                               ORDER BY p.purchased_at, p.purchase_id LIMIT 1) f ON true
            """ : ""
        try connection.copyOut("""
            COPY (SELECT c.client_id, \(cohort),
                  (SELECT string_agg(extract(epoch FROM h.changed_at)::bigint || ':' || h.stage, ' ' ORDER BY h.changed_at, h.stage)
                   FROM stage_history h WHERE h.client_id = c.client_id AND h.changed_at <= \(end)),
                  (SELECT string_agg(t::text, ' ' ORDER BY t) FROM (
                      SELECT DISTINCT extract(epoch FROM p.purchased_at)::bigint AS t FROM purchases p
                      WHERE p.client_id = c.client_id AND p.purchased_at <= \(end)) o)
                  FROM clients c \(first)
                  ORDER BY c.client_id) TO STDOUT
            """) { fields in
            guard let history = fields[2], !history.isEmpty else { return }
            let stages = history.split(separator: " ").compactMap { pair -> JourneyClient.StageEntry? in
                guard let colon = pair.firstIndex(of: ":"), let seconds = Int64(pair[..<colon]) else { return nil }
                return JourneyClient.StageEntry(at: Timestamp(seconds: seconds), stage: String(pair[pair.index(after: colon)...]))
            }
            let purchases = (fields[3] ?? "").split(separator: " ").compactMap { Int64($0).map(Timestamp.init(seconds:)) }
            accumulator.add(JourneyClient(cohort: fields[1] ?? "", stages: stages, purchases: purchases))
        }
        return accumulator.map()
    }
}

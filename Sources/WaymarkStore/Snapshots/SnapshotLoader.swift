package import Postgres
package import WaymarkCore

/// Loads one client's snapshot: the interactive path (an advisor's request, the stdio server).
///
/// Seven small indexed queries (profile, purchases with their products' categories, life
/// events, interactions, responses, ledger entries, the latest recorded stage), each a lookup on
/// the `client_id` leading its table's primary key.
package struct SnapshotLoader {
    package let connection: Connection

    package init(connection: Connection) {
        self.connection = connection
    }

    /// The snapshot of `clientID`, with the stage recorded at or before `asOf`.
    ///
    /// - Returns: nil when there is no such client.
    /// - Throws: ``PostgresError`` when a query fails.
    package func load(clientID: String, asOf: Timestamp) throws -> ClientSnapshot? {
        var snapshot: ClientSnapshot?
        for table in SnapshotTable.allCases {
            let sql = table.select(where: "client_id = $1", stageBefore: asOf.seconds, ordered: false)
            let result = try connection.execute(sql, [.text(clientID)])
            if table == .clients {
                guard result.rowCount == 1, let (_, row) = table.decode(Self.fields(result, row: 0)),
                      case .profile(let profile) = row else { return nil }
                snapshot = ClientSnapshot(profile: profile)
                continue
            }
            for index in 0..<result.rowCount {
                if let (_, row) = table.decode(Self.fields(result, row: index)) { snapshot?.add(row) }
            }
        }
        return snapshot
    }

    static func fields(_ result: QueryResult, row: Int) -> [String?] {
        (0..<result.columnCount).map { result[row, $0] }
    }
}


extension LiveStore {
    /// Replays a stored decision: run `runID`'s rows for the client, or the logged live answer
    /// `decisionID` (see ``DecisionAudit``).
    ///
    /// - Throws: ``StoreError`` `.runNotFound`, `.notFound` (nothing stored to replay),
    ///   `.invalidInput`, `.databaseUnavailable`, `.conflict`.
    package func replay(clientID: String, runID: Int64?, decisionID: Int64?) throws -> DecisionReplay {
        try session.withConnection { connection in
            let audit = DecisionAudit(connection: connection)
            if let runID { return try audit.replay(runID: runID, clientID: clientID) }
            return try audit.replay(decisionID: decisionID ?? 0, clientID: clientID)
        }
    }
}

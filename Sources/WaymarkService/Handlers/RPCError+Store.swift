import WaymarkStore

extension RPCError {
    /// The protocol error for a Store error, as docs/protocol.md lists them: -32003 the database
    /// is unavailable, -32004 a conflict, -32001 an unknown client, -32005 no catalog yet, -32006 not yet a client,
    /// -32002 a write naming an unknown product; nil for any other (an internal error).
    ///
    /// - Parameter clientID: the client the call asked for, for -32001.
    static func from(_ error: StoreError, clientID: String?) -> RPCError? {
        switch error.code {
        case .databaseUnavailable:
            return .databaseUnavailable(retryAfterMilliseconds: error.retryAfterMilliseconds)
        case .conflict:
            return .conflict()
        case .notFound:
            return clientID.map { .clientNotFound($0) }
        case .notYetClient:
            guard let clientID, let dates = error.notYetClient else { return nil }
            return .notYetClient(clientID, firstSeen: dates.firstSeen, asOf: dates.asOf)
        case .noCatalog:
            return .notReady("no catalog is loaded: load one with `waymark catalog load FILE`")
        case .missingReference:
            guard let reference = error.reference else { return nil }
            if reference.column == "client_id" { return .clientNotFound(reference.value) }
            return .validationFailed([ParamProblem(path: "params." + reference.column,
                                                   message: "unknown \(reference.what) '\(reference.value)': import or create it first")])
        default:
            return nil
        }
    }

    /// The answer to an error no method expected: -32003 for a lost database, otherwise -32603 with
    /// `reference`, and for a database error (or a Store error) its message as `detail`: what the
    /// database reported and what to do, without the statement (``StoreError/classifying(databaseFailure:)``).
    static func unexpected(_ error: any Error, reference: String) -> RPCError {
        let store = StoreError.classifying(databaseFailure: error) ?? (error as? StoreError)
        if let store, store.code == .databaseUnavailable {
            return .databaseUnavailable(retryAfterMilliseconds: store.retryAfterMilliseconds)
        }
        return .internalError(reference: reference, detail: store?.message)
    }

    /// Runs a Store call, turning its ``StoreError`` into the protocol's error (see
    /// ``from(_:clientID:)``); other errors pass through.
    static func mapping<T>(clientID: String?, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            if let rpc = from(error, clientID: clientID) { throw rpc }
            throw error
        }
    }
}

package import WaymarkCore

/// A JSON-RPC 2.0 error object: a code, a short message and optional structured data.
///
/// The standard codes are those of the specification; the application codes (-32001 …) are
/// documented in docs/protocol.md. Messages never carry internals (SQL, stack traces, paths).
package struct RPCError: Error, Sendable, Equatable {
    package var code: Int
    package var message: String
    package var data: JSONValue?

    package init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// The error object as JSON.
    package var json: JSONValue {
        var object: JSONObject = ["code": .integer(code), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    // MARK: Standard codes

    package static let parseErrorCode = -32700
    package static let invalidRequestCode = -32600
    package static let methodNotFoundCode = -32601
    package static let invalidParamsCode = -32602
    package static let internalErrorCode = -32603

    // MARK: Application codes

    /// The client does not exist.
    package static let clientNotFoundCode = -32001
    /// The params are well formed but the data refuses them (an unknown product, say).
    package static let validationFailedCode = -32002
    /// The database cannot be reached; the server keeps trying to reconnect.
    package static let databaseUnavailableCode = -32003
    /// A concurrent write got in the way; retrying the same call is safe.
    package static let conflictCode = -32004
    /// What the method needs does not exist yet: no catalog loaded, no published run.
    package static let notReadyCode = -32005
    /// The client exists but not yet at the `as_of` asked for (before its `first_seen`).
    package static let notYetClientCode = -32006

    /// -32700: the line is not JSON (or not UTF-8).
    package static func parseError(_ detail: String) -> RPCError {
        RPCError(code: parseErrorCode, message: "Parse error", data: .object(["detail": .string(detail)]))
    }

    /// -32600: the JSON is not a valid request object.
    package static func invalidRequest(_ detail: String) -> RPCError {
        RPCError(code: invalidRequestCode, message: "Invalid Request", data: .object(["detail": .string(detail)]))
    }

    /// -32601: no such method.
    package static func methodNotFound(_ method: String, known: [String]) -> RPCError {
        var data: JSONObject = ["method": .string(method)]
        if let suggestion = suggest(method, in: known) { data["did_you_mean"] = .string(suggestion) }
        return RPCError(code: methodNotFoundCode, message: "Method not found", data: .object(data))
    }

    /// -32602 with one entry per bad field (`{"path": "params.amount", "message": …}`).
    package static func invalidParams(_ problems: [ParamProblem]) -> RPCError {
        RPCError(code: invalidParamsCode, message: "Invalid params", data: .object(["errors": .array(problems.map(\.json))]))
    }

    /// -32603, with an opaque reference the log line carries too, and for a database error what
    /// failed and what to do in plain words (`detail`); never SQL or a stack trace.
    package static func internalError(reference: String, detail: String? = nil) -> RPCError {
        var data: JSONObject = ["reference": .string(reference)]
        if let detail { data["detail"] = .string(detail) }
        return RPCError(code: internalErrorCode, message: "Internal error", data: .object(data))
    }

    /// -32001.
    package static func clientNotFound(_ clientID: String) -> RPCError {
        RPCError(code: clientNotFoundCode, message: "Client not found",
                 data: .object(["client_id": .string(clientID)]))
    }

    /// -32002 with one entry per refused field.
    package static func validationFailed(_ problems: [ParamProblem]) -> RPCError {
        RPCError(code: validationFailedCode, message: "Validation failed", data: .object(["errors": .array(problems.map(\.json))]))
    }

    /// -32003.
    package static func databaseUnavailable(retryAfterMilliseconds: Int?) -> RPCError {
        var data: JSONObject = ["detail": .string("the database cannot be reached; the server reconnects by itself when it is back")]
        if let retryAfterMilliseconds { data["retry_after_ms"] = .integer(retryAfterMilliseconds) }
        return RPCError(code: databaseUnavailableCode, message: "Database unavailable", data: .object(data))
    }

    /// -32004.
    package static func conflict() -> RPCError {
        RPCError(code: conflictCode, message: "Conflict",
                 data: .object(["detail": .string("a concurrent write touched the same rows; the call is safe to retry")]))
    }

    /// -32006: `as_of` is before the client's `first_seen`; no stage, no offers.
    package static func notYetClient(_ clientID: String, firstSeen: String, asOf: String) -> RPCError {
        RPCError(code: notYetClientCode, message: "Not yet a client",
                 data: .object(["client_id": .string(clientID), "first_seen": .string(firstSeen), "as_of": .string(asOf)]))
    }

    /// -32005.
    package static func notReady(_ detail: String) -> RPCError {
        RPCError(code: notReadyCode, message: "Not ready", data: .object(["detail": .string(detail)]))
    }
}

/// One bad field of a request's params.
package struct ParamProblem: Sendable, Equatable {
    /// Where, from the request: `params.amount`, `params.consents[2]`.
    package var path: String
    package var message: String

    package init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    var json: JSONValue { .object(["path": .string(path), "message": .string(message)]) }
}

/// The closest name, when it is close enough to be a likely typo.
func suggest(_ name: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    let a = Array(name.lowercased().utf8.prefix(64))
    for candidate in candidates {
        let b = Array(candidate.utf8)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        let distance = a.isEmpty ? b.count : previous[b.count]
        if distance <= max(2, candidate.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
    }
    return best?.0
}

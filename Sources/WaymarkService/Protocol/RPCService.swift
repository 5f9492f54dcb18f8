package import Logging

/// A method: takes the request's `params` (nil when absent), returns the `result`.
///
/// Throw ``RPCError`` for protocol and application errors; any other error becomes -32603
/// (the cause is logged with a reference, never sent).
package typealias RPCMethod = (_ params: JSONValue?) throws -> JSONValue

/// JSON-RPC 2.0 over framed messages: turns one line (a request, a notification or a batch)
/// into the line to answer, if any, exactly as the specification says.
///
/// - Parse error -32700 (id null) for text that is not JSON or not UTF-8.
/// - Invalid request -32600 for a wrong `jsonrpc`, a missing or non-string `method`, an id that is
///   not a string, an integer or null, params that are neither object nor array, an empty batch.
/// - Method not found -32601; the methods' own errors otherwise.
/// - Notifications (no `id`) run but are never answered; a batch of notifications gets no reply.
package final class RPCService {
    private var methods: [String: RPCMethod] = [:]
    private let logger: Logger
    private var errorCounter = 0
    /// Set once `shutdown` was called: the transport stops after answering.
    package private(set) var shutdownRequested = false

    package init(logger: Logger = Logger(label: "waymark.rpc", factory: { _ in SwiftLogNoOpLogHandler() })) {
        self.logger = logger
        methods["shutdown"] = { [unowned self] params in
            var reader = ParamsReader(params, known: [])
            try reader.finish()
            self.shutdownRequested = true
            return .object(JSONObject())
        }
    }

    /// Registers (or replaces) a method.
    package func register(_ name: String, _ method: @escaping RPCMethod) {
        methods[name] = method
    }

    /// The registered method names, sorted.
    package var methodNames: [String] { methods.keys.sorted() }

    /// Handles one line (without its newline) and returns the response text, or nil when there
    /// is nothing to answer (a notification, a batch of notifications).
    package func handle(line: some Collection<UInt8>) -> [UInt8]? {
        let message: JSONValue
        do {
            message = try JSONParser.parse(line)
        } catch {
            return Self.response(id: .null, error: .parseError(error.description)).serialized
        }
        switch message {
        case .array(let elements):
            if elements.isEmpty {
                return Self.response(id: .null, error: .invalidRequest("an empty batch")).serialized
            }
            var responses: [JSONValue] = []
            for element in elements {
                if let response = handle(element) { responses.append(response) }
            }
            return responses.isEmpty ? nil : JSONValue.array(responses).serialized
        default:
            return handle(message)?.serialized
        }
    }

    /// The error response for a line too long to read.
    package static func oversizeLineResponse(limit: Int) -> [UInt8] {
        let error = RPCError(code: RPCError.invalidRequestCode, message: "Invalid Request",
                             data: .object(["detail": .string("the line is longer than the limit of \(limit) bytes; it was skipped"),
                                            "max_line_bytes": .integer(limit)]))
        return response(id: .null, error: error).serialized
    }

    /// Handles one request object; nil for a notification.
    private func handle(_ message: JSONValue) -> JSONValue? {
        guard case .object(let request) = message else {
            return Self.response(id: .null, error: .invalidRequest("expected a request object, found \(message.typeDescription)"))
        }
        // The id, when it is valid, is echoed even in an invalid-request error.
        var id: JSONValue?
        switch request["id"] {
        case nil: id = nil
        case .null?, .string?: id = request["id"]
        case .number(let literal)?:
            guard JSONValue.isPlainInteger(literal), Int64(literal) != nil else {
                return Self.response(id: .null, error: .invalidRequest("the id must be a string, a whole number within 64 bits, or null"))
            }
            id = request["id"]
        case let other?:
            return Self.response(id: .null, error: .invalidRequest("the id must be a string, a whole number or null, found \(other.typeDescription)"))
        }
        let answerID = id ?? .null
        guard request["jsonrpc"] == .string("2.0") else {
            return Self.response(id: answerID, error: .invalidRequest("the member \"jsonrpc\" must be exactly \"2.0\""))
        }
        guard case .string(let method)? = request["method"] else {
            return Self.response(id: answerID, error: .invalidRequest("the member \"method\" must be a string"))
        }
        let params = request["params"]
        switch params {
        case nil, .object?, .array?: break
        default:
            return Self.response(id: answerID, error: .invalidRequest("the member \"params\" must be an object or an array when present"))
        }

        let outcome: Result<JSONValue, RPCError>
        if let body = methods[method] {
            do {
                outcome = .success(try body(params))
            } catch let error as RPCError {
                outcome = .failure(error)
            } catch {
                errorCounter += 1
                let reference = "E\(errorCounter)"
                logger.error("internal error in \(method)", metadata: ["reference": "\(reference)", "error": "\(error)"])
                outcome = .failure(.internalError(reference: reference))
            }
        } else {
            outcome = .failure(.methodNotFound(method, known: methodNames))
        }
        guard let id else { return nil }  // a notification: never answered
        switch outcome {
        case .success(let result): return Self.response(id: id, result: result)
        case .failure(let error): return Self.response(id: id, error: error)
        }
    }

    static func response(id: JSONValue, result: JSONValue) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "id": id, "result": result])
    }

    static func response(id: JSONValue, error: RPCError) -> JSONValue {
        .object(["jsonrpc": .string("2.0"), "id": id, "error": error.json])
    }
}

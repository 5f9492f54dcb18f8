package import Logging
package import WaymarkCore

/// A method: takes the request's `params` (nil when absent), returns the `result`.
///
/// Throw ``RPCError`` for protocol and application errors; any other error becomes -32603
/// (the cause is logged with a reference; only a database error's plain-words summary is sent).
package typealias RPCMethod = (_ params: JSONValue?) throws -> JSONValue

/// Work done ahead for a run of consecutive calls of one method (see
/// ``RPCService/registerPrefetch(_:_:)``).
package struct RPCPrefetcher {
    /// Gets the `params` of every call of the run (nil when absent), in order, before the first
    /// is handled. What it keeps must be a hint only: each call is still validated and answered
    /// on its own, and a failure here must leave every call to fail (or succeed) by itself.
    package var prepare: (_ params: [JSONValue?]) -> Void
    /// Called once the run was handled (or stopped): whatever `prepare` kept must go, so that
    /// no later call, after a write, can see it.
    package var finish: () -> Void

    package init(prepare: @escaping (_ params: [JSONValue?]) -> Void, finish: @escaping () -> Void) {
        self.prepare = prepare
        self.finish = finish
    }
}

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
    private var prefetchers: [String: RPCPrefetcher] = [:]
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

    /// Registers work to do ahead for consecutive calls of `method`.
    ///
    /// When two or more requests (or notifications) for `method` follow each other in the lines
    /// handled together by ``handle(lines:shouldStop:answer:)``, or in one batch, `prepare` gets
    /// all their params before the first is handled, and `finish` is called after the last,
    /// before anything else is handled. The run holds only calls of `method`, so a method that
    /// only reads may load the data of all the calls at once (`recommend` does).
    package func registerPrefetch(_ method: String, _ prefetcher: RPCPrefetcher) {
        prefetchers[method] = prefetcher
    }

    /// The registered method names, sorted.
    package var methodNames: [String] { methods.keys.sorted() }

    /// Handles one line (without its newline) and returns the response text, or nil when there
    /// is nothing to answer (a notification, a batch of notifications).
    package func handle(line: some Collection<UInt8>) -> [UInt8]? {
        handle(parsed: Self.parse(line))
    }

    /// Handles lines that arrived together, in order, passing each answer (if any) to `answer`.
    ///
    /// The same as calling ``handle(line:)`` on each line, except that consecutive calls of a
    /// method with a prefetcher (``registerPrefetch(_:_:)``) are announced to it together.
    /// Stops before the next line once `shutdown` was called or `shouldStop` returns true.
    ///
    /// - Returns: how many lines were handled (the rest were left unanswered).
    @discardableResult
    package func handle(lines: [[UInt8]], shouldStop: () -> Bool = { false }, answer: ([UInt8]) -> Void) -> Int {
        let parsed = lines.map { Self.parse($0) }
        var handled = 0
        forEachCall(parsed, method: { parsed in
            if case .success(.object(let request)) = parsed, case .string(let method)? = request["method"] { return method }
            return nil
        }, params: { parsed in
            if case .success(.object(let request)) = parsed { return request["params"] }
            return nil
        }, shouldStop: { shutdownRequested || shouldStop() }) { item in
            if let response = handle(parsed: item) { answer(response) }
            handled += 1
        }
        return handled
    }

    private static func parse(_ line: some Collection<UInt8>) -> Result<JSONValue, JSONSyntaxError> {
        do {
            return .success(try JSONParser.parse(line))
        } catch {
            return .failure(error)
        }
    }

    private func handle(parsed: Result<JSONValue, JSONSyntaxError>) -> [UInt8]? {
        let message: JSONValue
        switch parsed {
        case .success(let value): message = value
        case .failure(let error) where error.isLimit: return Self.response(id: .null, error: .invalidRequest(error.description)).serialized
        case .failure(let error): return Self.response(id: .null, error: .parseError(error.description)).serialized
        }
        switch message {
        case .array(let elements):
            if elements.isEmpty {
                return Self.response(id: .null, error: .invalidRequest("an empty batch")).serialized
            }
            var responses: [JSONValue] = []
            // `shutdown` ends the batch too: the elements after it are neither run nor answered.
            forEachCall(elements, method: { $0["method"]?.stringValue }, params: { $0["params"] }, shouldStop: { shutdownRequested }) { element in
                if let response = handle(element) { responses.append(response) }
            }
            return responses.isEmpty ? nil : JSONValue.array(responses).serialized
        default:
            return handle(message)?.serialized
        }
    }

    /// Runs `body` on each item in order, announcing each run of two or more consecutive calls
    /// of a method with a prefetcher to it first, and finishing it after the run.
    private func forEachCall<Item>(_ items: [Item], method: (Item) -> String?, params: (Item) -> JSONValue?,
                                   shouldStop: () -> Bool, _ body: (Item) -> Void) {
        var index = 0
        while index < items.count {
            if shouldStop() { return }
            guard let name = method(items[index]), let prefetcher = prefetchers[name] else {
                body(items[index])
                index += 1
                continue
            }
            var end = index + 1
            while end < items.count, method(items[end]) == name { end += 1 }
            if end - index < 2 {
                body(items[index])
                index += 1
                continue
            }
            prefetcher.prepare(items[index..<end].map(params))
            defer { prefetcher.finish() }
            while index < end {
                if shouldStop() { return }
                body(items[index])
                index += 1
            }
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
                outcome = .failure(RPCError.unexpected(error, reference: reference))
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

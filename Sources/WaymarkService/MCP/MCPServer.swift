import Logging
import WaymarkCore
import WaymarkStore

/// Waymark's MCP face (docs/mcp.md): the Model Context Protocol's methods over the same
/// JSON-RPC layer, transport, limits and ``LiveStore`` as `serve --stdio`.
///
/// - Lifecycle: `initialize` (protocol version negotiation, capabilities), the
///   `notifications/initialized` notification, `ping`; the transport ends at EOF.
/// - `tools/list`, `tools/call` (``MCPTools``), `resources/list`, `resources/read`,
///   `resources/templates/list` and `prompts/list`, `prompts/get` (``MCPCatalogResources``).
///
/// A tool that fails (an unknown client, bad arguments) answers a result with `isError: true`
/// and a readable text; what is wrong with the protocol message itself (an unknown method, bad
/// JSON, `tools/call` without a tool name) is a JSON-RPC error.
enum MCPServer {
    /// The protocol versions spoken, newest first: a client asking for one of them gets it,
    /// any other gets the newest.
    static let supportedVersions = ["2025-06-18", "2025-03-26", "2024-11-05"]

    /// The MCP resource-not-found code (the MCP specification's, not one of docs/protocol.md's).
    static let resourceNotFoundCode = -32002

    /// A service with the MCP methods registered, working on one ``LiveStore``.
    static func makeService(configuration: ServerConfiguration, allowWrites: Bool, logger: Logger) -> RPCService {
        let service = RPCService(logger: logger)
        let store = LiveStore(configuration: configuration.database, logger: logger)
        let tools = MCPTools(store: store, allowWrites: allowWrites, logger: logger)
        let resources = MCPCatalogResources(status: StatusMethods(store: store, serverVersion: configuration.serverVersion))

        service.register("initialize") { params in
            let request = try protocolParams(params)
            guard case .string(let asked)? = request["protocolVersion"] else {
                throw RPCError.invalidParams([ParamProblem(path: "params.protocolVersion", message: "required: a protocol version string, e.g. \"2025-06-18\"")])
            }
            let version = supportedVersions.contains(asked) ? asked : supportedVersions[0]
            logger.info("MCP session initialised", metadata: [
                "client": "\(request["clientInfo"]?["name"]?.stringValue ?? "?") \(request["clientInfo"]?["version"]?.stringValue ?? "")",
                "asked_version": "\(asked)", "version": "\(version)", "writes": "\(allowWrites)",
            ])
            return .object([
                "protocolVersion": .string(version),
                "capabilities": .object([
                    "tools": .object(["listChanged": .bool(false)]),
                    "resources": .object(["listChanged": .bool(false), "subscribe": .bool(false)]),
                    "prompts": .object(["listChanged": .bool(false)]),
                ]),
                "serverInfo": .object(["name": .string("waymark"), "title": .string("Waymark"),
                                       "version": .string(configuration.serverVersion)]),
                "instructions": .string(instructions(allowWrites: allowWrites)),
            ])
        }
        service.register("notifications/initialized") { _ in .object([:]) }
        service.register("notifications/cancelled") { _ in .object([:]) }  // calls are answered in order; nothing to cancel
        service.register("ping") { params in
            _ = try protocolParams(params)
            return .object([:])
        }
        service.register("tools/list") { params in
            _ = try protocolParams(params)
            return .object(["tools": .array(tools.definitions)])
        }
        service.register("tools/call") { params in
            let request = try protocolParams(params)
            guard case .string(let name)? = request["name"] else {
                throw RPCError.invalidParams([ParamProblem(path: "params.name", message: "required: the name of a tool (see tools/list)")])
            }
            var arguments: JSONValue?
            switch request["arguments"] {
            case nil, .null?: arguments = nil
            case .object?: arguments = request["arguments"]
            case let other?:
                throw RPCError.invalidParams([ParamProblem(path: "params.arguments", message: "expected an object, found \(other.typeDescription)")])
            }
            return try tools.call(name, arguments: arguments)
        }
        service.register("resources/list") { params in
            _ = try protocolParams(params)
            return .object(["resources": .array(MCPCatalogResources.list)])
        }
        service.register("resources/templates/list") { params in
            _ = try protocolParams(params)
            return .object(["resourceTemplates": .array([])])
        }
        service.register("resources/read") { params in
            let request = try protocolParams(params)
            guard case .string(let uri)? = request["uri"] else {
                throw RPCError.invalidParams([ParamProblem(path: "params.uri", message: "required: a resource URI (see resources/list)")])
            }
            return try resources.read(uri)
        }
        service.register("prompts/list") { params in
            _ = try protocolParams(params)
            return .object(["prompts": .array(MCPCatalogResources.prompts)])
        }
        service.register("prompts/get") { params in
            let request = try protocolParams(params)
            guard case .string(let name)? = request["name"] else {
                throw RPCError.invalidParams([ParamProblem(path: "params.name", message: "required: the name of a prompt (see prompts/list)")])
            }
            return try MCPCatalogResources.prompt(name, arguments: request["arguments"])
        }
        return service
    }

    /// The params of a protocol method: an object (its members are read leniently: MCP adds
    /// `_meta` and may add more), or absent.
    static func protocolParams(_ params: JSONValue?) throws(RPCError) -> JSONObject {
        switch params {
        case nil, .null?: return JSONObject()
        case .object(let object)?: return object
        case let other?:
            throw RPCError.invalidParams([ParamProblem(path: "params", message: "expected an object, found \(other.typeDescription)")])
        }
    }

    static func instructions(allowWrites: Bool) -> String {
        var text = """
            Waymark recommends the next offers and messages for a client of a loyalty or advisory business, \
            with the reasons. Use search_clients to find a client id, profile for who the client is, recommend \
            (why_not: true to see why other items were left out) for the next steps now, and explain_decision \
            for what last night's run decided about one item. The resources waymark://catalog and \
            waymark://facts describe the offers and the facts their rules use.
            """
        if allowWrites { text += " record_response stores a client's answer to an offer (accepted, declined, opened)." }
        return text
    }
}

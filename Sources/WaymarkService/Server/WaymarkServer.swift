package import Logging
package import WaymarkStore

/// How `waymark serve` runs.
package struct ServerConfiguration: Sendable {
    /// Where the database is.
    package var database: DatabaseConfiguration
    /// The version `health` reports.
    package var serverVersion: String
    /// The longest request line read (default 1 MiB).
    package var maximumLineBytes: Int
    /// Which protocol is spoken on the transport.
    package var face: Face

    /// The protocol of a server.
    package enum Face: Sendable, Equatable {
        /// Waymark's JSON-RPC methods (docs/protocol.md).
        case jsonRPC
        /// The Model Context Protocol (docs/mcp.md); `record_response` only when `allowWrites`.
        case mcp(allowWrites: Bool)
    }

    package static let defaultMaximumLineBytes = 1 << 20

    package init(database: DatabaseConfiguration, serverVersion: String, maximumLineBytes: Int = defaultMaximumLineBytes,
                 face: Face = .jsonRPC) {
        self.database = database
        self.serverVersion = serverVersion
        self.maximumLineBytes = maximumLineBytes
        self.face = face
    }
}

/// Waymark's JSON-RPC server: the methods of docs/protocol.md (or, with ``ServerConfiguration/Face/mcp(allowWrites:)``,
/// the MCP face of docs/mcp.md) over the stdio transport.
package enum WaymarkServer {
    /// The method names, as docs/protocol.md lists them.
    package static let methods = ["recommend", "profile", "upsert_client", "record_purchase", "record_interaction",
                                  "record_life_event", "record_response", "record_presentation", "explain_decision", "catalog", "health", "shutdown"]

    /// A service with every Waymark method registered, working on one ``LiveStore``.
    package static func makeService(configuration: ServerConfiguration, logger: Logger) -> RPCService {
        let service = RPCService(logger: logger)
        let store = LiveStore(configuration: configuration.database, logger: logger)
        for (method, kind) in RecordMethods.kinds {
            service.register(method) { params in try RecordMethods.call(params, kind: kind, store: store) }
        }
        let status = StatusMethods(store: store, serverVersion: configuration.serverVersion)
        service.register("health", status.health)
        service.register("catalog", status.catalog)
        let live = LiveMethods(store: store)
        service.register("recommend", live.recommend)
        service.registerPrefetch("recommend", live.prefetcher)
        service.register("profile", live.profile)
        let audit = AuditMethods(store: store)
        service.register("explain_decision", audit.explainDecision)
        service.register("record_presentation", audit.recordPresentation)
        return service
    }

    /// Serves on `input`/`output` until the input ends, `shutdown`, or SIGTERM.
    ///
    /// Connects lazily: a server started while the database is down answers -32003 and
    /// connects once it is up.
    @discardableResult
    package static func serve(input: Int32, output: Int32, configuration: ServerConfiguration, logger: Logger) -> StdioServer.Stop {
        let service: RPCService
        let protocolName: String
        switch configuration.face {
        case .jsonRPC:
            service = makeService(configuration: configuration, logger: logger)
            protocolName = "JSON-RPC 2.0"
        case .mcp(let allowWrites):
            service = MCPServer.makeService(configuration: configuration, allowWrites: allowWrites, logger: logger)
            protocolName = allowWrites ? "MCP (writes allowed)" : "MCP (read-only)"
        }
        let server = StdioServer(input: input, output: output, maximumLineBytes: configuration.maximumLineBytes,
                                 service: service, logger: logger)
        logger.info("serving \(protocolName) on stdio", metadata: ["max_line_bytes": "\(configuration.maximumLineBytes)"])
        let stop = server.run()
        logger.info("stopped", metadata: ["reason": "\(stop)"])
        return stop
    }
}

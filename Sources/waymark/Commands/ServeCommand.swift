import ArgumentParser
import Logging
import WaymarkService
import WaymarkStore

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve JSON-RPC 2.0 over stdin/stdout: recommendations, profiles and validated writes.",
        discussion: """
            One JSON-RPC message (a request, a notification or a batch) per line, UTF-8; one answer \
            per line on stdout, in request order. Logs go to stderr, never stdout. The server stops \
            at the end of the input, on the `shutdown` method or on SIGTERM, after finishing the \
            request in hand, and exits 0. The methods, their params and every error code are in \
            docs/protocol.md.

            Example:
              echo '{"jsonrpc":"2.0","id":1,"method":"health"}' | waymark serve --stdio

            With --mcp it speaks the Model Context Protocol instead, for AI assistants (tools \
            recommend, profile, explain_decision, search_clients; record_response with \
            --allow-writes); registering it in an assistant is described in docs/mcp.md.
              waymark serve --mcp
            """
    )

    @Flag(help: "Talk JSON-RPC 2.0 over stdin/stdout (docs/protocol.md).")
    var stdio = false

    @Flag(help: "Talk the Model Context Protocol over stdin/stdout, for AI assistants (docs/mcp.md).")
    var mcp = false

    @Flag(name: .customLong("allow-writes"), help: "With --mcp: offer the record_response tool (read-only otherwise).")
    var allowWrites = false

    @Option(name: .customLong("max-line-bytes"),
            help: ArgumentHelp("The longest request line accepted, in bytes; a longer one is skipped and answered with an error (default: 1048576).",
                               valueName: "bytes"))
    var maxLineBytes: Int = ServerConfiguration.defaultMaximumLineBytes

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        guard stdio != mcp else { throw ValidationError("pass either --stdio (JSON-RPC) or --mcp (Model Context Protocol), e.g. waymark serve --stdio") }
        guard !allowWrites || mcp else { throw ValidationError("--allow-writes goes with --mcp (the --stdio methods always include the writes)") }
        guard maxLineBytes >= 64 else { throw ValidationError("--max-line-bytes must be at least 64, e.g. --max-line-bytes 1048576") }
    }

    func run() throws {
        let logger = database.logging.makeLogger("waymark.serve")
        let store = database.store(applicationName: "waymark serve")
        logger.info("database from \(store.origin)")
        TerminationSignal.install()
        WaymarkServer.serve(input: 0, output: 1,
                            configuration: ServerConfiguration(database: store.configuration, serverVersion: WaymarkVersion.current,
                                                               maximumLineBytes: maxLineBytes,
                                                               face: mcp ? .mcp(allowWrites: allowWrites) : .jsonRPC),
                            logger: logger)
    }
}

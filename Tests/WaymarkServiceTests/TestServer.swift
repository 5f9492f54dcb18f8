import Foundation
import WaymarkCore
import Logging
import Postgres
import Testing
@testable import WaymarkService
@testable import WaymarkStore

/// A fresh, migrated schema of the dev database for one suite; dropped when released.
final class ServiceTestDatabase {
    let connection: Connection
    let schema: String
    /// Where the server is (without the schema).
    let server: ConnectionConfiguration

    /// The Citus coordinator the Citus suites run against, when one is given.
    static let citusURL = ProcessInfo.processInfo.environment["WAYMARK_TEST_CITUS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let citusSkipReason: Comment = "no Citus cluster: set WAYMARK_TEST_CITUS_URL to a coordinator's URL (docs/scale-out.md)"

    /// - Parameter citus: on the Citus coordinator of `WAYMARK_TEST_CITUS_URL`, the schema
    ///   distributed (4 shards), instead of the PG* variables' server.
    init(citus: Bool = false) throws {
        var configuration = citus ? ConnectionConfiguration.url(Self.citusURL ?? "") : ConnectionConfiguration.environment
        server = configuration
        configuration.applicationName = "WaymarkServiceTests"
        configuration.connectTimeout = 10
        do {
            connection = try Connection(configuration: configuration)
        } catch {
            Issue.record("WaymarkServiceTests need PostgreSQL: scripts/dev-db start && eval \"$(scripts/dev-db env)\". Error: \(error)")
            throw error
        }
        schema = "svctest_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try connection.execute("CREATE SCHEMA \(schema)")
        try connection.execute("SELECT set_config('search_path', $1, false)", [.text(schema)])
        _ = try Migrator(migrations: try Migration.load(from: Self.repositoryRoot.appendingPathComponent("sql"))).migrate(connection)
        if citus { _ = try Distributor(connection: connection).distribute(shardCount: 4) }
    }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A configuration that connects to this schema (it survives reconnects).
    func configuration(applicationName: String = "waymark-service-test") -> ConnectionConfiguration {
        var configuration = server
        configuration.applicationName = applicationName
        configuration.extraParameters["options"] = "-c search_path=\(schema)"
        return configuration
    }

    /// Seeds two clients, two products and a small catalog.
    func seed() throws {
        try connection.execute("""
            INSERT INTO clients (client_id, first_seen, segment, consents) VALUES
              ('C1', '2023-01-15T09:00:00Z', 'mass', '{email,web}'),
              ('C2', '2024-02-01T12:00:00Z', 'affluent', '{}')
            """)
        try connection.execute("""
            INSERT INTO products (product_id, name, category, list_price) VALUES
              ('fund-index', 'Index fund', 'investment', 100.00),
              ('home-cover', 'Home insurance', 'insurance', 240.00)
            """)
        _ = try CatalogStore(connection: connection).save(Self.catalogText, file: "service-test.yaml")
    }

    static let catalogText = """
        version: "test-1"
        name: Service test catalog
        items:
          - id: offer-fund
            kind: offer
            title: Start investing with an index fund
            product: fund-index
            channels: [email, web]
            value: 40
          - id: msg-welcome
            kind: message
            title: Welcome
            channels: [email]
            template: "Welcome, {{client_id}}!"
        cadences:
          - id: new-home
            title: New home owners
            enter: event_within("home_purchase", 30)
            steps:
              - { item: msg-welcome, channel: email, delay_days: 0 }
              - { item: offer-fund, channel: email, delay_days: 7 }
        """

    func count(_ table: String) throws -> Int {
        try connection.execute("SELECT count(*) FROM \(table)").scalar(Int.self)
    }

    deinit {
        _ = try? connection.execute("DROP SCHEMA \(schema) CASCADE")
    }
}

/// A server running in-process on a thread, talked to over pipes.
final class PipeServer {
    private let requestWriter: Int32
    private let responseReader: Int32
    private var buffer: [UInt8] = []
    private let finished = DispatchSemaphore(value: 0)

    init(configuration: ServerConfiguration) {
        var requests: [Int32] = [0, 0]
        var responses: [Int32] = [0, 0]
        precondition(pipe(&requests) == 0 && pipe(&responses) == 0)
        requestWriter = requests[1]
        responseReader = responses[0]
        let (input, output) = (requests[0], responses[1])
        let finished = self.finished
        let thread = Thread {
            WaymarkServer.serve(input: input, output: output, configuration: configuration,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            close(input)
            close(output)
            finished.signal()
        }
        thread.start()
    }

    convenience init(database: ServiceTestDatabase, maximumLineBytes: Int = 1 << 20, applicationName: String = "waymark-service-test",
                     face: ServerConfiguration.Face = .jsonRPC) {
        self.init(configuration: ServerConfiguration(database: database.configuration(applicationName: applicationName),
                                                     serverVersion: "0.0.0-test", maximumLineBytes: maximumLineBytes, face: face))
    }

    /// Sends raw bytes (add the newline yourself).
    func send(bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let count = write(requestWriter, raw.baseAddress! + offset, raw.count - offset)
                if count <= 0 { return }  // the server stopped reading (after shutdown)
                offset += count
            }
        }
    }

    /// Sends one line.
    func send(_ line: String) { send(bytes: Array((line + "\n").utf8)) }

    /// The next response line; nil after 20 s without one or at the end of the output.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            var descriptor = pollfd(fd: responseReader, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 20_000) > 0 else { return nil }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(responseReader, &chunk, chunk.count)
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// The next response, parsed.
    func readResponse() throws -> JSONValue {
        let line = try #require(readLine(), "no response from the server")
        return try JSONParser.parse(line)
    }

    /// Sends a request and reads its response.
    func call(_ line: String) throws -> JSONValue {
        send(line)
        return try readResponse()
    }

    /// Sends a method call with params and returns its response.
    func call(_ method: String, id: Int = 1, _ params: String = "{}") throws -> JSONValue {
        try call(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#)
    }

    /// Closes the server's input and waits for it to stop; returns what it wrote after.
    @discardableResult
    func finish() -> [String] {
        close(requestWriter)
        var rest: [String] = []
        while let line = readLine() { rest.append(line) }
        finished.wait()
        close(responseReader)
        return rest
    }
}

extension JSONValue {
    /// `error.code` of a response, if any.
    var errorCode: Int? { self["error"]?["code"]?.integerValue }
    var result: JSONValue? { self["result"] }

    /// An array's element, nil when out of range or not an array.
    subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}

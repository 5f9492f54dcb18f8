import Foundation
import WaymarkCore
import WaymarkStore

/// `recommend` and `profile`: one client's live answer, through ``LiveRecommender`` and
/// ``ProfileReader`` (the same code as `waymark recommend` and `waymark profile`).
final class LiveMethods {
    private let session: DatabaseSession
    /// This server's catalog and model cache (not the process-wide one, so two servers in one
    /// process, as in the tests, never share a cache across databases).
    private let context = LiveContext()

    init(session: DatabaseSession) {
        self.session = session
    }

    static let recommendParams = ["client_id", "top_k", "channel", "as_of", "explain"]

    /// Validated `recommend` params.
    struct RecommendRequest {
        var clientID: String
        var topK: Int?
        var channel: Channel?
        var asOf: Timestamp?
        var explain: Bool
    }

    static func recommendRequest(_ params: JSONValue?) throws(RPCError) -> RecommendRequest {
        var reader = ParamsReader(params, known: recommendParams)
        let clientID = reader.id("client_id", required: true)
        let topK = reader.integer("top_k", in: 1...100)
        var channel: Channel?
        if let name = reader.string("channel") {
            channel = Channel(rawValue: name.lowercased())
            if channel == nil { reader.fail("channel", "expected \(ImportFieldType.channel.expectation)") }
        }
        let asOf = moment(&reader, "as_of")
        let explain = reader.bool("explain") ?? false
        try reader.finish()
        return RecommendRequest(clientID: clientID ?? "", topK: topK, channel: channel, asOf: asOf, explain: explain)
    }

    /// An optional `as_of`: a date (midnight UTC) or an ISO 8601 timestamp with a zone.
    static func moment(_ reader: inout ParamsReader, _ name: String) -> Timestamp? {
        guard let text = reader.string(name) else { return nil }
        if let date = Timestamp(isoDate: text) { return date }
        if let timestamp = FieldFormats.parseTimestamp(text) { return Timestamp(seconds: timestamp.seconds) }
        reader.fail(name, "expected a date YYYY-MM-DD or an ISO 8601 timestamp with a zone, e.g. 2024-03-01T10:15:00Z")
        return nil
    }

    func recommend(_ params: JSONValue?) throws -> JSONValue {
        let request = try Self.recommendRequest(params)
        let answer = try mappingNotFound(clientID: request.clientID) {
            try session.withConnection { connection, _ in
                try LiveRecommender(connection: connection, context: context).recommend(
                    clientID: request.clientID, asOf: request.asOf, top: request.topK, channel: request.channel,
                    explain: request.explain)
            }
        }
        return try answer.directJSON ?? JSONValue(encoding: answer)
    }

    func profile(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: ["client_id", "as_of"])
        let clientID = reader.id("client_id", required: true) ?? ""
        let asOf = Self.moment(&reader, "as_of")
        try reader.finish()
        let answer = try mappingNotFound(clientID: clientID) {
            try session.withConnection { connection, _ in
                try ProfileReader(connection: connection, context: context).profile(clientID: clientID, asOf: asOf)
            }
        }
        return try JSONValue(encoding: answer)
    }

    /// Turns the live layer's "not found" into -32001 (the client) or -32005 (no catalog yet).
    private func mappingNotFound<T>(clientID: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError where error.code == .notFound {
            if error.message.hasPrefix("no client") { throw RPCError.clientNotFound(clientID) }
            throw RPCError.notReady("no catalog is loaded: load one with `waymark catalog load FILE`")
        }
    }
}

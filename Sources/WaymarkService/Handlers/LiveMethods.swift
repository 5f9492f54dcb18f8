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

    /// Snapshots read ahead for the run of `recommend` calls being handled (see
    /// ``prefetcher``), by client id and `as_of` as asked (nil: now); empty between runs.
    private var prefetched: [PrefetchKey: Prefetched] = [:]

    struct PrefetchKey: Hashable {
        var clientID: String
        var asOf: Timestamp?
    }

    struct Prefetched {
        var moment: Timestamp
        /// nil: no such client.
        var snapshot: ClientSnapshot?
        var state: LiveContext.State
    }

    init(session: DatabaseSession) {
        self.session = session
    }

    /// Reads the snapshots of a run of pipelined `recommend` calls in one round trip
    /// (``LiveContext/loadBatch(_:connection:)``) before they are answered one by one.
    ///
    /// The run holds only `recommend` calls, which write nothing, so every call of it sees the
    /// same data it would have read by itself; the snapshots are dropped when the run ends, so
    /// the next call after a write (`record_response`, …) reads afresh. Calls whose params are
    /// invalid are left out (they get their own error); when the batch read fails (the database
    /// is down, no catalog is stored), nothing is kept and each call reads and fails by itself,
    /// with its own error.
    var prefetcher: RPCPrefetcher {
        RPCPrefetcher(prepare: { [unowned self] params in prefetch(params) },
                      finish: { [unowned self] in prefetched.removeAll(keepingCapacity: true) })
    }

    private func prefetch(_ params: [JSONValue?]) {
        var keys: [PrefetchKey] = []
        keys.reserveCapacity(params.count)
        for value in params {
            guard let request = try? Self.recommendRequest(value) else { continue }
            keys.append(PrefetchKey(clientID: request.clientID, asOf: request.asOf))
        }
        guard keys.count >= 2 else { return }
        let now = Self.now()
        guard let loaded = try? session.withConnection({ connection, _ in
            try context.loadBatch(keys.map { LiveContext.BatchKey(clientID: $0.clientID, asOf: $0.asOf ?? now) }, connection: connection)
        }) else { return }
        for key in keys {
            let moment = key.asOf ?? now
            guard let snapshot = loaded.snapshots[LiveContext.BatchKey(clientID: key.clientID, asOf: moment)] else { continue }
            prefetched[key] = Prefetched(moment: moment, snapshot: snapshot, state: loaded.state)
        }
    }

    static func now() -> Timestamp { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }

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
        if let loaded = prefetched[PrefetchKey(clientID: request.clientID, asOf: request.asOf)] {
            guard let snapshot = loaded.snapshot else { throw RPCError.clientNotFound(request.clientID) }
            let answer = LiveRecommender.recommend(clientID: request.clientID, snapshot: snapshot, asOf: loaded.moment, state: loaded.state,
                                                   top: request.topK, channel: request.channel, explain: request.explain)
            return try answer.directJSON ?? JSONValue(encoding: answer)
        }
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
            throw RPCError.clientNotFound(clientID)
        } catch let error as StoreError where error.code == .noCatalog {
            throw RPCError.notReady("no catalog is loaded: load one with `waymark catalog load FILE`")
        }
    }
}

import Foundation
import WaymarkCore
import WaymarkStore

/// `recommend` and `profile`: one client's live answer, through ``LiveStore`` (the same
/// recommender and profile reader as `waymark recommend` and `waymark profile`).
final class LiveMethods {
    private let store: LiveStore

    init(store: LiveStore) {
        self.store = store
    }

    /// Reads the snapshots of a run of pipelined `recommend` calls in one round trip
    /// (``LiveStore/prefetchRecommendations(_:)``) before they are answered one by one.
    ///
    /// The run holds only `recommend` calls, which write nothing but the cadence states they move
    /// (after which the client's snapshots read ahead are dropped), so every call of it sees the
    /// same data it would have read by itself; the snapshots are dropped when the run ends, so
    /// the next call after a write (`record_response`, …) reads afresh. Calls whose params are
    /// invalid are left out (they get their own error); when the batch read fails (the database
    /// is down, no catalog is stored), nothing is kept and each call reads and fails by itself,
    /// with its own error.
    var prefetcher: RPCPrefetcher {
        RPCPrefetcher(prepare: { [unowned self] params in prefetch(params) },
                      finish: { [unowned self] in store.endPrefetch() })
    }

    private func prefetch(_ params: [JSONValue?]) {
        var keys: [LiveStore.RecommendKey] = []
        keys.reserveCapacity(params.count)
        for value in params {
            guard let request = try? Self.recommendRequest(value) else { continue }
            keys.append(LiveStore.RecommendKey(clientID: request.clientID, asOf: request.asOf))
        }
        store.prefetchRecommendations(keys)
    }

    static func now() -> Timestamp { Timestamp(seconds: Int64(Date().timeIntervalSince1970)) }

    static let recommendParams = ["client_id", "top_k", "channel", "as_of", "explain", "detail"]

    /// Validated `recommend` params.
    struct RecommendRequest {
        var clientID: String
        var topK: Int?
        var channel: Channel?
        var asOf: Timestamp?
        var explain: Bool
        /// `detail: "brief"`: no factors, summary or propensity reasons.
        var brief = false
    }

    static func recommendRequest(_ params: JSONValue?) throws(RPCError) -> RecommendRequest {
        var reader = ParamsReader(params, known: recommendParams)
        let clientID = reader.id("client_id", required: true)
        let topK = reader.integer("top_k", in: 0...100)
        var channel: Channel?
        if let name = reader.string("channel") {
            channel = Channel(rawValue: name.lowercased())
            if channel == nil { reader.fail("channel", "expected \(ImportFieldType.channel.expectation)") }
        }
        let asOf = moment(&reader, "as_of")
        let explain = reader.bool("explain") ?? false
        var brief = false
        if let detail = reader.string("detail") {
            switch detail {
            case "full": break
            case "brief": brief = true
            default: reader.fail("detail", "expected \"full\" (the default: every factor and the reasons in words) or \"brief\" (the items, their checks and text, no factors)")
            }
        }
        try reader.finish()
        return RecommendRequest(clientID: clientID ?? "", topK: topK, channel: channel, asOf: asOf, explain: explain, brief: brief)
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
        let answer = try RPCError.mapping(clientID: request.clientID) {
            try store.recommend(clientID: request.clientID, asOf: request.asOf, top: request.topK, channel: request.channel,
                                explain: request.explain, brief: request.brief)
        }
        return try answer.json()
    }

    func profile(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: ["client_id", "as_of"])
        let clientID = reader.id("client_id", required: true) ?? ""
        let asOf = Self.moment(&reader, "as_of")
        try reader.finish()
        let answer = try RPCError.mapping(clientID: clientID) {
            try store.profile(clientID: clientID, asOf: asOf)
        }
        return try answer.json()
    }
}

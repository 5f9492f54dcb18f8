import Foundation
package import WaymarkCore
package import WaymarkStore

/// `explain_decision` (replay a stored decision) and `record_presentation` (count a presentation
/// made outside Waymark's answers against the cooldowns and caps).
final class AuditMethods {
    private let store: LiveStore

    init(store: LiveStore) {
        self.store = store
    }

    /// The code of a decision that is not stored (an unknown run or log entry, a client the run
    /// did not score).
    static let decisionNotFoundCode = -32007

    func explainDecision(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: ["client_id", "run_id", "decision_id"])
        let clientID = reader.id("client_id", required: true) ?? ""
        let runID = reader.integer("run_id", in: 1...Int.max)
        let decisionID = reader.integer("decision_id", in: 1...Int.max)
        if (runID == nil) == (decisionID == nil), reader.value("run_id") == nil, reader.value("decision_id") == nil {
            reader.fail("run_id", "give run_id (a nightly run's decision) or decision_id (a logged live answer)")
        } else if runID != nil, decisionID != nil {
            reader.fail("decision_id", "give run_id or decision_id, not both")
        }
        try reader.finish()
        do {
            let replay = try RPCError.mapping(clientID: nil) {
                try store.replay(clientID: clientID, runID: runID.map(Int64.init), decisionID: decisionID.map(Int64.init))
            }
            return try replay.json()
        } catch let error as StoreError where [.notFound, .runNotFound, .invalidInput].contains(error.code) {
            throw RPCError(code: Self.decisionNotFoundCode, message: "Decision not found",
                           data: .object(["client_id": .string(clientID), "detail": .string(error.message)]))
        }
    }

    /// The params `record_presentation` takes.
    static let presentationParams = ["client_id", "item_id", "channel", "presented_at", "presentation_id"]

    func recordPresentation(_ params: JSONValue?) throws -> JSONValue {
        var reader = ParamsReader(params, known: Self.presentationParams)
        let clientID = reader.id("client_id", required: true)
        let itemID = reader.id("item_id", required: true)
        var channel: Channel?
        if let name = reader.string("channel", required: true) {
            channel = Channel(rawValue: name.lowercased())
            if channel == nil { reader.fail("channel", "expected \(ImportFieldType.channel.expectation)") }
        }
        var presentedAt = LiveMethods.now()
        if let text = reader.string("presented_at") {
            if let timestamp = FieldFormats.parseTimestamp(text) { presentedAt = Timestamp(seconds: timestamp.seconds) } else {
                reader.fail("presented_at", "expected an ISO 8601 timestamp with a zone, e.g. 2024-03-01T10:15:00Z")
            }
        }
        let given = reader.id("presentation_id")
        try reader.finish()
        guard let clientID, let itemID, let channel else { return .null }
        // Without an id, one is derived from what was presented, when and where: sending the
        // same presentation twice stores it once.
        var hash = StableHash()
        hash.add(itemID)
        hash.add(channel.rawValue)
        hash.add(presentedAt.seconds)
        let presentationID = given ?? "pres:" + hash.hex
        let row: [String?] = [presentationID, clientID, itemID, channel.rawValue, presentedAt.iso8601, "presented", nil]
        let outcome = try RPCError.mapping(clientID: nil) { try store.record(.responses, values: row) }
        var result: JSONObject = [
            "presentation_id": .string(presentationID), "client_id": .string(clientID), "item_id": .string(itemID),
            "presented_at": .string(presentedAt.iso8601), "status": .string(outcome.rawValue),
        ]
        if try !RPCError.mapping(clientID: nil, { try store.isKnownItem(itemID) }) {
            result["warning"] = .string("unknown item '\(itemID)': no stored catalog has it; the presentation was stored, check the id")
        }
        return .object(result)
    }
}

extension DecisionReplay: JSONRepresentable {
    /// The wire form of `explain_decision` and `waymark explain --format json`.
    package var directJSON: JSONValue? {
        func rows(_ lines: [String]) -> JSONValue? {
            var values: [JSONValue] = []
            for line in lines {
                guard let value = try? JSONParser.parse(line) else { return nil }
                values.append(value)
            }
            return .array(values)
        }
        guard let storedRows = rows(stored), let recomputedRows = rows(recomputed) else { return nil }
        var members: [(key: String, value: JSONValue)] = [
            ("source", .string(source)), ("client_id", .string(clientID)), ("as_of", .string(asOf.iso8601)),
            ("catalog_version", .number(String(catalogVersion))), ("holdout", .bool(holdout)),
            ("stored_input_hash", .string(storedInputHash)), ("recomputed_input_hash", .string(recomputedInputHash)),
            ("identical", .bool(identical)), ("inputs_unchanged", .bool(inputsUnchanged)),
            ("changed_inputs", .array(changedInputs.map(JSONValue.string))), ("recorded_since", .array(since.map(JSONValue.string))),
            ("stored", storedRows), ("recomputed", recomputedRows),
        ]
        if let runID { members.append(("run_id", .number(String(runID)))) }
        if let decisionID { members.append(("decision_id", .number(String(decisionID)))) }
        if let modelVersion { members.append(("model_version", .number(String(modelVersion)))) }
        return .sortedObject(members)
    }
}

import Foundation
import Logging
import WaymarkCore
import WaymarkStore

/// The MCP tools: `recommend`, `profile`, `explain_decision`, `search_clients` and, only with
/// `--allow-writes`, `record_response`.
///
/// Each answers `structuredContent` (the same JSON as the stdio method where there is one) and a
/// short text in `content` an assistant can quote. A tool that fails answers `isError: true` with
/// a readable text: bad arguments (every problem, with a did-you-mean for an unknown name), an
/// unknown client, no catalog, the database down, an internal error (by reference only: the cause
/// is logged, never sent).
final class MCPTools {
    private let store: LiveStore
    private let allowWrites: Bool
    private let logger: Logger
    private var errorCounter = 0

    init(store: LiveStore, allowWrites: Bool, logger: Logger) {
        self.store = store
        self.allowWrites = allowWrites
        self.logger = logger
    }

    /// A failed tool call: the text the assistant reads.
    struct Failure: Error {
        var text: String
    }

    /// A tool's answer.
    struct Answer {
        var structured: JSONValue
        var summary: String
    }

    // MARK: - Definitions

    static let idPattern = "^[A-Za-z0-9_.:@-]{1,64}$"
    static let idSchema: JSONValue = .object(["type": .string("string"), "pattern": .string(idPattern),
                                              "description": .string("The client's id, e.g. C0000042 (case-sensitive).")])
    static let asOfSchema: JSONValue = .object([
        "type": .string("string"),
        "description": .string("The moment to answer for: a date YYYY-MM-DD (midnight UTC) or an ISO 8601 timestamp with a zone; default now."),
    ])
    static let channelSchema: JSONValue = .object(["type": .string("string"), "enum": .array(Channel.allCases.map { .string($0.rawValue) })])

    static func schema(_ properties: JSONObject, required: [String]) -> JSONValue {
        .object(["type": .string("object"), "properties": .object(properties),
                 "required": .array(required.map(JSONValue.string)), "additionalProperties": .bool(false)])
    }

    static func annotations(title: String, readOnly: Bool) -> JSONValue {
        .object(["title": .string(title), "readOnlyHint": .bool(readOnly), "destructiveHint": .bool(false),
                 "idempotentHint": .bool(true), "openWorldHint": .bool(false)])
    }

    static let readTools: [JSONValue] = [
        .object([
            "name": .string("recommend"),
            "title": .string("Next best steps for a client"),
            "description": .string("""
                The ranked next offers and reinforcement messages for one client now (or as of a date), each with its \
                channel, score and the reasons in words an advisor understands; with why_not, every item left out and why.
                """),
            "inputSchema": schema([
                "client_id": idSchema,
                "as_of": asOfSchema,
                "top": .object(["type": .string("integer"), "minimum": .integer(0), "maximum": .integer(100),
                                "description": .string("The most offers to return (0: messages only); default the catalog's.")]),
                "channel": .object(["type": .string("string"), "enum": .array(Channel.allCases.map { .string($0.rawValue) }),
                                    "description": .string("Only items deliverable in this channel.")]),
                "why_not": .object(["type": .string("boolean"), "description": .string("Also list every item not recommended, with the reason.")]),
            ], required: ["client_id"]),
            "annotations": annotations(title: "Recommend", readOnly: true),
        ]),
        .object([
            "name": .string("profile"),
            "title": .string("Client profile"),
            "description": .string("""
                One client's lifecycle profile: stage and its history, value (CLV, probability alive), loyalty tier and points, \
                facts (purchases, owned categories, life events), the recent timeline across channels and last night's result.
                """),
            "inputSchema": schema(["client_id": idSchema, "as_of": asOfSchema], required: ["client_id"]),
            "annotations": annotations(title: "Profile", readOnly: true),
        ]),
        .object([
            "name": .string("explain_decision"),
            "title": .string("Explain a past decision"),
            "description": .string("""
                What the last published nightly run decided about one item for one client: its rank, channel, score and \
                stored explanation (the rules that admitted it, every factor); when the run did not recommend the item, \
                what it recommended instead.
                """),
            "inputSchema": schema([
                "client_id": idSchema,
                "item_id": .object(["type": .string("string"), "pattern": .string(idPattern),
                                    "description": .string("A catalog item's id, e.g. offer-fund (see the waymark://catalog resource).")]),
            ], required: ["client_id", "item_id"]),
            "annotations": annotations(title: "Explain decision", readOnly: true),
        ]),
        .object([
            "name": .string("search_clients"),
            "title": .string("Find clients"),
            "description": .string("Clients whose id starts with a prefix and/or who belong to a segment, in id order, at most 50."),
            "inputSchema": schema([
                "id_prefix": .object(["type": .string("string"), "pattern": .string(idPattern), "description": .string("The start of the client id, e.g. C00001.")]),
                "segment": .object(["type": .string("string"), "maxLength": .integer(64), "description": .string("The exact segment, e.g. affluent.")]),
                "limit": .object(["type": .string("integer"), "minimum": .integer(1), "maximum": .integer(50), "default": .integer(20)]),
            ], required: []),
            "annotations": annotations(title: "Search clients", readOnly: true),
        ]),
    ]

    static let recordResponseTool: JSONValue = .object([
        "name": .string("record_response"),
        "title": .string("Record a client's response to an offer"),
        "description": .string("""
            Stores that the client was presented an item, opened it, accepted or declined it (the only tool that writes). \
            Idempotent by response_id: calling it twice stores one response. A decline starts the item's cooldown.
            """),
        "inputSchema": schema([
            "response_id": .object(["type": .string("string"), "pattern": .string(idPattern), "description": .string("Your id for this response, e.g. R-2025-0001.")]),
            "client_id": idSchema,
            "item_id": .object(["type": .string("string"), "pattern": .string(idPattern), "description": .string("The catalog item responded to.")]),
            "channel": channelSchema,
            "presented_at": .object(["type": .string("string"), "description": .string("When the item was presented: ISO 8601 with a zone, e.g. 2025-03-01T10:15:00Z.")]),
            "outcome": .object(["type": .string("string"), "enum": .array(["presented", "opened", "accepted", "declined"].map(JSONValue.string))]),
            "responded_at": .object(["type": .string("string"), "description": .string("When the client responded (ISO 8601 with a zone).")]),
        ], required: ["response_id", "client_id", "item_id", "channel", "presented_at", "outcome"]),
        "annotations": annotations(title: "Record response", readOnly: false),
    ])

    /// What `tools/list` answers.
    var definitions: [JSONValue] {
        allowWrites ? Self.readTools + [Self.recordResponseTool] : Self.readTools
    }

    // MARK: - Calls

    /// Runs a tool and answers its `tools/call` result.
    ///
    /// - Throws: ``RPCError`` -32602 for a tool that does not exist (a protocol error, as the
    ///   MCP specification says); every failure of a tool that exists is a result with `isError`.
    func call(_ name: String, arguments: JSONValue?) throws(RPCError) -> JSONValue {
        let body: (JSONValue?) throws -> Answer
        switch name {
        case "recommend": body = recommend
        case "profile": body = profile
        case "explain_decision": body = explainDecision
        case "search_clients": body = searchClients
        case "record_response":
            body = { [unowned self] arguments in
                guard allowWrites else {
                    throw Failure(text: "record_response is disabled: this Waymark server is read-only (start it with `waymark serve --mcp --allow-writes` to allow it).")
                }
                return try recordResponse(arguments)
            }
        default:
            let known = definitions.compactMap { $0["name"]?.stringValue }
            var data: JSONObject = ["tool": .string(name)]
            if let suggestion = suggest(name, in: known) { data["did_you_mean"] = .string(suggestion) }
            throw RPCError(code: RPCError.invalidParamsCode, message: "Unknown tool: \(name)", data: .object(data))
        }
        let started = ContinuousClock.now
        let result: JSONValue
        var outcome = "ok"
        do {
            let answer = try body(arguments)
            result = .object(["content": .array([Self.text(answer.summary)]), "structuredContent": answer.structured, "isError": .bool(false)])
        } catch {
            outcome = "error"
            result = .object(["content": .array([Self.text(describe(error, tool: name))]), "isError": .bool(true)])
        }
        let elapsed = ContinuousClock.now - started
        logger.info("tool call", metadata: ["tool": "\(name)", "outcome": "\(outcome)",
                                            "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)"])
        return result
    }

    static func text(_ text: String) -> JSONValue {
        .object(["type": .string("text"), "text": .string(text)])
    }

    /// The text of a failed call.
    private func describe(_ error: any Error, tool: String) -> String {
        switch error {
        case let failure as Failure:
            return failure.text
        case let rpc as RPCError:
            return Self.describe(rpc)
        default:
            errorCounter += 1
            let reference = "M\(errorCounter)"
            logger.error("internal error in tool \(tool)", metadata: ["reference": "\(reference)", "error": "\(error)"])
            let answer = RPCError.unexpected(error, reference: reference)
            if answer.code != RPCError.internalErrorCode { return Self.describe(answer) }
            if let detail = answer.data?["detail"]?.stringValue { return "Internal error (reference \(reference)): \(detail)" }
            return "Internal error (reference \(reference)): the server log has the cause."
        }
    }

    /// An ``RPCError`` as a sentence: the message, then each problem (`field: what is wrong`) or the detail.
    static func describe(_ error: RPCError) -> String {
        var parts: [String] = []
        if case .array(let problems)? = error.data?["errors"] {
            for problem in problems {
                let path = (problem["path"]?.stringValue ?? "").replacingOccurrences(of: "params.", with: "")
                parts.append("\(path.isEmpty ? "arguments" : path): \(problem["message"]?.stringValue ?? "invalid")")
            }
        }
        switch error.code {
        case RPCError.invalidParamsCode:
            return "Invalid arguments: " + parts.joined(separator: "; ") + "."
        case RPCError.clientNotFoundCode:
            let id = error.data?["client_id"]?.stringValue ?? "?"
            return "Client not found: there is no client '\(id)' (ids are case-sensitive; search_clients finds ids by prefix)."
        case RPCError.notYetClientCode:
            return "Not yet a client: '\(error.data?["client_id"]?.stringValue ?? "?")' was first seen on \(error.data?["first_seen"]?.stringValue ?? "?"), after as_of \(error.data?["as_of"]?.stringValue ?? "?")."
        default:
            if let detail = error.data?["detail"]?.stringValue { parts.append(detail) }
            return error.message + (parts.isEmpty ? "." : ": " + parts.joined(separator: "; ") + ".")
        }
    }

    /// An optional channel argument.
    private static func channel(_ reader: inout ParamsReader, _ name: String) -> Channel? {
        guard let text = reader.string(name) else { return nil }
        guard let channel = Channel(rawValue: text.lowercased()) else {
            reader.fail(name, "expected one of " + Channel.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        return channel
    }

    private func recommend(_ arguments: JSONValue?) throws -> Answer {
        var reader = ParamsReader(arguments, known: ["client_id", "as_of", "top", "channel", "why_not"])
        let clientID = reader.id("client_id", required: true) ?? ""
        let asOf = LiveMethods.moment(&reader, "as_of")
        let top = reader.integer("top", in: 0...100)
        let channel = Self.channel(&reader, "channel")
        let whyNot = reader.bool("why_not") ?? false
        try reader.finish()
        let answer = try RPCError.mapping(clientID: clientID) {
            try store.recommend(clientID: clientID, asOf: asOf, top: top, channel: channel, explain: whyNot)
        }
        return Answer(structured: try answer.json(), summary: Self.summary(answer))
    }

    static func summary(_ answer: LiveRecommendations) -> String {
        let scores = answer.scores
        var lines = ["Client \(answer.clientID) as of \(answer.asOf): stage \(scores.stage) (\(scores.stageReason)), "
            + "CLV 12 months \(format(scores.clv12m)), p(alive) \(format(scores.pAlive))"
            + (scores.tier.isEmpty ? "." : ", tier \(scores.tier) with \(scores.points) points.")]
        if answer.holdout {
            lines.append("The client is in the holdout (control group): no offers, only service messages"
                + (answer.withheld.isEmpty ? "." : "; withheld: \(answer.withheld.map(\.item).joined(separator: ", "))."))
        }
        if answer.offers.isEmpty {
            lines.append("No offer to propose now.")
        } else {
            lines.append("Offers:")
            for offer in answer.offers { lines.append("\(offer.rank). " + line(offer)) }
        }
        if !answer.messages.isEmpty {
            lines.append("Messages:")
            for message in answer.messages { lines.append("- " + line(message)) }
        }
        if !answer.cadenceSteps.isEmpty {
            lines.append("Cadence steps due:")
            for step in answer.cadenceSteps {
                lines.append("- \(step.title) [\(step.item)] via \(step.channel): \(step.description)" + (step.waiting == nil ? "; goes out now." : "."))
            }
        }
        if let rejections = answer.notRecommended, !rejections.isEmpty {
            lines.append("Not recommended:")
            for rejection in rejections.prefix(12) {
                lines.append("- \(rejection.item) (\(rejection.check)): \(rejection.reason)")
            }
            if rejections.count > 12 { lines.append("- … and \(rejections.count - 12) more (see structuredContent.not_recommended)") }
        }
        return lines.joined(separator: "\n")
    }

    /// One recommendation in a sentence: title, item, channel, the main factors and the first reasons.
    static func line(_ item: LiveRecommendation) -> String {
        var text = "\(item.title) [\(item.item)] via \(item.channel)"
        var figures: [String] = []
        if let propensity = item.factors["propensity"] { figures.append("likelihood \(format(propensity * 100))%") }
        if let value = item.factors["value"] { figures.append("value \(format(value))") }
        figures.append("priority \(format(item.score))")
        text += " (" + figures.joined(separator: ", ") + ")"
        var why: [String] = []
        if let trigger = item.trigger { why.append(trigger) }
        why += item.propensityReasons.prefix(2)
        if why.isEmpty, let first = item.reasons.first { why.append(first) }
        if !why.isEmpty { text += ". Why: " + why.joined(separator: "; ") }
        if let message = item.text { text += ". Text: \"\(message)\"" }
        return text + "."
    }

    private func profile(_ arguments: JSONValue?) throws -> Answer {
        var reader = ParamsReader(arguments, known: ["client_id", "as_of"])
        let clientID = reader.id("client_id", required: true) ?? ""
        let asOf = LiveMethods.moment(&reader, "as_of")
        try reader.finish()
        let profile = try RPCError.mapping(clientID: clientID) { try store.profile(clientID: clientID, asOf: asOf) }
        let facts = profile.facts
        let scores = profile.scores
        var lines = [
            "Client \(profile.clientID) as of \(profile.asOf): segment \(profile.segment.isEmpty ? "none" : profile.segment)"
                + (profile.region.isEmpty ? "" : ", region \(profile.region)") + (facts.age.map { ", age \($0)" } ?? "")
                + ", client for \(facts.tenureDays) days.",
            "Stage \(scores.stage) since \(scores.stageSince) (\(scores.stageReason)); CLV 12 months \(Self.format(scores.clv12m)), "
                + "p(alive) \(Self.format(scores.pAlive))" + (scores.tier.isEmpty ? "." : "; tier \(scores.tier), \(scores.points) points."),
            "\(facts.purchaseCount) purchases totalling \(Self.format(facts.totalSpend))"
                + (facts.lastPurchase.map { ", the last on \($0)" } ?? "")
                + (facts.ownedCategories.isEmpty ? "" : "; owns \(facts.ownedCategories.joined(separator: ", "))") + ".",
        ]
        if !facts.lifeEvents.isEmpty { lines.append("Life events: \(facts.lifeEvents.joined(separator: ", ")).") }
        lines.append(profile.doNotContact ? "Do not contact." : "Consents: \(profile.consents.isEmpty ? "none" : profile.consents.joined(separator: ", ")).")
        if let loyalty = profile.loyalty {
            lines.append("Points: \(loyalty.redeemablePoints) redeemable, \(loyalty.qualifyingPoints) qualifying for the tier"
                + (loyalty.expiring30d > 0 ? "; \(loyalty.expiring30d) expire within 30 days." : "."))
        }
        for cadence in profile.cadences {
            lines.append("Cadence \(cadence.cadence): \(cadence.status), \(cadence.stepsSent) of \(cadence.steps.map(String.init) ?? "?") steps sent, entered \(cadence.enteredAt)"
                + (cadence.nextDue.map { ", next due \($0)" } ?? "") + (cadence.reason.map { " (\($0))" } ?? "") + ".")
        }
        if !profile.timeline.isEmpty {
            lines.append("Recent: " + profile.timeline.prefix(3).map { "\($0.at) \($0.what) \($0.detail)" }.joined(separator: "; ") + ".")
        }
        return Answer(structured: try profile.json(), summary: lines.joined(separator: "\n"))
    }

    private func explainDecision(_ arguments: JSONValue?) throws -> Answer {
        var reader = ParamsReader(arguments, known: ["client_id", "item_id"])
        let clientID = reader.id("client_id", required: true) ?? ""
        let itemID = reader.id("item_id", required: true) ?? ""
        try reader.finish()
        let stored: StoredDecisions
        do {
            stored = try RPCError.mapping(clientID: clientID) { try store.storedDecisions(clientID: clientID) }
        } catch let error as StoreError where error.code == .noPublishedRun {
            throw Failure(text: "No published run yet: explain_decision reads the nightly run's decisions (`waymark score`); use recommend for a live answer.")
        }
        let items = JSONValue.array(stored.decisions.map { .string($0.itemID) })
        var result: JSONObject = ["client_id": .string(clientID), "item_id": .string(itemID),
                                  "run_id": stored.runID.map { .number(String($0)) } ?? .null,
                                  "run_as_of": stored.runAsOf.map(JSONValue.string) ?? .null]
        guard let decision = stored.decisions.first(where: { $0.itemID == itemID }) else {
            let catalog = try RPCError.mapping(clientID: nil) { try store.currentCatalog() }
            let known = catalog.catalog.items.map(\.id)
            if !known.contains(itemID) {
                let hint = suggest(itemID, in: known).map { "; did you mean '\($0)'?" } ?? ""
                throw Failure(text: "Unknown item '\(itemID)' in the current catalog\(hint) (the waymark://catalog resource lists the items).")
            }
            result["recommended"] = .bool(false)
            result["recommended_items"] = items
            let others = stored.decisions.map(\.itemID)
            let run = stored.runID.map { "run \($0) (as of \(stored.runAsOf ?? "?"))" } ?? "the last published run"
            let summary = "\(run) did not recommend \(itemID) to \(clientID)"
                + (others.isEmpty ? "; it recommended nothing to this client." : "; it recommended \(others.joined(separator: ", ")).")
                + " Call recommend with why_not: true to see why it is left out now."
            return Answer(structured: .object(result), summary: summary)
        }
        let explanation = (try? JSONParser.parse(decision.explanationJSON)) ?? .string(decision.explanationJSON)
        result["recommended"] = .bool(true)
        result["decision"] = .object([
            "rank": .integer(decision.rank), "kind": .string(decision.kind), "channel": .string(decision.channel),
            "score": JSONValue.double(decision.score) ?? .null, "message": decision.message.map(JSONValue.string) ?? .null,
            "explanation": explanation,
        ])
        result["recommended_items"] = items
        var summary = "Run \(stored.runID.map(String.init) ?? "?") (as of \(stored.runAsOf ?? "?")) ranked \(itemID) #\(decision.rank) "
            + "for \(clientID), via \(decision.channel), score \(Self.format(decision.score))."
        if let text = explanation["summary"]?.stringValue { summary += " " + text + (text.hasSuffix(".") ? "" : ".") }
        if case .array(let rules)? = explanation["admitted_by"], !rules.isEmpty {
            summary += " Admitted by: " + rules.compactMap(\.stringValue).joined(separator: "; ") + "."
        }
        return Answer(structured: .object(result), summary: summary)
    }

    private func searchClients(_ arguments: JSONValue?) throws -> Answer {
        var reader = ParamsReader(arguments, known: ["id_prefix", "segment", "limit"])
        let prefix = reader.id("id_prefix")
        let segment = reader.string("segment")
        if let segment, segment.utf8.count > 64 || segment.utf8.contains(0) {
            reader.fail("segment", "expected a segment name of at most 64 bytes")
        }
        let limit = reader.integer("limit", in: 1...50) ?? 20
        try reader.finish()
        var found = try RPCError.mapping(clientID: nil) { try store.searchClients(idPrefix: prefix, segment: segment, limit: limit + 1) }
        let truncated = found.count > limit
        if truncated { found.removeLast(found.count - limit) }
        let clients = found.map { client in
            JSONValue.object(["client_id": .string(client.clientID), "segment": .string(client.segment), "region": .string(client.region),
                              "first_seen": .string(client.firstSeen), "stage": client.stage.map(JSONValue.string) ?? .null])
        }
        var criteria: [String] = []
        if let prefix { criteria.append("id starting with \(prefix)") }
        if let segment { criteria.append("segment \(segment)") }
        var summary = "\(found.count)\(truncated ? "+" : "") client\(found.count == 1 ? "" : "s")"
            + (criteria.isEmpty ? "" : " with " + criteria.joined(separator: " and "))
        summary += found.isEmpty ? "." : ": " + found.map { "\($0.clientID) (\($0.segment.isEmpty ? "no segment" : $0.segment)\($0.stage.map { ", \($0)" } ?? ""))" }.joined(separator: ", ") + "."
        if truncated { summary += " More match: narrow the search or raise limit (at most 50)." }
        return Answer(structured: .object(["clients": .array(clients), "count": .integer(found.count), "truncated": .bool(truncated)]),
                      summary: summary)
    }

    private func recordResponse(_ arguments: JSONValue?) throws -> Answer {
        let result = try RecordMethods.call(arguments, kind: .responses, store: store)
        let row = try RecordMethods.row(arguments, kind: .responses)
        let names = ImportKind.responses.columns.map(\.name)
        func value(_ name: String) -> String { names.firstIndex(of: name).flatMap { row[$0] } ?? "?" }
        let summary = "Recorded: \(value("client_id")) \(value("outcome")) \(value("item_id")) via \(value("channel")) "
            + "(response \(value("response_id")), \(result["status"]?.stringValue ?? "stored"))."
        return Answer(structured: result, summary: summary)
    }

    /// A number for a sentence: at most two decimals.
    static func format(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }
}

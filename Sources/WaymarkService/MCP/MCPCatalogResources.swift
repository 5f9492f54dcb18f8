import Foundation
import WaymarkCore

/// The MCP resources (the loaded catalog, the facts a rule can use) and the prompt
/// `prepare_meeting`.
final class MCPCatalogResources {
    private let status: StatusMethods

    init(status: StatusMethods) {
        self.status = status
    }

    static let catalogURI = "waymark://catalog"
    static let factsURI = "waymark://facts"

    /// What `resources/list` answers.
    static let list: [JSONValue] = [
        .object(["uri": .string(catalogURI), "name": .string("catalog"), "title": .string("The loaded catalog"),
                 "description": .string("The current catalog's version and items: offers and messages with their titles, channels, rules (when), prerequisites, triggers, value and cooldown."),
                 "mimeType": .string("application/json")]),
        .object(["uri": .string(factsURI), "name": .string("facts"), "title": .string("Facts a rule can use"),
                 "description": .string("Every client fact the catalog's rules can name, with its type and meaning."),
                 "mimeType": .string("text/markdown")]),
    ]

    /// `resources/read`.
    ///
    /// - Throws: ``RPCError`` -32002 (MCP's resource not found) for another URI; the
    ///   `catalog` method's errors (no catalog loaded: -32005, the database down: -32003).
    func read(_ uri: String) throws -> JSONValue {
        let text: String
        let mimeType: String
        switch uri {
        case Self.catalogURI:
            text = try status.catalog(nil).jsonText
            mimeType = "application/json"
        case Self.factsURI:
            text = Self.factsMarkdown
            mimeType = "text/markdown"
        default:
            throw RPCError(code: MCPServer.resourceNotFoundCode, message: "Resource not found",
                           data: .object(["uri": .string(uri), "known": .array([.string(Self.catalogURI), .string(Self.factsURI)])]))
        }
        return .object(["contents": .array([.object(["uri": .string(uri), "mimeType": .string(mimeType), "text": .string(text)])])])
    }

    /// The facts of the rule language as a Markdown table (from ``Fact/documentation``).
    static var factsMarkdown: String {
        var lines = [
            "# Facts a Waymark rule can use",
            "",
            "A catalog item's `when` rule is an expression over these facts of one client (docs/rules.md), e.g. "
                + "`stage == \"active\" && clv_12m > 500 && !owns_category(\"insurance\")`.",
            "",
            "| fact | type | meaning |",
            "|---|---|---|",
        ]
        for fact in Fact.allCases {
            lines.append("| `\(fact.rawValue)` | \(fact.type) | \(fact.documentation.replacingOccurrences(of: "|", with: "\\|")) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: - Prompts

    /// What `prompts/list` answers.
    static let prompts: [JSONValue] = [
        .object([
            "name": .string("prepare_meeting"),
            "title": .string("Prepare for a meeting with a client"),
            "description": .string("Asks the assistant to read the client's profile and recommendations and summarise them for a meeting."),
            "arguments": .array([.object(["name": .string("client_id"), "description": .string("The client's id, e.g. C0000042."),
                                          "required": .bool(true)])]),
        ]),
    ]

    /// `prompts/get`.
    ///
    /// - Throws: ``RPCError`` -32602 for an unknown prompt or a missing or malformed `client_id`.
    static func prompt(_ name: String, arguments: JSONValue?) throws(RPCError) -> JSONValue {
        guard name == "prepare_meeting" else {
            throw RPCError(code: RPCError.invalidParamsCode, message: "Unknown prompt: \(name)",
                           data: .object(["prompt": .string(name), "known": .array([.string("prepare_meeting")])]))
        }
        var reader = ParamsReader(arguments, known: ["client_id"])
        let clientID = reader.id("client_id", required: true) ?? ""
        try reader.finish()
        let text = """
            Prepare me for a meeting with client \(clientID). Call the Waymark tool `profile` with client_id "\(clientID)" \
            and the tool `recommend` with client_id "\(clientID)" and why_not true. Then summarise in a few short bullet \
            points: who the client is (stage, tier, value, recent activity and life events), the next offers to propose \
            with their reasons and channel, what not to propose and why, and a suggested opening line for the conversation.
            """
        return .object([
            "description": .string("Prepare for a meeting with client \(clientID)"),
            "messages": .array([.object(["role": .string("user"), "content": .object(["type": .string("text"), "text": .string(text)])])]),
        ])
    }
}

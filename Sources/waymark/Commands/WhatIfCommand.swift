import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkReports
import WaymarkStore

/// `waymark what-if DRAFT.yaml`.
struct WhatIfCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "what-if",
        abstract: "What a draft catalog would change, before it is loaded: scored on the last night's data, nothing published.",
        discussion: """
            Scores every client with the draft catalog as of the last published night, with that night's fitted \
            models, and compares with what the night published: the clients whose top offer changes, per-item \
            counts before and after, messages gained and lost, the contact load per channel, and the expected \
            value (propensity × value) of the offers. Nothing is written to the database. The draft is validated \
            first, as `waymark catalog check` does (exit code 2 with every mistake).

            Examples:
              waymark what-if draft.yaml
              waymark what-if draft.yaml --format json
              waymark what-if draft.yaml --report what-if.html
            """
    )

    @Argument(help: ArgumentHelp("The draft catalog (YAML or JSON).", valueName: "draft.yaml"))
    var draft: String

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Also write an HTML report with plots of the counts and the contact load.", valueName: "file.html"))
    var report: String?

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.what-if")
            let connection = try database.connect(logger: logger)
            let catalog: Catalog
            do {
                catalog = try CatalogCommand.validate(file: draft, productsFile: nil, knownProducts: try CatalogStore(connection: connection).products())
            } catch let error as CatalogError {
                throw catalogFailure(error)
            }
            let result = try WhatIfRun(configuration: database.store().configuration).run(draft: catalog)
            let subtitle = "Draft \(draft) (version \(catalog.version)) against run \(result.runIDs.map(String.init).joined(separator: ", ")) as of \(result.asOf.isoDate), with that run's models. Nothing was published."
            if let report {
                let file = try DataOutput(path: report)
                try file.write(ExperimentReport.whatIf(result.comparison, subtitle: subtitle))
                try file.finish()
                printError("wrote \(report)")
            }
            switch output.format {
            case .json: try writeOutput(try JSONOutput.line(WhatIfJSON(result, draft: draft, version: catalog.version)))
            case .table: try writeOutput(Self.describe(result, subtitle: subtitle))
            }
        }
    }

    static func describe(_ r: WhatIfRun.Result, subtitle: String) -> String {
        let c = r.comparison
        var out = subtitle + "\n\n" + c.summaryLines.joined(separator: "\n") + "\n"
        if r.draftWithheld > 0 { out += "The draft's holdout withholds \(r.draftWithheld) recommendations (not counted above).\n" }
        var items = [["ITEM", "KIND", "PUBLISHED", "DRAFT", "CHANGE"]]
        for i in c.items { items.append([i.item, i.kind, String(i.before), String(i.after), String(format: "%+d", i.after - i.before)]) }
        out += "\nPer item:\n" + indented(alignedTable(items))
        var channels = [["CHANNEL", "PUBLISHED", "DRAFT", "CHANGE"]]
        for ch in c.channels { channels.append([ch.channel, String(ch.before), String(ch.after), String(format: "%+d", ch.after - ch.before)]) }
        out += "\nContact load per channel:\n" + indented(alignedTable(channels))
        if !c.topChanges.isEmpty {
            var changes = [["CLIENT", "PUBLISHED TOP OFFER", "DRAFT TOP OFFER"]]
            for t in c.topChanges.prefix(10) { changes.append([t.clientID, t.before ?? "none", t.after ?? "none"]) }
            out += "\nClients whose top offer changes (first 10 of \(c.topChanges.count); --format json lists all):\n" + indented(alignedTable(changes))
        }
        return out
    }

    static func indented(_ table: String) -> String {
        table.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}

/// The JSON form of a what-if.
struct WhatIfJSON: Encodable {
    struct Item: Encodable { var item: String; var kind: String; var before: Int; var after: Int }
    struct Load: Encodable { var channel: String; var before: Int; var after: Int }
    struct Change: Encodable { var client_id: String; var before: String?; var after: String? }
    var draft: String
    var draft_version: String
    var run_ids: [Int64]
    var as_of: String
    var clients: Int
    var items: [Item]
    var channels: [Load]
    var top_offer_changes: [Change]
    var messages_gained: Int
    var messages_lost: Int
    var expected_value_before: Double
    var expected_value_after: Double
    var draft_withheld: Int
    var published: Bool = false

    init(_ r: WhatIfRun.Result, draft: String, version: String) {
        let c = r.comparison
        self.draft = draft
        draft_version = version
        run_ids = r.runIDs
        as_of = r.asOf.isoDate
        clients = c.clients
        items = c.items.map { Item(item: $0.item, kind: $0.kind, before: $0.before, after: $0.after) }
        channels = c.channels.map { Load(channel: $0.channel, before: $0.before, after: $0.after) }
        top_offer_changes = c.topChanges.map { Change(client_id: $0.clientID, before: $0.before, after: $0.after) }
        messages_gained = c.messagesGained
        messages_lost = c.messagesLost
        expected_value_before = c.expectedValueBefore
        expected_value_after = c.expectedValueAfter
        draft_withheld = r.draftWithheld
    }
}

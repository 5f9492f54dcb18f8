import ArgumentParser
import Foundation
import WaymarkStore

/// `waymark runs list | show ID | prune --keep N`.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List, inspect and prune scoring runs.",
        discussion: """
            Examples:
              waymark runs list
              waymark runs show 42
              waymark runs prune --keep 7 --dry-run
            """,
        subcommands: [List.self, Show.self, Prune.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the scoring runs, newest first; * marks the runs readers use.",
            discussion: """
                Times are ISO 8601 in UTC (2025-06-01T02:00:13Z), in the table and in JSON.

                Examples:
                  waymark runs list
                  waymark runs list --limit 10 --format json
                """)

        @Option(help: "How to print: table, json or csv.")
        var format: RowsFormat = .table

        @Option(help: ArgumentHelp("At most this many runs.", valueName: "n"))
        var limit: Int = 50

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let connection = try database.connect(logger: database.logging.makeLogger("waymark.runs"))
                let runs = try RunStore(connection: connection).list(limit: limit)
                if format == .json { return try writeOutput(try JSONOutput.line(runs)) }
                if format == .csv {
                    return try writeOutput(csvText(
                        ["current", "run_id", "as_of", "shard", "status", "catalog_version", "started_at", "published_at"],
                        runs.map { [$0.current ? "true" : "false", String($0.runID), $0.asOf, $0.shard, $0.status,
                                    $0.catalogVersion.map(String.init) ?? "", utc($0.startedAt), $0.publishedAt.map(utc) ?? ""] }))
                }
                var rows = [["", "RUN", "AS OF", "SHARD", "STATUS", "CATALOG", "STARTED", "PUBLISHED"]]
                for run in runs {
                    rows.append([run.current ? "*" : "", String(run.runID), run.asOf, run.shard, run.status,
                                 run.catalogVersion.map(String.init) ?? "", utc(run.startedAt), run.publishedAt.map(utc) ?? ""])
                }
                try writeOutput(runs.isEmpty ? "no scoring runs yet: run waymark score\n" : alignedTable(rows))
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one run: parameters, fitted models and summary (JSON).",
            discussion: """
                Times are ISO 8601 in UTC (2025-06-01T02:00:13Z), as in waymark runs list.

                Examples:
                  waymark runs show 42
                  waymark runs show 42 | jq .summary.stages
                """)

        @Argument(help: ArgumentHelp("The run id (see waymark runs list).", valueName: "id"))
        var id: Int64

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try reportingErrors {
                let connection = try database.connect(logger: database.logging.makeLogger("waymark.runs"))
                let run = try RunStore(connection: connection).show(runID: id)
                var text = "{\"run_id\":\(run.runID),\"as_of\":\"\(run.asOf)\",\"shard\":\"\(run.shard)\",\"status\":\"\(run.status)\",\"current\":\(run.current)"
                text += ",\"catalog_version\":\(run.catalogVersion.map(String.init) ?? "null")"
                text += ",\"started_at\":\"\(utc(run.startedAt))\",\"published_at\":\(run.publishedAt.map { "\"\(utc($0))\"" } ?? "null")"
                text += ",\"parameters\":\(run.parameters ?? "null"),\"models\":\(run.models ?? "null"),\"summary\":\(run.summary ?? "null")}\n"
                try writeOutput(text)
            }
        }
    }

    struct Prune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete all but the newest N runs (their result partitions are dropped, not deleted row by row).",
            discussion: """
                A run is a published run, including one superseded since by a later run of the same night; \
                failed runs are always dropped. The runs readers use are always kept, as are runs still running. \
                Says which runs it keeps and which it drops.

                Examples:
                  waymark runs prune --keep 7
                  waymark runs prune --keep 7 --dry-run
                """)

        @Option(help: ArgumentHelp("How many runs (published or superseded) to keep.", valueName: "n"))
        var keep: Int

        @Flag(name: .customLong("dry-run"), help: "Say what would be kept and dropped; change nothing.")
        var dryRun = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            if keep < 1 { throw ValidationError("--keep must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let connection = try database.connect(logger: database.logging.makeLogger("waymark.runs"))
                let plan = try RunStore(connection: connection).prune(keep: keep, dryRun: dryRun)
                try writeOutput(Self.describe(plan, dryRun: dryRun))
            }
        }

        static func describe(_ plan: RunStore.PrunePlan, dryRun: Bool) -> String {
            func runs(_ ids: [Int64]) -> String {
                "\(ids.count) run\(ids.count == 1 ? "" : "s")" + (ids.isEmpty ? "" : ": " + ids.map(String.init).joined(separator: ", "))
            }
            var out = (dryRun ? "would keep " : "keeping ") + runs(plan.kept) + "\n"
            out += (dryRun ? "would drop " : "dropping ") + runs(plan.dropped) + "\n"
            if dryRun {
                out += "dry run: nothing was changed\n"
            } else {
                out += plan.dropped.isEmpty ? "nothing to prune\n" : "pruned \(runs(plan.dropped))\n"
            }
            return out
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` in UTC.
/// ISO 8601 in UTC with its zone, `2025-06-01T02:00:13Z`: the one time format of `runs list`
/// and `runs show`, in tables and JSON alike (JSONOutput's dates are the same).
func utc(_ date: Date) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: date)
}

/// Rows as columns padded to the widest cell; the last column is not padded.
func alignedTable(_ rows: [[String]]) -> String {
    guard let width = rows.map(\.count).max() else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
        row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }.joined(separator: "\n") + "\n"
}

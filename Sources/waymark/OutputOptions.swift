import ArgumentParser
import Foundation
import WaymarkCore

/// How a command prints its result: a table for people, or JSON for programs.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// The `--format table|json` option the read commands share.
struct OutputOptions: ParsableArguments {
    @Option(help: "table or json.")
    var format: OutputFormat = .table
}

/// How a command whose result is rows prints it: a table, JSON, or CSV (RFC 4180, a header row).
enum RowsFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// The `--format table|json|csv` option of the commands whose result is rows.
struct RowsOutputOptions: ParsableArguments {
    @Option(help: "table, json or csv.")
    var format: RowsFormat = .table
}

/// CSV text of a header and rows (RFC 4180 quoting where a field needs it).
func csvText(_ header: [String], _ rows: [[String]]) -> String {
    var text = ""
    CSVWriter.appendRecord(header, to: &text)
    for row in rows { CSVWriter.appendRecord(row, to: &text) }
    return text
}

/// The JSON set-ups of `waymark`, in one place.
enum JSONOutput {
    /// One line of JSON: sorted keys, ISO 8601 dates, non-finite numbers as the strings
    /// `Infinity`, `-Infinity` and `NaN`; ends with a line break.
    static func line(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    /// A pretty-printed JSON document with sorted keys and unescaped slashes; ends with a line break.
    static func document(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

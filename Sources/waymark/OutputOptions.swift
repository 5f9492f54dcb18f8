import ArgumentParser
import Foundation

/// How a command prints its result: a table for people, or JSON for programs.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

/// The `--format table|json` option the read commands share.
struct OutputOptions: ParsableArguments {
    @Option(help: "table or json.")
    var format: OutputFormat = .table
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

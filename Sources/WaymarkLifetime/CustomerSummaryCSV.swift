internal import WaymarkCore
/// One row of a customer-summary file: a client id, its summary and, optionally, its average spend.
package struct CustomerSummaryRow: Sendable, Hashable {
    package var clientID: String
    package var summary: CustomerSummary
    /// The average value of the repeat purchases (`monetary_value`), when the file has the column.
    package var monetaryValue: Double?
    /// The 1-based line of the row in the file.
    package var line: Int
}

/// A small reader for the BTYD customer-summary CSV: `client_id,frequency,recency,T[,monetary_value]`.
///
/// The format the usual BTYD tools (the Python `lifetimes` package's `summary_data_from_transaction_data`,
/// R's BTYD) produce: a header, then one client per line; frequency is the number of repeat
/// purchases (an integer, `3` or `3.0`), recency and T are in one time unit, monetary_value is the
/// average value of the repeat purchases. Columns may come in any order and the names are
/// matched without regard to case; an unknown or missing column is an error. The id column may
/// also be named `ID` or `customer_id`, or have an empty name (the index pandas writes, as in
/// files saved from `lifetimes`); an unnamed column beside a named id column is ignored. An empty
/// `monetary_value` is a missing one (nil); a repeat buyer with a zero or missing spend is
/// read, and left out of Gamma-Gamma by ``ClvReport``. Fields are plain
/// numbers and ids: a field wholly wrapped in double quotes is unwrapped, any other quote is rejected.
package enum CustomerSummaryCSV {
    package static let requiredColumns = ["client_id", "frequency", "recency", "T"]
    package static let optionalColumns = ["monetary_value"]
    /// Other names of the `client_id` column: `lifetimes`' own and the unnamed pandas index.
    package static let idAliases = ["id", "customer_id", ""]

    /// Parses the whole text of a file.
    ///
    /// - Parameter name: the file name used in messages (`summary.csv:12: …`).
    /// - Throws: `LifetimeError.invalidFile` for the first problem, as
    ///   `NAME:LINE: column N (name): what is wrong, got "value"`. Empty lines are skipped.
    package static func parse(_ text: String, name: String) throws(LifetimeError) -> [CustomerSummaryRow] {
        func fail(_ line: Int, _ message: String) -> LifetimeError {
            LifetimeError(.invalidFile, "\(name):\(line): \(message)")
        }
        // "\r\n" is a single Character in Swift: split on both line ends.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard let headerIndex = lines.firstIndex(where: { !$0.allSatisfy(\.isWhitespace) }) else {
            throw fail(1, "the file is empty; expected the header \(requiredColumns.joined(separator: ","))[,monetary_value]")
        }
        let header = try fields(lines[headerIndex], line: headerIndex + 1, fail: fail)
        let known = requiredColumns + optionalColumns
        var position: [String: Int] = [:]
        var unnamedIndex: Int?
        for (index, field) in header.enumerated() {
            if field.isEmpty && unnamedIndex == nil {
                unnamedIndex = index
                continue
            }
            if idAliases.contains(field.lowercased()) {
                guard position["client_id"] == nil else {
                    throw fail(headerIndex + 1, "column \(index + 1): a second client id column \"\(field)\"; name one of client_id, ID, customer_id")
                }
                position["client_id"] = index
                continue
            }
            guard let column = known.first(where: { $0.lowercased() == field.lowercased() }) else {
                throw fail(headerIndex + 1, "column \(index + 1): unknown column \"\(field)\"; expected \(requiredColumns.joined(separator: ", ")) and optionally monetary_value")
            }
            guard position[column] == nil else {
                throw fail(headerIndex + 1, "column \(index + 1): column \"\(column)\" appears twice")
            }
            position[column] = index
        }
        if position["client_id"] == nil, let unnamedIndex { position["client_id"] = unnamedIndex }
        for column in requiredColumns where position[column] == nil {
            throw fail(headerIndex + 1, "missing column \"\(column)\"; the header must name \(requiredColumns.joined(separator: ", ")) (and optionally monetary_value)")
        }
        var rows: [CustomerSummaryRow] = []
        var seen: [String: Int] = [:]
        for index in (headerIndex + 1)..<lines.count where !lines[index].allSatisfy(\.isWhitespace) {
            let lineNumber = index + 1
            let values = try fields(lines[index], line: lineNumber, fail: fail)
            guard values.count == header.count else {
                throw fail(lineNumber, "expected \(header.count) fields like the header, found \(values.count)")
            }
            func value(_ column: String) -> (text: String, label: String) {
                let i = position[column]!
                return (values[i], "column \(i + 1) (\(column))")
            }
            func number(_ column: String) throws(LifetimeError) -> Double {
                let (text, label) = value(column)
                guard let parsed = Double(text), parsed.isFinite, parsed >= 0 else {
                    throw fail(lineNumber, "\(label): expected a number, 0 or more, got \"\(text)\"")
                }
                return parsed
            }
            let (id, idLabel) = value("client_id")
            guard !id.isEmpty else { throw fail(lineNumber, "\(idLabel): the client id is empty") }
            if let first = seen[id] {
                throw fail(lineNumber, "\(idLabel): client \"\(id)\" already appears on line \(first)")
            }
            seen[id] = lineNumber
            let frequencyValue = try number("frequency")
            guard frequencyValue == frequencyValue.rounded(), frequencyValue < 1e15 else {
                throw fail(lineNumber, "\(value("frequency").label): expected a whole number of repeat purchases, got \"\(value("frequency").text)\"")
            }
            let summary = CustomerSummary(frequency: Int(frequencyValue), recency: try number("recency"), age: try number("T"))
            do {
                try summary.validate()
            } catch {
                throw fail(lineNumber, error.message)
            }
            var monetary: Double?
            if position["monetary_value"] != nil, !value("monetary_value").text.isEmpty {
                monetary = try number("monetary_value")
            }
            rows.append(CustomerSummaryRow(clientID: id, summary: summary, monetaryValue: monetary, line: lineNumber))
        }
        guard !rows.isEmpty else { throw fail(headerIndex + 1, "no client after the header") }
        return rows
    }

    private static func fields(
        _ line: Substring, line number: Int, fail: (Int, String) -> LifetimeError
    ) throws(LifetimeError) -> [String] {
        var result: [String] = []
        for (index, raw) in line.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            var field = raw.trimmingWhitespace()
            if field.contains("\"") {
                let inner = field.dropFirst().dropLast()
                guard field.count >= 2, field.first == "\"", field.last == "\"", !inner.contains("\"") else {
                    throw fail(number, "column \(index + 1): cannot read the quoted field \(field); this reader takes plain numbers and ids (no commas or quotes inside a field)")
                }
                field = inner.trimmingWhitespace()
            }
            result.append(String(field))
        }
        return result
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var slice = self
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return slice
    }
}

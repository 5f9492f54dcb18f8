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
        var text = text
        let result: Result<[CustomerSummaryRow], LifetimeError> = text.withUTF8 { bytes in
            do throws(LifetimeError) {
                return .success(try parse(bytes: bytes, name: name))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses a file's bytes (UTF-8): the header through the general field reader, then each line
    /// in place on its bytes (no `String` per field, decimals read without `strtod` when exact);
    /// a line with a quote or a non-ASCII byte takes the general reader, so both give the same
    /// rows and the same messages.
    package static func parse(bytes: UnsafeBufferPointer<UInt8>, name: String) throws(LifetimeError) -> [CustomerSummaryRow] {
        func fail(_ line: Int, _ message: String) -> LifetimeError {
            LifetimeError(.invalidFile, "\(name):\(line): \(message)")
        }
        // Line ends: "\n", with a "\r" before it trimmed as whitespace like any other.
        var offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var lineNumber = 0
        func nextLine() -> Range<Int>? {
            guard offset < bytes.count else { return nil }
            let start = offset
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            offset = end + 1
            lineNumber += 1
            return start..<end
        }
        func isBlank(_ range: Range<Int>) -> Bool {
            range.allSatisfy { isASCIIWhitespace(bytes[$0]) } || String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self).allSatisfy(\.isWhitespace)
        }
        var headerRange: Range<Int>?
        while let line = nextLine() {
            if !isBlank(line) { headerRange = line; break }
        }
        guard let headerRange else {
            throw fail(1, "the file is empty; expected the header \(requiredColumns.joined(separator: ","))[,monetary_value]")
        }
        let headerLine = lineNumber
        let header = try fields(Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[headerRange]), as: UTF8.self)), line: headerLine, fail: fail)
        let position = try columns(header, line: headerLine, fail: fail)
        let idColumn = position["client_id"]!, frequencyColumn = position["frequency"]!
        let recencyColumn = position["recency"]!, ageColumn = position["T"]!, monetaryColumn = position["monetary_value"]
        var nameOfColumn = [String](repeating: "", count: header.count)
        for (column, index) in position { nameOfColumn[index] = column }

        var rows: [CustomerSummaryRow] = []
        rows.reserveCapacity(bytes.count / 24)
        var seen: [String: Int] = [:]
        seen.reserveCapacity(bytes.count / 24)
        var ranges = [Range<Int>](repeating: 0..<0, count: header.count)
        while let line = nextLine() {
            // The fast path: plain ASCII, no quotes; fields are byte ranges, trimmed.
            var plain = true
            var count = 0
            var fieldStart = line.lowerBound
            var blank = true
            for i in line {
                let byte = bytes[i]
                if byte >= 0x80 || byte == 0x22 { plain = false; break }
                if blank, !isASCIIWhitespace(byte) { blank = false }
                if byte == 0x2C {
                    if count < ranges.count { ranges[count] = trimmed(bytes, fieldStart..<i) }
                    count += 1
                    fieldStart = i + 1
                }
            }
            if plain {
                if blank { continue }
                if count < ranges.count { ranges[count] = trimmed(bytes, fieldStart..<line.upperBound) }
                count += 1
            }
            let slow: [String]?
            if plain {
                slow = nil
            } else {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[line]), as: UTF8.self)
                if text.allSatisfy(\.isWhitespace) { continue }
                slow = try fields(Substring(text), line: lineNumber, fail: fail)
                count = slow!.count
            }
            guard count == header.count else {
                throw fail(lineNumber, "expected \(header.count) fields like the header, found \(count)")
            }
            func text(_ i: Int) -> String {
                slow?[i] ?? String(decoding: UnsafeBufferPointer(rebasing: bytes[ranges[i]]), as: UTF8.self)
            }
            func label(_ i: Int) -> String { "column \(i + 1) (\(nameOfColumn[i]))" }
            func number(_ i: Int) throws(LifetimeError) -> Double {
                let parsed = slow == nil ? decimal(bytes, ranges[i]) ?? Double(text(i)) : Double(text(i))
                guard let parsed, parsed.isFinite, parsed >= 0 else {
                    throw fail(lineNumber, "\(label(i)): expected a number, 0 or more, got \"\(text(i))\"")
                }
                return parsed
            }
            let id = text(idColumn)
            guard !id.isEmpty else { throw fail(lineNumber, "\(label(idColumn)): the client id is empty") }
            if let first = seen.updateValue(lineNumber, forKey: id) {
                throw fail(lineNumber, "\(label(idColumn)): client \"\(id)\" already appears on line \(first)")
            }
            let frequencyValue = try number(frequencyColumn)
            guard frequencyValue == frequencyValue.rounded(), frequencyValue < 1e15 else {
                throw fail(lineNumber, "\(label(frequencyColumn)): expected a whole number of repeat purchases, got \"\(text(frequencyColumn))\"")
            }
            let summary = CustomerSummary(frequency: Int(frequencyValue), recency: try number(recencyColumn), age: try number(ageColumn))
            do {
                try summary.validate()
            } catch {
                throw fail(lineNumber, error.message)
            }
            var monetary: Double?
            if let monetaryColumn, !(slow.map { $0[monetaryColumn].isEmpty } ?? ranges[monetaryColumn].isEmpty) {
                monetary = try number(monetaryColumn)
            }
            rows.append(CustomerSummaryRow(clientID: id, summary: summary, monetaryValue: monetary, line: lineNumber))
        }
        guard !rows.isEmpty else { throw fail(headerLine, "no client after the header") }
        return rows
    }

    /// The header's columns: each known column's position (the id column under "client_id").
    private static func columns(_ header: [String], line: Int, fail: (Int, String) -> LifetimeError) throws(LifetimeError) -> [String: Int] {
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
                    throw fail(line, "column \(index + 1): a second client id column \"\(field)\"; name one of client_id, ID, customer_id")
                }
                position["client_id"] = index
                continue
            }
            guard let column = known.first(where: { $0.lowercased() == field.lowercased() }) else {
                throw fail(line, "column \(index + 1): unknown column \"\(field)\"; expected \(requiredColumns.joined(separator: ", ")) and optionally monetary_value")
            }
            guard position[column] == nil else {
                throw fail(line, "column \(index + 1): column \"\(column)\" appears twice")
            }
            position[column] = index
        }
        if position["client_id"] == nil, let unnamedIndex { position["client_id"] = unnamedIndex }
        for column in requiredColumns where position[column] == nil {
            throw fail(line, "missing column \"\(column)\"; the header must name \(requiredColumns.joined(separator: ", ")) (and optionally monetary_value)")
        }
        return position
    }

    @inline(__always)
    private static func isASCIIWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// `range` without the ASCII whitespace at either end.
    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, isASCIIWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, isASCIIWhitespace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// Digits with at most one decimal point and at most 15 digits in all (`34.819116`, `3`): the
    /// integer of the digits over a power of ten, both exact in a Double, so the one rounding of
    /// the division gives the correctly rounded value `Double(text)` gives. Anything else is nil
    /// (the caller then asks `Double(text)`).
    @inline(__always)
    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        var mantissa: Int64 = 0
        var digits = 0, fraction = 0
        var seenPoint = false
        for i in range {
            let byte = bytes[i]
            if byte == 0x2E {
                guard !seenPoint else { return nil }
                seenPoint = true
            } else if byte >= 0x30, byte <= 0x39 {
                mantissa = mantissa * 10 + Int64(byte - 0x30)
                digits += 1
                if seenPoint { fraction += 1 }
            } else {
                return nil
            }
        }
        guard digits > 0, digits <= 15, !(seenPoint && fraction == 0), !(seenPoint && digits == fraction) else { return nil }
        return Double(mantissa) / powersOfTen[fraction]
    }

    private static let powersOfTen: [Double] = (0...15).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
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

import Foundation
import WaymarkCore

/// One problem with one row (or the header) of an import file.
package struct ImportIssue: Sendable, Equatable, CustomStringConvertible {
    package var file: String
    package var line: Int
    /// The 1-based byte on the line, when the problem is at one place of it (JSON syntax).
    package var character: Int?
    /// The column, when the problem is with one field.
    package var column: String?
    /// The offending value, when there is one.
    package var value: String?
    package var message: String
    /// A problem with the header (a CSV's column names), which no row can be set aside for.
    package var inHeader = false

    package init(file: String, line: Int, character: Int? = nil, column: String? = nil, value: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.character = character
        self.column = column
        self.value = value
        self.message = message
    }

    /// The same issue, marked as the header's.
    var ofHeader: ImportIssue {
        var issue = self
        issue.inHeader = true
        return issue
    }

    package var description: String {
        var text = "\(file):\(line)"
        if let character { text += ":\(character)" }
        if let column { text += ": column \(column)" }
        if let value { text += ": \(ImportIssue.quote(value))" }
        return text + ": " + message
    }

    /// A value as shown in a message: quoted, shortened when long.
    static func quote(_ value: String) -> String {
        let shown = value.count > 60 ? String(value.prefix(57)) + "…" : value
        return "'" + shown + "'"
    }
}

/// Checks the header and every row of an import file against its kind's columns, and turns each
/// valid row into the normalised text fields that COPY loads into the staging table.
package struct RowValidator: Sendable {
    package let kind: ImportKind
    package let file: String
    /// For each column of the kind, its position in the file's rows (nil when absent).
    let positions: [Int?]
    let columns: [ImportColumn]
    let width: Int
    /// How many unknown header columns are listed one by one; the rest are counted in one line.
    static let listedHeaderProblems = 10

    /// Matches the header against the kind's columns.
    /// - Throws: ``ImportIssue``s for unknown, duplicate or missing required columns, all at once.
    package init(kind: ImportKind, file: String, header: [String]) throws(StoreError) {
        self.kind = kind
        self.file = file
        self.columns = kind.columns
        self.width = header.count
        var issues: [ImportIssue] = []
        var index: [String: Int] = [:]
        let known = Set(columns.map(\.name))
        // A header of one column holding known names between semicolons, tabs or bars: a file
        // saved with another separator (a spreadsheet set to a European locale writes ';').
        if header.count == 1, let separator = [";", "\t", "|"].first(where: { header[0].contains($0) }),
           header[0].components(separatedBy: separator).contains(where: { known.contains($0.trimmingCharacters(in: .whitespaces)) }) {
            let shown = separator == "\t" ? "tabs" : "'\(separator)'"
            throw StoreError.invalidRows(issues: [ImportIssue(file: file, line: 1, message:
                "the header is one column, '\(header[0])': the file is separated by \(shown), but Waymark reads comma-separated CSV (RFC 4180); "
                + "save it with commas between the fields (or as JSON Lines, .jsonl)").ofHeader], errorCount: 1)
        }
        var unknownCount = 0
        for (position, rawName) in header.enumerated() {
            let name = rawName.trimmingCharacters(in: .whitespaces)
            if !known.contains(name) {
                unknownCount += 1
                guard unknownCount <= RowValidator.listedHeaderProblems else { continue }
                let suggestion = nearest(name, in: columns.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                issues.append(ImportIssue(file: file, line: 1, column: name.isEmpty ? "#\(position + 1)" : name,
                                          message: "unknown column for \(kind.rawValue)\(suggestion) (expected: \(columns.map(\.name).joined(separator: ", ")))"))
            } else if index[name] != nil {
                issues.append(ImportIssue(file: file, line: 1, column: name, message: "the column appears twice"))
            } else {
                index[name] = position
            }
        }
        if unknownCount > RowValidator.listedHeaderProblems {
            issues.append(ImportIssue(file: file, line: 1,
                                      message: "… and \(unknownCount - RowValidator.listedHeaderProblems) more unknown columns (\(unknownCount) in all)"))
        }
        for column in columns where column.required && index[column.name] == nil {
            issues.append(ImportIssue(file: file, line: 1, column: column.name,
                                      message: "required column is missing from the header"))
        }
        if !issues.isEmpty { throw StoreError.invalidRows(issues: issues.map(\.ofHeader), errorCount: issues.count) }
        self.positions = columns.map { index[$0.name] }
    }

    /// Validates one row; on success returns its fields in the kind's column order, normalised
    /// for COPY (nil = NULL).
    package func validate(_ fields: [String], line: Int) -> Result<[String?], StoreError> {
        guard fields.count == width else {
            return .failure(StoreError.invalidRows(issues: [ImportIssue(
                file: file, line: line,
                message: "expected \(width) fields as in the header, found \(fields.count) (a field with a comma must be quoted)")],
                errorCount: 1))
        }
        var output: [String?] = []
        output.reserveCapacity(columns.count)
        var issues: [ImportIssue] = []
        for (column, position) in zip(columns, positions) {
            let raw = position.map { fields[$0] } ?? ""
            if raw.isEmpty {
                if column.required {
                    issues.append(ImportIssue(file: file, line: line, column: column.name,
                                              message: "required value is empty (expected \(column.type.expectation))"))
                }
                output.append(column.defaultValue)
                continue
            }
            if let value = RowValidator.normalise(raw, as: column.type) {
                output.append(value)
            } else {
                issues.append(ImportIssue(file: file, line: line, column: column.name, value: raw.replacingOccurrences(of: "\u{0}", with: "\\0"),
                                          message: RowValidator.problem(raw, as: column.type)))
                output.append(nil)
            }
        }
        return issues.isEmpty ? .success(output) : .failure(StoreError.invalidRows(issues: issues, errorCount: issues.count))
    }

    /// The COPY text of one valid field, or nil when it is not valid for the type.
    package static func normalise(_ raw: String, as type: ImportFieldType) -> String? {
        switch type {
        case .id:
            return FieldFormats.isValidID(raw) ? raw : nil
        case .text:
            return raw.utf8.contains(0) ? nil : raw
        case .timestamp:
            // PostgreSQL reads a validated ISO 8601 timestamp as is; only a decimal comma needs rewriting.
            guard let timestamp = FieldFormats.parseTimestamp(raw) else { return nil }
            return raw.utf8.contains(0x2C) ? timestamp.postgresText : raw
        case .date:
            return FieldFormats.parseDate(raw) != nil ? raw : nil
        case .amount:
            guard let units = FieldFormats.parseAmount(raw), units >= 0 else { return nil }
            return raw.utf8.first == 0x2B ? FieldFormats.formatAmount(units) : raw
        case .bool:
            return FieldFormats.parseBool(raw).map { $0 ? "true" : "false" }
        case .positiveInteger:
            guard let value = Int(raw), value >= 1, value <= Int(Int32.max) else { return nil }
            return String(value)
        case .channel:
            if Channel(rawValue: raw) != nil { return raw }
            let lowered = raw.lowercased()
            return Channel(rawValue: lowered) != nil ? lowered : nil
        case .channelList:
            var channels: [String] = []
            for part in raw.split(separator: ";", omittingEmptySubsequences: true) {
                let name = part.trimmingCharacters(in: .whitespaces).lowercased()
                guard Channel(rawValue: name) != nil else { return nil }
                if !channels.contains(name) { channels.append(name) }
            }
            return "{" + channels.joined(separator: ",") + "}"
        case .jsonObject:
            guard let data = raw.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data),
                  object is [String: Any], !containsNUL(object)
            else { return nil }
            return raw
        case .oneOf(let values):
            let lowered = raw.lowercased()
            return values.contains(lowered) ? lowered : nil
        }
    }
}

extension RowValidator {
    /// What is wrong with `raw`, which ``normalise(_:as:)`` refused: the NUL character (which
    /// PostgreSQL cannot store), or what a valid value looks like (`expectation`, the type's own
    /// wording unless a caller words it for its format) with, for an id, a timestamp or an
    /// amount, what to write instead.
    package static func problem(_ raw: String, as type: ImportFieldType, expectation: String? = nil) -> String {
        var isJSON = false
        if case .jsonObject = type { isJSON = true }
        if raw.utf8.contains(0) || (isJSON && raw.contains("\\u0000")) {
            return "must not contain the NUL character"
        }
        let expected = "expected \(expectation ?? type.expectation)"
        return hint(raw, as: type).map { "\(expected) (\($0))" } ?? expected
    }

    /// How to write a refused id, timestamp or amount instead (``FieldFormats/idHint(_:)``,
    /// ``FieldFormats/timestampHint(_:)``, ``FieldFormats/amountHint(_:)``), nil for other types or
    /// when there is nothing to add.
    static func hint(_ raw: String, as type: ImportFieldType) -> String? {
        switch type {
        case .id: FieldFormats.idHint(raw)
        case .timestamp: FieldFormats.timestampHint(raw)
        case .amount: FieldFormats.amountHint(raw)
        default: nil
        }
    }

    /// Whether a parsed JSON value holds a NUL character in a string or a member name (jsonb refuses it).
    static func containsNUL(_ value: Any) -> Bool {
        switch value {
        case let string as String: return string.utf8.contains(0)
        case let array as [Any]: return array.contains { containsNUL($0) }
        case let object as [String: Any]: return object.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        default: return false
        }
    }
}

/// The closest name by edit distance, when it is close enough to be a likely typo.
package func nearest(_ name: String, in candidates: [String]) -> String? {
    var best: (String, Int)?
    for candidate in candidates {
        let distance = RuleSuggestion.editDistance(name.lowercased(), candidate)
        if distance <= max(2, candidate.count / 3), distance < (best?.1 ?? .max) { best = (candidate, distance) }
    }
    return best?.0
}

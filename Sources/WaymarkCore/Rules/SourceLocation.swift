/// A position in a file, as an editor shows it: an optional file name, a 1-based line and a
/// 1-based column.
///
/// Rule diagnostics carry one. A caller that compiles a rule taken from a larger document (a
/// `when:` value in a YAML catalog) passes the position where the rule text starts as the
/// `origin` of the compilation, and every diagnostic is then reported in file coordinates.
package struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file name, or `nil` when the text did not come from a file.
    package var file: String?
    /// The 1-based line.
    package var line: Int
    /// The 1-based column, counted in Unicode scalars.
    package var column: Int

    package init(file: String? = nil, line: Int = 1, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or `line:column` without a file.
    package var description: String {
        if let file { "\(file):\(line):\(column)" } else { "\(line):\(column)" }
    }

    /// This location moved into the coordinates of a document in which the rule text starts at
    /// `origin`.
    ///
    /// The line is shifted by `origin.line - 1`; the column is shifted by `origin.column - 1` on
    /// every line, which is right both for a one-line rule that starts after a key (`when: ...`)
    /// and for a YAML block scalar (`when: |`), whose lines all share the indentation of its
    /// first line. The file is `origin.file` when this location has none.
    package func offset(by origin: SourceLocation) -> SourceLocation {
        SourceLocation(
            file: file ?? origin.file,
            line: origin.line + line - 1,
            column: origin.column + column - 1
        )
    }
}

/// A position inside a rule's text: a UTF-8 offset plus the line and column it falls on.
package struct SourcePosition: Sendable, Hashable, Comparable {
    /// The offset in UTF-8 code units from the start of the rule text.
    package var offset: Int
    /// The 1-based line.
    package var line: Int
    /// The 1-based column, counted in Unicode scalars (a multi-byte character is one column).
    package var column: Int

    package init(offset: Int, line: Int, column: Int) {
        self.offset = offset
        self.line = line
        self.column = column
    }

    package static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        lhs.offset < rhs.offset
    }
}

/// A half-open range of a rule's text: from `start` up to, not including, `end`.
package struct SourceRange: Sendable, Hashable {
    package var start: SourcePosition
    package var end: SourcePosition

    package init(start: SourcePosition, end: SourcePosition) {
        self.start = start
        self.end = end
    }

    /// The smallest range covering both ranges.
    package func union(_ other: SourceRange) -> SourceRange {
        SourceRange(start: min(start, other.start), end: max(end, other.end))
    }

    /// The text of this range in `source`, the rule text it was taken from.
    package func text(in source: String) -> String {
        let utf8 = source.utf8
        guard start.offset >= 0, end.offset <= utf8.count, start.offset <= end.offset else { return "" }
        let from = utf8.index(utf8.startIndex, offsetBy: start.offset)
        let to = utf8.index(from, offsetBy: end.offset - start.offset)
        return String(decoding: utf8[from..<to], as: UTF8.self)
    }

    /// The location of the start of this range, relative to the rule text.
    package var location: SourceLocation {
        SourceLocation(file: nil, line: start.line, column: start.column)
    }
}

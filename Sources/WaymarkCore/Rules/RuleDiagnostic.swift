/// One mistake in a rule, with its position and, where possible, a fix.
///
/// The message quotes the offending token and says what was expected, for example
/// `unknown fact 'purchse_count'; did you mean 'purchase_count'?`. `description` renders the
/// compiler-style line `file:line:column: error: message`.
package struct RuleDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong and how to fix it.
    package var message: String
    /// Where the mistake is: relative to the rule text, or in file coordinates when the rule was
    /// compiled with an `origin` (see `SourceLocation.offset(by:)`).
    package var location: SourceLocation
    /// The offending range inside the rule text (never offset).
    package var range: SourceRange
    /// The offending token as written, when there is one.
    package var token: String?
    /// The nearest known name, for an unknown fact, function or vocabulary word.
    package var suggestion: String?

    package init(
        message: String,
        location: SourceLocation,
        range: SourceRange,
        token: String? = nil,
        suggestion: String? = nil
    ) {
        self.message = message
        self.location = location
        self.range = range
        self.token = token
        self.suggestion = suggestion
    }

    /// The 1-based line of `location`.
    package var line: Int { location.line }
    /// The 1-based column of `location`.
    package var column: Int { location.column }
    /// The file of `location`, if any.
    package var file: String? { location.file }

    /// `file:line:column: error: message` (`line:column: error: message` without a file).
    package var description: String { "\(location): error: \(message)" }

    /// This diagnostic moved into the coordinates of a document in which the rule text starts
    /// at `origin`. Use it for diagnostics of a rule compiled without an origin.
    package func offset(by origin: SourceLocation) -> RuleDiagnostic {
        var copy = self
        copy.location = location.offset(by: origin)
        return copy
    }
}

/// The error thrown when a rule does not compile: every diagnostic found, in source order.
package struct RuleCompileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// All the mistakes found in the rule; never empty.
    package var diagnostics: [RuleDiagnostic]

    package init(diagnostics: [RuleDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One `file:line:column: error: message` line per diagnostic.
    package var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// Nearest-name suggestions for unknown identifiers.
package enum RuleSuggestion {
    /// The candidate nearest to `name` by edit distance (insertions, deletions, substitutions
    /// and swaps of adjacent letters each count one), or `nil` when none is close enough.
    ///
    /// Close enough means a distance of at most a third of the name's length (at least 1, at
    /// most 3). Case is ignored; ties go to the candidate listed first.
    package static func nearest(to name: String, in candidates: some Sequence<String>) -> String? {
        let lowered = name.lowercased()
        let limit = min(3, max(1, lowered.unicodeScalars.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance <= limit, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// The optimal-string-alignment distance between two strings, over Unicode scalars.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            swap(&previousPrevious, &previous)
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// A type-checked rule, compiled once and evaluated for every client.
///
/// A `CompiledRule` is an immutable `Sendable` value: share it between threads freely. Facts
/// and functions are resolved at compile time, constant sub-expressions are folded, and `in`
/// over a literal list is a set lookup. Evaluation never traps: division by zero gives `null`,
/// int arithmetic saturates, and a value of an unexpected type (through `dyn`) makes a
/// comparison false.
///
/// ```swift
/// let rule = try RuleCompiler.compile(#"stage == "active" && !owns("life-cover")"#)
/// if rule.evaluate(facts) { ... }
/// else { print("not eligible:", rule.firstFailingClause(facts) ?? rule.explain) }
/// ```
package struct CompiledRule: Sendable, CustomStringConvertible {
    /// The rule text, as written.
    package let source: String
    /// Where the rule text starts in its file (line 1, column 1 of an unnamed text by default).
    package let origin: SourceLocation
    /// The static type of the expression (`bool` or `dyn` for a `when` rule).
    package let type: RuleType
    /// Every string literal naming a product, category, item, life-event kind, channel,
    /// attribute or tier, in source order, for the catalog to check against its vocabulary.
    package let references: [RuleReference]
    /// The source text of each top-level `&&` operand, in order (the whole rule when it is not
    /// a conjunction).
    package let clauses: [String]

    let program: RuleProgram
    let root: Int32
    let clauseNodes: [Int32]

    init(
        source: String,
        origin: SourceLocation,
        type: RuleType,
        program: RuleProgram,
        root: Int32,
        clauses: [(node: Int32, range: SourceRange)],
        references: [RuleReference]
    ) {
        self.source = source
        self.origin = origin
        self.type = type
        self.program = program
        self.root = root
        self.clauseNodes = clauses.map(\.node)
        self.clauses = clauses.map { Self.normalizingWhitespace($0.range.text(in: source)) }
        self.references = references
    }

    /// Compiles a rule; see `RuleCompiler.compile(_:origin:expecting:)`.
    package init(_ source: String, origin: SourceLocation = SourceLocation(), expecting: RuleType? = .bool) throws(RuleCompileError) {
        self = try RuleCompiler.compile(source, origin: origin, expecting: expecting)
    }

    /// Whether the rule holds for the client: true only when it evaluates to the bool `true`
    /// (`null` or a non-bool `dyn` value is false). `&&` and `||` short-circuit.
    package func evaluate(_ context: some RuleContext) -> Bool {
        program.truth(root, context)
    }

    /// The value of the expression for the client (`null` when it is unknown or undefined,
    /// such as a division by zero).
    package func evaluateValue(_ context: some RuleContext) -> RuleValue {
        program.value(root, context)
    }

    /// Appends this rule's program to `merged`; returns where each top-level clause
    /// (``clauses``[k]) now is in it.
    func appendClauses(to merged: inout RuleProgram) -> [Int32] {
        let base = merged.append(program, node: 0)
        return clauseNodes.map { $0 + base }
    }

    /// The source text of the first top-level `&&` operand that does not hold for the client,
    /// or `nil` when the rule holds. The answer to "why was this item not eligible?".
    package func firstFailingClause(_ context: some RuleContext) -> String? {
        for (k, node) in clauseNodes.enumerated() where !program.truth(node, context) {
            return clauses[k]
        }
        return nil
    }

    /// Every top-level `&&` operand with whether it holds for the client; all are evaluated,
    /// without short-circuit, for a full explanation.
    package func clauseResults(_ context: some RuleContext) -> [(clause: String, holds: Bool)] {
        zip(clauses, clauseNodes).map { ($0, program.truth($1, context)) }
    }

    /// The value of the rule when it reads nothing from the client (`true`, `1 < 2`), else nil.
    package var constantValue: RuleValue? {
        if case .constant(let value) = program.nodes[Int(root)] { return value }
        return nil
    }

    /// A short human-readable rendering: the rule text on one line.
    package var explain: String { Self.normalizingWhitespace(source) }

    package var description: String { explain }

    /// The text with comments removed and every run of whitespace outside string literals
    /// collapsed to one space.
    static func normalizingWhitespace(_ text: String) -> String {
        var result = ""
        var quote: Character?
        var escaped = false
        var pendingSpace = false
        var iterator = Array(text).makeIterator()
        var previous: Character?
        while let character = iterator.next() {
            if let open = quote {
                result.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == open { quote = nil }
                previous = character
                continue
            }
            if character == "/" && previous == "/" {
                // A comment: drop the first '/' already written, and the rest of the line.
                result.removeLast()
                while result.last == " " { result.removeLast() }
                while let next = iterator.next(), next != "\n" {}
                pendingSpace = !result.isEmpty
                previous = nil
                continue
            }
            if character == " " || character == "\t" || character == "\n" || character == "\r" || character == "\r\n" {
                pendingSpace = !result.isEmpty
                previous = character
                continue
            }
            if pendingSpace {
                result.append(" ")
                pendingSpace = false
            }
            if character == "\"" || character == "'" { quote = character }
            result.append(character)
            previous = character
        }
        return result
    }
}

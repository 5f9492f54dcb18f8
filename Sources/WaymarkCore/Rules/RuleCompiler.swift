/// Names the rule compiler knows besides facts and functions.
package enum RuleVocabulary {
    /// The lifecycle stages `stage` and `previous_stage` take (`previous_stage` may also be "").
    package static let stages = LifecycleStage.allCases.map(\.rawValue)
}

/// Type-checks a parsed rule against the facts and the function table, and lowers it to a
/// `RuleProgram`, folding constant sub-expressions.
///
/// Every type error and every unknown name is reported, not only the first; an expression
/// with an error gets the type `error`, which silences follow-on errors about it.
package enum RuleCompiler {
    /// Compiles a rule (or, with `expecting: nil`, any expression).
    ///
    /// - Parameters:
    ///   - source: The rule text, e.g. `stage == "active" && owns("fund-index")`.
    ///   - origin: Where the rule text starts in its file; diagnostics and references are
    ///     offset by it (see `SourceLocation.offset(by:)`). Defaults to line 1, column 1 of an
    ///     unnamed text.
    ///   - expecting: The type the expression must have; `.bool` for a `when` rule (a `dyn`
    ///     expression such as `attributes.vip` is accepted, and a non-bool value at run time
    ///     counts as false). `nil` accepts any type.
    /// - Returns: The compiled rule, ready to evaluate on any thread.
    /// - Throws: `RuleCompileError` with every diagnostic found, in source order. Literal names
    ///   of products, categories, items and the like are not errors here: they are listed in
    ///   `CompiledRule.references` for the catalog to check.
    package static func compile(
        _ source: String,
        origin: SourceLocation = SourceLocation(),
        expecting: RuleType? = .bool
    ) throws(RuleCompileError) -> CompiledRule {
        let syntax: RuleSyntax
        switch RuleParser.parse(source) {
        case .success(let parsed):
            syntax = parsed
        case .failure(let error):
            throw RuleCompileError(diagnostics: error.diagnostics.map { $0.offset(by: origin) })
        }
        var checker = RuleChecker(source: source)
        let root = checker.lower(syntax)
        if let expecting, root.type != .error, !root.type.isCompatible(with: CheckedType(expecting)) {
            let what = expecting == .bool ? "a rule must be a condition (bool)" : "the expression must be '\(expecting)'"
            checker.report("\(what), but this expression is '\(root.type)'", at: syntax.range)
        }
        if !checker.diagnostics.isEmpty {
            let sorted = checker.diagnostics.enumerated().sorted {
                ($0.element.range.start.offset, $0.offset) < ($1.element.range.start.offset, $1.offset)
            }
            throw RuleCompileError(diagnostics: sorted.map { $0.element.offset(by: origin) })
        }
        let references = checker.references.map {
            var reference = $0
            reference.location = reference.location.offset(by: origin)
            return reference
        }
        return CompiledRule(
            source: source,
            origin: origin,
            type: root.type.ruleType,
            program: checker.program,
            root: root.node,
            clauses: checker.clauses(of: root.node),
            references: references
        )
    }
}

/// The static type of an expression while checking: a `RuleType`, or `null` (the literal), or
/// `error` (an expression already reported).
indirect enum CheckedType: Hashable, CustomStringConvertible {
    case int, double, string, bool, dyn, map, null, error
    case list(CheckedType)

    init(_ type: RuleType) {
        switch type {
        case .int: self = .int
        case .double: self = .double
        case .string: self = .string
        case .bool: self = .bool
        case .dyn: self = .dyn
        case .map: self = .map
        case .list(let element): self = .list(CheckedType(element))
        }
    }

    var ruleType: RuleType {
        switch self {
        case .int: .int
        case .double: .double
        case .string: .string
        case .bool: .bool
        case .map: .map
        case .dyn, .null, .error: .dyn
        case .list(let element): .list(element.ruleType)
        }
    }

    var description: String {
        switch self {
        case .null: "null"
        case .error: "error"
        default: ruleType.description
        }
    }

    var isNumeric: Bool { self == .int || self == .double }
    /// `dyn`, or an already reported error: accepted anywhere.
    var isOpen: Bool { self == .dyn || self == .error }

    /// Whether values of the two types can be compared for equality (and be the element
    /// looked for in a list of the other).
    func isCompatible(with other: CheckedType) -> Bool {
        switch (self, other) {
        case _ where self == other: true
        case (.dyn, _), (_, .dyn), (.error, _), (_, .error), (.null, _), (_, .null): true
        case (.int, .double), (.double, .int): true
        case (.list(let a), .list(let b)): a.isCompatible(with: b)
        default: false
        }
    }

    /// The common type of two branches or list elements, or `nil` when they have none.
    func unified(with other: CheckedType) -> CheckedType? {
        switch (self, other) {
        case _ where self == other: self
        case (.error, _), (_, .error): .error
        case (.null, let t), (let t, .null): t
        case (.dyn, _), (_, .dyn): .dyn
        case (.int, .double), (.double, .int): .double
        case (.list(let a), .list(let b)): a.unified(with: b).map { .list($0) }
        default: nil
        }
    }
}

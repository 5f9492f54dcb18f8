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

/// The checking and lowering pass.
struct RuleChecker {
    struct Lowered {
        var node: Int32
        var type: CheckedType
    }

    let source: String
    var program = RuleProgram()
    var ranges: [SourceRange] = []
    var diagnostics: [RuleDiagnostic] = []
    var references: [RuleReference] = []

    init(source: String) {
        self.source = source
    }

    // MARK: Reporting

    mutating func report(_ message: String, at range: SourceRange, suggestion: String? = nil) {
        diagnostics.append(RuleDiagnostic(
            message: message,
            location: range.location,
            range: range,
            token: range.text(in: source),
            suggestion: suggestion
        ))
    }

    private func quoted(_ range: SourceRange) -> String {
        let text = range.text(in: source)
        return text.unicodeScalars.count > 40 ? "'\(String(text.prefix(37)))...'" : "'\(text)'"
    }

    private mutating func reference(_ kind: RuleReference.Kind, _ function: String, _ argument: String, _ range: SourceRange) {
        references.append(RuleReference(kind: kind, function: function, argument: argument, range: range, location: range.location))
    }

    // MARK: Emitting

    private mutating func emit(_ node: RuleNode, _ range: SourceRange) -> Int32 {
        program.nodes.append(node)
        ranges.append(range)
        let index = Int32(program.nodes.count - 1)
        foldIfConstant(index)
        return index
    }

    private mutating func error(_ range: SourceRange) -> Lowered {
        Lowered(node: emit(.constant(.null), range), type: .error)
    }

    private mutating func operands(_ nodes: [Int32]) -> (start: Int32, count: Int32) {
        let start = Int32(program.operands.count)
        program.operands.append(contentsOf: nodes)
        return (start, Int32(nodes.count))
    }

    private func isConstant(_ i: Int32) -> Bool {
        if case .constant = program.nodes[Int(i)] { return true }
        return false
    }

    private func constantValue(_ i: Int32) -> RuleValue? {
        if case .constant(let value) = program.nodes[Int(i)] { return value }
        return nil
    }

    /// Replaces node `i` by its value when it reads nothing from the client and all its
    /// operands are constants.
    private mutating func foldIfConstant(_ i: Int32) {
        let children: [Int32]
        switch program.nodes[Int(i)] {
        case .constant, .fact, .attribute, .dynamicAttribute, .inAttributes:
            return
        case .isNull(let a), .isNotNull(let a), .not(let a), .negate(let a), .inSet(let a, _),
             .inStrings(let a, _):
            children = [a]
        case .arithmetic(_, let a, let b), .compare(_, let a, let b), .and(let a, let b), .or(let a, let b),
             .inValue(let a, let b), .index(let a, let b):
            children = [a, b]
        case .conditional(let a, let b, let c):
            children = [a, b, c]
        case .list(let start, let count):
            children = Array(program.operands[Int(start)..<Int(start + count)])
        case .keyedCall:
            return
        case .call(let function, let start, let count):
            guard !function.readsContext else { return }
            children = Array(program.operands[Int(start)..<Int(start + count)])
        }
        guard children.allSatisfy(isConstant) else { return }
        let value = program.value(i, ConstantFoldingContext())
        program.nodes[Int(i)] = .constant(value)
    }

    /// The nodes of the top-level `&&` operands of `root`, in order.
    func clauses(of root: Int32) -> [(node: Int32, range: SourceRange)] {
        if case .and(let lhs, let rhs) = program.nodes[Int(root)] {
            return clauses(of: lhs) + clauses(of: rhs)
        }
        return [(root, ranges[Int(root)])]
    }

    // MARK: Lowering

    mutating func lower(_ syntax: RuleSyntax) -> Lowered {
        let range = syntax.range
        switch syntax.kind {
        case .int(let value):
            return Lowered(node: emit(.constant(.int(value)), range), type: .int)
        case .double(let value):
            return Lowered(node: emit(.constant(.double(value)), range), type: .double)
        case .string(let value):
            return Lowered(node: emit(.constant(.string(value)), range), type: .string)
        case .bool(let value):
            return Lowered(node: emit(.constant(.bool(value)), range), type: .bool)
        case .null:
            return Lowered(node: emit(.constant(.null), range), type: .null)
        case .identifier(let name):
            return lowerIdentifier(name, range)
        case .member(let base, let name, let nameRange):
            if case .identifier("attributes") = base.kind {
                return Lowered(node: emit(.attribute(name), range), type: .dyn)
            }
            let lowered = lower(base)
            if lowered.type != .error {
                report("'\(lowered.type)' has no member '\(name)'; only attributes.NAME has members", at: nameRange)
            }
            return error(range)
        case .index(let base, let index):
            return lowerIndex(base, index, range)
        case .call(let name, let nameRange, let arguments):
            return lowerCall(name, nameRange, arguments, range)
        case .list(let elements):
            return lowerList(elements, range)
        case .unary(let op, let operand):
            let lowered = lower(operand)
            switch op {
            case .not:
                if !(lowered.type == .bool || lowered.type.isOpen) {
                    report("'!' expects a bool, but \(quoted(operand.range)) is '\(lowered.type)'", at: operand.range)
                    return error(range)
                }
                return Lowered(node: emit(.not(lowered.node), range), type: .bool)
            case .negate:
                if !(lowered.type.isNumeric || lowered.type.isOpen) {
                    report("'-' expects an int or a double, but \(quoted(operand.range)) is '\(lowered.type)'", at: operand.range)
                    return error(range)
                }
                return Lowered(node: emit(.negate(lowered.node), range), type: lowered.type)
            }
        case .binary(let op, let lhs, let rhs, let operatorRange):
            return lowerBinary(op, lhs, rhs, operatorRange, range)
        case .conditional(let condition, let then, let otherwise):
            let c = lower(condition)
            if !(c.type == .bool || c.type.isOpen) {
                report("the condition of '?:' must be a bool, but \(quoted(condition.range)) is '\(c.type)'", at: condition.range)
            }
            var t = lower(then)
            var e = lower(otherwise)
            guard let type = t.type.unified(with: e.type) else {
                report("the branches of '?:' have different types, '\(t.type)' and '\(e.type)'", at: otherwise.range)
                return error(range)
            }
            if type == .double {
                t.node = promoted(t, then.range)
                e.node = promoted(e, otherwise.range)
            }
            return Lowered(node: emit(.conditional(c.node, t.node, e.node), range), type: type)
        }
    }

    /// An int expression converted to double, so a `double` expression always yields doubles.
    private mutating func promoted(_ lowered: Lowered, _ range: SourceRange) -> Int32 {
        guard lowered.type == .int else { return lowered.node }
        let (start, count) = operands([lowered.node])
        return emit(.call(.double, start: start, count: count), range)
    }

    private mutating func lowerIdentifier(_ name: String, _ range: SourceRange) -> Lowered {
        if let fact = Fact(rawValue: name) {
            if fact == .attributes {
                report("'attributes' is the map of custom attributes; read one with attributes.NAME or test it with has(attributes.NAME)", at: range)
                return error(range)
            }
            return Lowered(node: emit(.fact(fact), range), type: CheckedType(fact.type))
        }
        if RuleFunction(rawValue: name) != nil {
            report("'\(name)' is a function; call it with arguments, e.g. \(RuleFunction(rawValue: name)!.example)", at: range)
            return error(range)
        }
        let suggestion = RuleSuggestion.nearest(to: name, in: Fact.allCases.map(\.rawValue))
            ?? RuleSuggestion.nearest(to: name, in: RuleFunction.allCases.map(\.rawValue)).map { "\($0)(...)" }
        var message = "unknown fact '\(name)'"
        if let suggestion { message += "; did you mean '\(suggestion)'?" }
        report(message, at: range, suggestion: suggestion)
        return error(range)
    }

    private mutating func lowerIndex(_ base: RuleSyntax, _ index: RuleSyntax, _ range: SourceRange) -> Lowered {
        if case .identifier("attributes") = base.kind {
            let key = lower(index)
            if case .string(let name)? = constantValue(key.node) {
                reference(.attribute, "attributes", name, index.range)
                return Lowered(node: emit(.attribute(name), range), type: .dyn)
            }
            if !(key.type == .string || key.type.isOpen) {
                report("an attribute name must be a string, but \(quoted(index.range)) is '\(key.type)'", at: index.range)
                return error(range)
            }
            return Lowered(node: emit(.dynamicAttribute(key.node), range), type: .dyn)
        }
        let list = lower(base)
        let position = lower(index)
        let element: CheckedType
        switch list.type {
        case .list(let e): element = e
        case .dyn, .error: element = list.type == .error ? .error : .dyn
        default:
            report("only lists can be indexed, but \(quoted(base.range)) is '\(list.type)'", at: base.range)
            return error(range)
        }
        if !(position.type == .int || position.type.isOpen) {
            report("a list index must be an int, but \(quoted(index.range)) is '\(position.type)'", at: index.range)
            return error(range)
        }
        return Lowered(node: emit(.index(list.node, position.node), range), type: element)
    }

    private mutating func lowerList(_ elements: [RuleSyntax], _ range: SourceRange) -> Lowered {
        var lowered: [Lowered] = []
        var type: CheckedType = .null
        var failed = false
        for element in elements {
            let next = lower(element)
            lowered.append(next)
            if next.type == .map { continue }
            if let unified = type.unified(with: next.type) {
                type = unified
            } else if !failed {
                failed = true
                report("list elements must share one type, but \(quoted(element.range)) is '\(next.type)' in a list of '\(type)'", at: element.range)
            }
        }
        if failed { return error(range) }
        if type == .null { type = elements.isEmpty ? .dyn : .null }
        let nodes = zip(lowered, elements).map { type == .double ? promoted($0.0, $0.1.range) : $0.0.node }
        let (start, count) = operands(nodes)
        return Lowered(node: emit(.list(start: start, count: count), range), type: .list(type == .null ? .dyn : type))
    }

    // MARK: Operators

    private mutating func lowerBinary(
        _ op: RuleBinaryOperator, _ lhs: RuleSyntax, _ rhs: RuleSyntax, _ operatorRange: SourceRange, _ range: SourceRange
    ) -> Lowered {
        let symbol = "'\(op.rawValue)'"
        switch op {
        case .and, .or:
            let l = lower(lhs)
            let r = lower(rhs)
            for (side, syntax) in [(l, lhs), (r, rhs)] where !(side.type == .bool || side.type.isOpen) {
                report("\(symbol) expects bool operands, but \(quoted(syntax.range)) is '\(side.type)'", at: syntax.range)
            }
            let node: RuleNode = op == .and ? .and(l.node, r.node) : .or(l.node, r.node)
            return Lowered(node: emit(node, range), type: .bool)

        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            // `e == null` and `e != null` test for null; every other comparison with null is false.
            let lhsIsNull = lhs.kind == .null
            let rhsIsNull = rhs.kind == .null
            if lhsIsNull || rhsIsNull {
                guard op == .equal || op == .notEqual else {
                    report("null can only be compared with '==' or '!=', not \(symbol)", at: operatorRange)
                    return error(range)
                }
                let other = lower(lhsIsNull ? rhs : lhs)
                if other.type == .map {
                    return error(range)
                }
                let node: RuleNode = op == .equal ? .isNull(other.node) : .isNotNull(other.node)
                return Lowered(node: emit(node, range), type: .bool)
            }
            let l = lower(lhs)
            let r = lower(rhs)
            let ordering = !(op == .equal || op == .notEqual)
            let comparable: Bool
            if ordering {
                comparable = (l.type.isNumeric || l.type.isOpen) && (r.type.isNumeric || r.type.isOpen)
                    || (l.type == .string || l.type.isOpen) && (r.type == .string || r.type.isOpen)
            } else {
                comparable = l.type.isCompatible(with: r.type)
            }
            if !comparable {
                let detail = ordering && l.type == r.type ? "; \(symbol) orders only numbers and strings" : ""
                report("cannot compare '\(l.type)' with '\(r.type)' using \(symbol)\(detail)", at: operatorRange)
                return error(range)
            }
            if op == .equal || op == .notEqual {
                checkVocabulary(lhs, rhs)
                checkVocabulary(rhs, lhs)
            }
            return Lowered(node: emit(.compare(op, l.node, r.node), range), type: .bool)

        case .in:
            if case .identifier("attributes") = rhs.kind {
                let key = lower(lhs)
                if !(key.type == .string || key.type.isOpen) {
                    report("'in attributes' looks for an attribute name, a string, but \(quoted(lhs.range)) is '\(key.type)'", at: lhs.range)
                    return error(range)
                }
                if case .string(let name)? = constantValue(key.node) {
                    reference(.attribute, "attributes", name, lhs.range)
                }
                return Lowered(node: emit(.inAttributes(key.node), range), type: .bool)
            }
            let element = lower(lhs)
            let list = lower(rhs)
            switch list.type {
            case .list(let e):
                if !element.type.isCompatible(with: e) {
                    report("'in' looks for '\(element.type)' in a '\(list.type)'; the types do not match", at: operatorRange)
                    return error(range)
                }
            case .dyn, .error:
                break
            default:
                report("'in' needs a list on its right, but \(quoted(rhs.range)) is '\(list.type)'", at: rhs.range)
                return error(range)
            }
            checkMembership(lhs, rhs)
            if let constant = constantValue(list.node), case .list(let values) = constant {
                let texts = values.compactMap { value -> String? in
                    if case .string(let text) = value { return text }
                    return nil
                }
                if texts.count == values.count, texts.count <= 8 {
                    // A few strings: comparing them beats hashing the element.
                    program.strings.append(texts)
                    return Lowered(node: emit(.inStrings(element.node, set: Int32(program.strings.count - 1)), range), type: .bool)
                }
                program.sets.append(Set(values.compactMap(RuleProgram.setKey)))
                return Lowered(node: emit(.inSet(element.node, set: Int32(program.sets.count - 1)), range), type: .bool)
            }
            return Lowered(node: emit(.inValue(element.node, list.node), range), type: .bool)

        case .add, .subtract, .multiply, .divide, .remainder:
            let l = lower(lhs)
            let r = lower(rhs)
            let type: CheckedType?
            switch (l.type, r.type) {
            case (.error, _), (_, .error): type = .error
            case (.int, .int): type = .int
            case (.dyn, let t) where t.isNumeric || t == .dyn || (op == .add && (t == .string || Self.isList(t))),
                 (let t, .dyn) where t.isNumeric || (op == .add && (t == .string || Self.isList(t))):
                type = .dyn
            case (.double, .double), (.int, .double), (.double, .int):
                type = op == .remainder ? nil : .double
            case (.string, .string) where op == .add: type = .string
            case (.list(let a), .list(let b)) where op == .add: type = a.unified(with: b).map { .list($0) }
            default: type = nil
            }
            guard let type else {
                let hint = op == .remainder && l.type.isNumeric && r.type.isNumeric ? "; '%' takes ints only" : ""
                report("operator \(symbol) cannot be applied to '\(l.type)' and '\(r.type)'\(hint)", at: operatorRange)
                return error(range)
            }
            return Lowered(node: emit(.arithmetic(op, l.node, r.node), range), type: type)
        }
    }

    private static func isList(_ type: CheckedType) -> Bool {
        if case .list = type { return true }
        return false
    }

    /// Checks or records a string literal compared with a fact whose values are known names:
    /// a misspelt stage is an error; a tier is recorded for the catalog to check.
    private mutating func checkVocabulary(_ factSyntax: RuleSyntax, _ literal: RuleSyntax) {
        guard case .identifier(let name) = factSyntax.kind, let fact = Fact(rawValue: name),
              case .string(let value) = literal.kind else { return }
        switch fact {
        case .stage, .previousStage:
            if RuleVocabulary.stages.contains(value) || (fact == .previousStage && value.isEmpty) { return }
            let suggestion = RuleSuggestion.nearest(to: value, in: RuleVocabulary.stages)
            let hint = suggestion.map { "; did you mean '\($0)'?" }
                ?? " (stages: \(RuleVocabulary.stages.joined(separator: ", ")))"
            report("unknown stage '\(value)'\(hint)", at: literal.range, suggestion: suggestion)
        case .tier, .nextTier:
            reference(.tier, name, value, literal.range)
        default:
            return
        }
    }

    /// Checks or records the string literals of `element in list` when one side is a fact whose
    /// values are catalog names (`"fund-index" in owned_products`, `stage in ["active"]`).
    private mutating func checkMembership(_ element: RuleSyntax, _ list: RuleSyntax) {
        if case .identifier(let name) = list.kind, let fact = Fact(rawValue: name), case .string(let value) = element.kind {
            let kind: RuleReference.Kind? = switch fact {
            case .ownedProducts: .product
            case .ownedCategories, .recentCategories: .category
            case .lifeEvents: .lifeEvent
            case .consents: .channel
            default: nil
            }
            if let kind { reference(kind, name, value, element.range) }
        }
        if case .list(let elements) = list.kind {
            for literal in elements {
                checkVocabulary(element, literal)
            }
        }
    }

    // MARK: Calls

    private mutating func lowerCall(
        _ name: String, _ nameRange: SourceRange, _ arguments: [RuleSyntax], _ range: SourceRange
    ) -> Lowered {
        guard let function = RuleFunction(rawValue: name) else {
            if Fact(rawValue: name) != nil {
                report("'\(name)' is a fact, not a function; write it without parentheses", at: nameRange)
            } else {
                let suggestion = RuleSuggestion.nearest(to: name, in: RuleFunction.allCases.map(\.rawValue))
                var message = "unknown function '\(name)'"
                if let suggestion { message += "; did you mean '\(suggestion)'?" }
                report(message, at: nameRange, suggestion: suggestion)
            }
            // Check the arguments anyway, so unknown names inside are reported too.
            for argument in arguments where !isAttributesIdentifier(argument) { _ = lower(argument) }
            return error(range)
        }

        if function == .has {
            guard arguments.count == 1, case .member(let base, let attribute, let attributeRange) = arguments[0].kind,
                  isAttributesIdentifier(base) else {
                report("has() takes one custom attribute, as in has(attributes.vip)", at: arguments.first?.range ?? nameRange)
                return error(range)
            }
            reference(.attribute, name, attribute, attributeRange)
            let argument = emit(.constant(.string(attribute)), attributeRange)
            let (start, count) = operands([argument])
            return Lowered(node: emit(.call(.has, start: start, count: count), range), type: .bool)
        }

        if let parameters = function.parameters {
            guard arguments.count == parameters.count else {
                let list = parameters.map { "\($0.name): \($0.type)" }.joined(separator: ", ")
                let plural = parameters.count == 1 ? "argument" : "arguments"
                report("\(name)() takes \(parameters.count) \(plural) (\(list)), but \(arguments.count) given", at: nameRange)
                for argument in arguments { _ = lower(argument) }
                return error(range)
            }
            var nodes: [Int32] = []
            var failed = false
            for (k, (argument, parameter)) in zip(arguments, parameters).enumerated() {
                let lowered = lower(argument)
                nodes.append(lowered.node)
                let expected = CheckedType(parameter.type)
                if !(lowered.type == expected || lowered.type.isOpen) {
                    report("argument \(k + 1) of \(name)() (\(parameter.name)) must be '\(expected)', but \(quoted(argument.range)) is '\(lowered.type)'", at: argument.range)
                    failed = true
                    continue
                }
                switch constantValue(lowered.node) {
                case .string(let value)?:
                    if let kind = parameter.vocabulary, !(function == .interactionsWithin && value == "any") {
                        reference(kind, name, value, argument.range)
                    }
                    if function == .respondedWithin, parameter.name == "outcome", !RuleFunction.outcomes.contains(value) {
                        let suggestion = RuleSuggestion.nearest(to: value, in: RuleFunction.outcomes)
                        let hint = suggestion.map { "; did you mean '\($0)'?" }
                            ?? " (outcomes: \(RuleFunction.outcomes.joined(separator: ", ")))"
                        report("unknown outcome '\(value)'\(hint)", at: argument.range, suggestion: suggestion)
                        failed = true
                    }
                case .int(let days)? where parameter.name == "days" && days < 0:
                    report("argument \(k + 1) of \(name)() (days) must not be negative, but it is \(days)", at: argument.range)
                    failed = true
                default:
                    break
                }
            }
            if failed { return error(range) }
            let (start, count) = operands(nodes)
            let type: CheckedType = function == .interactionsWithin || function == .daysSincePurchase || function == .daysSinceEvent ? .int : .bool
            if Self.takesKey(function), case .string(let literal)? = constantValue(nodes[0]) {
                // A literal product, category, event kind or item id: fingerprinted once here.
                program.keys.append(RuleKey(literal))
                let key = Int32(program.keys.count - 1)
                return Lowered(node: emit(.keyedCall(function, key: key, start: start, count: count), range), type: type)
            }
            return Lowered(node: emit(.call(function, start: start, count: count), range), type: type)
        }

        // The pure, overloaded functions.
        let lowered = arguments.map { lower($0) }
        func wrongCount(_ expected: String) -> Lowered {
            report("\(name)() takes \(expected), but \(arguments.count) given", at: nameRange)
            return error(range)
        }
        var resultType: CheckedType
        var accepts: (CheckedType) -> Bool
        switch function {
        case .size:
            guard arguments.count == 1 else { return wrongCount("1 argument (a list or a string)") }
            accepts = { $0 == .string || $0.isOpen || Self.isList($0) }
            resultType = .int
        case .min, .max:
            guard arguments.count >= 2 else { return wrongCount("at least 2 arguments (ints or doubles)") }
            accepts = { $0.isNumeric || $0.isOpen }
            let types = lowered.map(\.type)
            resultType = types.contains(.dyn) ? .dyn : types.allSatisfy { $0 == .int } ? .int : .double
        case .int:
            guard arguments.count == 1 else { return wrongCount("1 argument") }
            accepts = { $0.isNumeric || $0 == .string || $0.isOpen }
            resultType = .int
        case .double:
            guard arguments.count == 1 else { return wrongCount("1 argument") }
            accepts = { $0.isNumeric || $0 == .string || $0.isOpen }
            resultType = .double
        case .string:
            guard arguments.count == 1 else { return wrongCount("1 argument") }
            accepts = { $0.isNumeric || $0 == .string || $0 == .bool || $0.isOpen }
            resultType = .string
        default:
            return error(range)
        }
        var failed = false
        for (argument, syntax) in zip(lowered, arguments) where !accepts(argument.type) {
            report("\(name)() cannot take '\(argument.type)': \(quoted(syntax.range)); it takes \(function.signature.drop { $0 != "(" })", at: syntax.range)
            failed = true
        }
        if failed || lowered.contains(where: { $0.type == .error }) {
            return error(range)
        }
        let (start, count) = operands(lowered.map(\.node))
        return Lowered(node: emit(.call(function, start: start, count: count), range), type: resultType)
    }

    /// Whether `function` has a `RuleContext` query by `RuleKey` for a literal first argument.
    static func takesKey(_ function: RuleFunction) -> Bool {
        switch function {
        case .owns, .ownsCategory, .boughtWithin, .eventWithin, .daysSincePurchase, .daysSinceEvent, .respondedWithin:
            true
        default:
            false
        }
    }

    private func isAttributesIdentifier(_ syntax: RuleSyntax) -> Bool {
        if case .identifier("attributes") = syntax.kind { return true }
        return false
    }
}

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

    func quoted(_ range: SourceRange) -> String {
        let text = range.text(in: source)
        return text.unicodeScalars.count > 40 ? "'\(String(text.prefix(37)))...'" : "'\(text)'"
    }

    mutating func reference(_ kind: RuleReference.Kind, _ function: String, _ argument: String, _ range: SourceRange) {
        references.append(RuleReference(kind: kind, function: function, argument: argument, range: range, location: range.location))
    }

    // MARK: Emitting

    mutating func emit(_ node: RuleNode, _ range: SourceRange) -> Int32 {
        program.nodes.append(node)
        ranges.append(range)
        let index = Int32(program.nodes.count - 1)
        foldIfConstant(index)
        return index
    }

    mutating func error(_ range: SourceRange) -> Lowered {
        Lowered(node: emit(.constant(.null), range), type: .error)
    }

    mutating func operands(_ nodes: [Int32]) -> (start: Int32, count: Int32) {
        let start = Int32(program.operands.count)
        program.operands.append(contentsOf: nodes)
        return (start, Int32(nodes.count))
    }

    func isConstant(_ i: Int32) -> Bool {
        if case .constant = program.nodes[Int(i)] { return true }
        return false
    }

    func constantValue(_ i: Int32) -> RuleValue? {
        if case .constant(let value) = program.nodes[Int(i)] { return value }
        return nil
    }

    /// Replaces node `i` by its value when it reads nothing from the client and all its
    /// operands are constants.
    mutating func foldIfConstant(_ i: Int32) {
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
            if case .identifier("account") = base.kind {
                return lowerAccountFact(name, nameRange, range)
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
    mutating func promoted(_ lowered: Lowered, _ range: SourceRange) -> Int32 {
        guard lowered.type == .int else { return lowered.node }
        let (start, count) = operands([lowered.node])
        return emit(.call(.double, start: start, count: count), range)
    }

    /// `account.NAME`: a fact of the client's household or business account.
    mutating func lowerAccountFact(_ name: String, _ nameRange: SourceRange, _ range: SourceRange) -> Lowered {
        let qualified = "account." + name
        if let fact = Fact(rawValue: qualified) {
            return Lowered(node: emit(.fact(fact), range), type: CheckedType(fact.type))
        }
        if RuleFunction(rawValue: qualified) != nil {
            report("'\(qualified)' is a function; call it with arguments, e.g. \(RuleFunction(rawValue: qualified)!.example)", at: nameRange)
            return error(range)
        }
        let known = Fact.allCases.map(\.rawValue).filter { $0.hasPrefix("account.") }
        let suggestion = RuleSuggestion.nearest(to: qualified, in: known)
        var message = "unknown account fact '\(qualified)'"
        message += suggestion.map { "; did you mean '\($0)'?" } ?? " (account facts: \(known.joined(separator: ", ")))"
        report(message, at: nameRange, suggestion: suggestion)
        return error(range)
    }

    mutating func lowerIdentifier(_ name: String, _ range: SourceRange) -> Lowered {
        if name == "account" {
            report("'account' is the client's household or business account; read a fact of it, e.g. account.members or account.owns_category(\"insurance\")", at: range)
            return error(range)
        }
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

    mutating func lowerIndex(_ base: RuleSyntax, _ index: RuleSyntax, _ range: SourceRange) -> Lowered {
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

    mutating func lowerList(_ elements: [RuleSyntax], _ range: SourceRange) -> Lowered {
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

}

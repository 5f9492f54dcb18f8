extension RuleChecker {
    // MARK: Operators

    mutating func lowerBinary(
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

    static func isList(_ type: CheckedType) -> Bool {
        if case .list = type { return true }
        return false
    }

    /// Checks or records a string literal compared with a fact whose values are known names:
    /// a misspelt stage is an error; a tier is recorded for the catalog to check.
    mutating func checkVocabulary(_ factSyntax: RuleSyntax, _ literal: RuleSyntax) {
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
    mutating func checkMembership(_ element: RuleSyntax, _ list: RuleSyntax) {
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

}

/// A unary operator of the rule language.
package enum RuleUnaryOperator: String, Sendable, Hashable {
    case not = "!"
    case negate = "-"
}

/// A binary operator of the rule language, with CEL's precedence.
package enum RuleBinaryOperator: String, Sendable, Hashable {
    case or = "||"
    case and = "&&"
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case `in` = "in"
    case add = "+", subtract = "-"
    case multiply = "*", divide = "/", remainder = "%"

    /// Binding strength: higher binds tighter. `?:` (0) binds loosest of all.
    package var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual, .in: 3
        case .add, .subtract: 4
        case .multiply, .divide, .remainder: 5
        }
    }

    var isComparison: Bool {
        switch self {
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: true
        default: false
        }
    }
}

/// A parsed rule expression: a syntax tree whose every node knows its range in the rule text.
///
/// `description` renders the tree fully parenthesised (`((a + (b * c)) < d)`), which shows how
/// the parser grouped the operators.
package struct RuleSyntax: Sendable, Hashable, CustomStringConvertible {
    package indirect enum Kind: Sendable, Hashable {
        case int(Int)
        case double(Double)
        case string(String)
        case bool(Bool)
        case null
        /// A fact name (or a misspelt one: names are resolved by the checker).
        case identifier(String)
        /// `base.name`; `nameRange` is the range of `name`.
        case member(RuleSyntax, name: String, nameRange: SourceRange)
        /// `base[index]`.
        case index(RuleSyntax, RuleSyntax)
        /// `name(arguments)`, or `receiver.name(arguments)` with the receiver as first argument.
        case call(name: String, nameRange: SourceRange, arguments: [RuleSyntax])
        case list([RuleSyntax])
        case unary(RuleUnaryOperator, RuleSyntax)
        /// `lhs op rhs`; `operatorRange` is the range of the operator token.
        case binary(RuleBinaryOperator, RuleSyntax, RuleSyntax, operatorRange: SourceRange)
        case conditional(RuleSyntax, RuleSyntax, RuleSyntax)
    }

    package private(set) var kind: Kind
    /// The range of the whole expression, parentheses around it included.
    package var range: SourceRange
    /// The number of nodes on the longest path from this one down to a leaf (1 for a leaf):
    /// what every recursive pass over the tree (checking, lowering, hashing, freeing) puts on
    /// the stack. The parser bounds it (``RuleParser``).
    package private(set) var height: Int

    package init(_ kind: Kind, range: SourceRange) {
        self.kind = kind
        self.range = range
        height = 1 + Self.childHeight(kind)
    }

    /// The tallest child's height, 0 for a leaf (no recursion: each child knows its own).
    private static func childHeight(_ kind: Kind) -> Int {
        switch kind {
        case .int, .double, .string, .bool, .null, .identifier: 0
        case .member(let base, _, _): base.height
        case .index(let base, let index): max(base.height, index.height)
        case .call(_, _, let arguments): arguments.reduce(0) { max($0, $1.height) }
        case .list(let elements): elements.reduce(0) { max($0, $1.height) }
        case .unary(_, let operand): operand.height
        case .binary(_, let lhs, let rhs, _): max(lhs.height, rhs.height)
        case .conditional(let condition, let then, let otherwise): max(condition.height, then.height, otherwise.height)
        }
    }

    package var description: String {
        switch kind {
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .string(let value): "\"" + value.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
        case .bool(let value): String(value)
        case .null: "null"
        case .identifier(let name): name
        case .member(let base, let name, _): "\(base).\(name)"
        case .index(let base, let index): "\(base)[\(index)]"
        case .call(let name, _, let arguments): "\(name)(\(arguments.map(\.description).joined(separator: ", ")))"
        case .list(let elements): "[\(elements.map(\.description).joined(separator: ", "))]"
        case .unary(let op, let operand): "\(op.rawValue)\(operand)"
        case .binary(let op, let lhs, let rhs, _): "(\(lhs) \(op.rawValue) \(rhs))"
        case .conditional(let condition, let then, let otherwise): "(\(condition) ? \(then) : \(otherwise))"
        }
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation needed).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var result = ""
        result.reserveCapacity(count)
        for character in self {
            if character == target { result += replacement } else { result.append(character) }
        }
        return result
    }
}

/// One instruction of a compiled rule. Operands are indices into the program's node array.
enum RuleNode: Sendable, Hashable {
    case constant(RuleValue)
    case fact(Fact)
    /// `attributes.NAME` or `attributes["NAME"]`.
    case attribute(String)
    /// `attributes[expr]` with a computed key.
    case dynamicAttribute(Int32)
    /// `e == null`.
    case isNull(Int32)
    /// `e != null`.
    case isNotNull(Int32)
    case not(Int32)
    case negate(Int32)
    /// `+ - * / %`.
    case arithmetic(RuleBinaryOperator, Int32, Int32)
    /// `== != < <= > >=`.
    case compare(RuleBinaryOperator, Int32, Int32)
    case and(Int32, Int32)
    case or(Int32, Int32)
    case conditional(Int32, Int32, Int32)
    /// A list literal with computed elements; `operands[start..<start+count]` are the elements.
    case list(start: Int32, count: Int32)
    /// `e in [constant list]`, looked up in `sets[set]`.
    case inSet(Int32, set: Int32)
    /// `e in [constant list of a few strings]`, compared with `strings[set]` (no hashing).
    case inStrings(Int32, set: Int32)
    /// `e in list-valued expression`, a linear scan.
    case inValue(Int32, Int32)
    /// `key in attributes`.
    case inAttributes(Int32)
    /// `list[index]`.
    case index(Int32, Int32)
    /// A function call; `operands[start..<start+count]` are the arguments.
    case call(RuleFunction, start: Int32, count: Int32)
    /// A timeline function whose first argument is a string literal, `keys[key]`;
    /// `operands[start..<start+count]` are all the arguments (the literal included).
    case keyedCall(RuleFunction, key: Int32, start: Int32, count: Int32)
}

/// A compiled rule's instructions: a flat node array evaluated by a switch, plus the argument
/// lists and the pre-built sets of constant `in` lists. Immutable once compiled.
struct RuleProgram: Sendable {
    var nodes: [RuleNode] = []
    var operands: [Int32] = []
    var sets: [Set<RuleValue>] = []
    /// The literal first arguments of `keyedCall` nodes, with their fingerprints.
    var keys: [RuleKey] = []
    /// The constant `in` lists of a few strings (`stage in ["active", "loyal"]`).
    var strings: [[String]] = []
}

// MARK: - Evaluation

extension RuleProgram {
    /// The value of node `i` for the client `context`. Never traps.
    func value<Context: RuleContext>(_ i: Int32, _ context: Context) -> RuleValue {
        switch nodes[Int(i)] {
        case .constant(let value):
            return value
        case .fact(let fact):
            return context.value(of: fact)
        case .attribute(let name):
            return context.attribute(name)
        case .dynamicAttribute(let key):
            guard case .string(let name) = value(key, context) else { return .null }
            return context.attribute(name)
        case .isNull(let operand):
            return .bool(isNull(operand, context))
        case .isNotNull(let operand):
            return .bool(!isNull(operand, context))
        case .not, .compare, .and, .or, .inSet, .inStrings, .inValue, .inAttributes:
            return .bool(truth(i, context))
        case .negate(let operand):
            switch value(operand, context) {
            case .int(let x): return .int(x == .min ? .max : -x)
            case .double(let x): return .double(-x)
            default: return .null
            }
        case .arithmetic(let op, let lhs, let rhs):
            return Self.arithmetic(op, value(lhs, context), value(rhs, context))
        case .conditional(let condition, let then, let otherwise):
            return truth(condition, context) ? value(then, context) : value(otherwise, context)
        case .list(let start, let count):
            var elements: [RuleValue] = []
            elements.reserveCapacity(Int(count))
            for k in start..<(start + count) {
                elements.append(value(operands[Int(k)], context))
            }
            return .list(elements)
        case .index(let base, let index):
            guard case .list(let elements) = value(base, context), case .int(let k) = value(index, context),
                  k >= 0, k < elements.count else { return .null }
            return elements[k]
        case .call(let function, let start, let count):
            return call(function, start: Int(start), count: Int(count), context)
        case .keyedCall(let function, let key, let start, let count):
            return keyedCall(function, keys[Int(key)], start: Int(start), count: Int(count), context)
        }
    }

    /// Node `i` as a condition: true only when it is the bool `true`. `null` and values of
    /// other types (possible through `dyn`) are false.
    func truth<Context: RuleContext>(_ i: Int32, _ context: Context) -> Bool {
        switch nodes[Int(i)] {
        case .and(let lhs, let rhs):
            return truth(lhs, context) && truth(rhs, context)
        case .or(let lhs, let rhs):
            return truth(lhs, context) || truth(rhs, context)
        case .not(let operand):
            return !truth(operand, context)
        case .compare(let op, let lhs, let rhs):
            // The common `fact OP constant` read directly: no call per operand.
            if case .fact(let fact) = nodes[Int(lhs)], case .constant(let constant) = nodes[Int(rhs)] {
                return Self.compare(op, context.value(of: fact), constant)
            }
            return Self.compare(op, value(lhs, context), value(rhs, context))
        case .isNull(let operand):
            return isNull(operand, context)
        case .isNotNull(let operand):
            return !isNull(operand, context)
        case .inSet(let element, let set):
            guard let key = Self.setKey(value(element, context)) else { return false }
            return sets[Int(set)].contains(key)
        case .inStrings(let element, let set):
            // Only a string can equal one of the strings; `null` and other types are not found.
            guard case .string(let text) = value(element, context) else { return false }
            return strings[Int(set)].contains(text)
        case .inValue(let element, let list):
            return Self.contains(value(list, context), value(element, context))
        case .inAttributes(let key):
            guard case .string(let name) = value(key, context) else { return false }
            return context.attribute(name) != .null
        case .constant(let value):
            if case .bool(true) = value { return true }
            return false
        case .keyedCall(let function, let key, let start, let count):
            if case .bool(let holds) = keyedCall(function, keys[Int(key)], start: Int(start), count: Int(count), context) { return holds }
            return false
        default:
            if case .bool(true) = value(i, context) { return true }
            return false
        }
    }

    /// Whether node `i` is `null` (a fact is read directly).
    @inline(__always)
    private func isNull<Context: RuleContext>(_ i: Int32, _ context: Context) -> Bool {
        if case .fact(let fact) = nodes[Int(i)] {
            if case .null = context.value(of: fact) { return true }
            return false
        }
        if case .null = value(i, context) { return true }
        return false
    }

    // MARK: Operators

    /// `+ - * / %` on two values. Int arithmetic saturates at `Int.min`/`Int.max` instead of
    /// trapping; division or remainder by zero is `null`; an int and a double make a double;
    /// `+` also joins strings and lists. Any other mix, or a `null` operand, is `null`.
    static func arithmetic(_ op: RuleBinaryOperator, _ lhs: RuleValue, _ rhs: RuleValue) -> RuleValue {
        switch (lhs, rhs) {
        case (.int(let x), .int(let y)):
            return integerArithmetic(op, x, y)
        case (.double(let x), .double(let y)):
            return doubleArithmetic(op, x, y)
        case (.int(let x), .double(let y)):
            return doubleArithmetic(op, Double(x), y)
        case (.double(let x), .int(let y)):
            return doubleArithmetic(op, x, Double(y))
        case (.string(let x), .string(let y)) where op == .add:
            return .string(x + y)
        case (.list(let x), .list(let y)) where op == .add:
            return .list(x + y)
        default:
            return .null
        }
    }

    static func integerArithmetic(_ op: RuleBinaryOperator, _ x: Int, _ y: Int) -> RuleValue {
        switch op {
        case .add:
            let (result, overflow) = x.addingReportingOverflow(y)
            return .int(overflow ? (y > 0 ? .max : .min) : result)
        case .subtract:
            let (result, overflow) = x.subtractingReportingOverflow(y)
            return .int(overflow ? (y < 0 ? .max : .min) : result)
        case .multiply:
            let (result, overflow) = x.multipliedReportingOverflow(by: y)
            return .int(overflow ? ((x < 0) != (y < 0) ? .min : .max) : result)
        case .divide:
            if y == 0 { return .null }
            if x == .min && y == -1 { return .int(.max) }
            return .int(x / y)
        case .remainder:
            if y == 0 { return .null }
            if y == -1 { return .int(0) }
            return .int(x % y)
        default:
            return .null
        }
    }

    static func doubleArithmetic(_ op: RuleBinaryOperator, _ x: Double, _ y: Double) -> RuleValue {
        switch op {
        case .add: return .double(x + y)
        case .subtract: return .double(x - y)
        case .multiply: return .double(x * y)
        case .divide: return y == 0 ? .null : .double(x / y)
        default: return .null
        }
    }

    /// A comparison: true only when both operands are comparable and the relation holds.
    /// `null`, and operands of different types (other than int and double, which compare as
    /// numbers), make every operator false, `!=` included.
    static func compare(_ op: RuleBinaryOperator, _ lhs: RuleValue, _ rhs: RuleValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let x), .int(let y)): return ordered(op, x, y)
        case (.double(let x), .double(let y)): return ordered(op, x, y)
        case (.int(let x), .double(let y)): return ordered(op, Double(x), y)
        case (.double(let x), .int(let y)): return ordered(op, x, Double(y))
        case (.string(let x), .string(let y)): return ordered(op, x, y)
        case (.bool(let x), .bool(let y)):
            return op == .equal ? x == y : op == .notEqual ? x != y : false
        case (.list(let x), .list(let y)):
            guard op == .equal || op == .notEqual else { return false }
            let equal = x.count == y.count && zip(x, y).allSatisfy { compare(.equal, $0, $1) }
            return op == .equal ? equal : !equal
        default:
            return false
        }
    }

    @inline(__always)
    static func ordered<T: Comparable>(_ op: RuleBinaryOperator, _ x: T, _ y: T) -> Bool {
        switch op {
        case .equal: x == y
        case .notEqual: x != y
        case .less: x < y
        case .lessEqual: x <= y
        case .greater: x > y
        case .greaterEqual: x >= y
        default: false
        }
    }

    /// Whether `list` is a list holding an element equal to `element` (ints and doubles compare
    /// as numbers). `null` is never found.
    static func contains(_ list: RuleValue, _ element: RuleValue) -> Bool {
        guard case .list(let elements) = list, element != .null else { return false }
        return elements.contains { compare(.equal, $0, element) }
    }

    /// The key under which a value is stored in, and looked up from, the set of a constant
    /// `in` list: integral doubles become ints so `1 in [1.0]` holds; `null` has no key.
    static func setKey(_ value: RuleValue) -> RuleValue? {
        switch value {
        case .null:
            return nil
        case .double(let d) where d.rounded(.towardZero) == d && d >= -9.223372036854775808e18 && d < 9.223372036854775808e18:
            return .int(Int(d))
        default:
            return value
        }
    }

    // MARK: Functions

    /// A timeline function whose first argument is the literal `key`: the same results as
    /// `call`, through the context's `RuleKey` queries.
    private func keyedCall<Context: RuleContext>(_ function: RuleFunction, _ key: RuleKey, start: Int, count: Int, _ context: Context) -> RuleValue {
        @inline(__always) func int(_ k: Int) -> Int? {
            if case .int(let n) = value(operands[start + k], context) { return n }
            return nil
        }
        switch function {
        case .owns:
            return .bool(context.owns(product: key))
        case .ownsCategory:
            return .bool(context.ownsCategory(key))
        case .boughtWithin:
            guard let days = int(1) else { return .null }
            return .bool(context.boughtWithin(key, days: days))
        case .eventWithin:
            guard let days = int(1) else { return .null }
            return .bool(context.eventWithin(key, days: days))
        case .daysSincePurchase:
            guard let days = context.daysSincePurchase(key) else { return .null }
            return .int(days)
        case .daysSinceEvent:
            guard let days = context.daysSinceEvent(key) else { return .null }
            return .int(days)
        case .respondedWithin:
            guard case .string(let outcome) = value(operands[start + 1], context), let days = int(2) else { return .null }
            return .bool(context.respondedWithin(key, outcome: outcome, days: days))
        default:
            return call(function, start: start, count: count, context)
        }
    }

    private func call<Context: RuleContext>(_ function: RuleFunction, start: Int, count: Int, _ context: Context) -> RuleValue {
        @inline(__always) func argument(_ k: Int) -> RuleValue { value(operands[start + k], context) }
        @inline(__always) func string(_ k: Int) -> String? {
            if case .string(let s) = argument(k) { return s }
            return nil
        }
        @inline(__always) func int(_ k: Int) -> Int? {
            if case .int(let n) = argument(k) { return n }
            return nil
        }
        switch function {
        case .owns:
            guard let product = string(0) else { return .null }
            return .bool(context.owns(product: product))
        case .ownsCategory:
            guard let category = string(0) else { return .null }
            return .bool(context.ownsCategory(category))
        case .accountOwns:
            guard let product = string(0) else { return .null }
            return .bool(context.accountOwns(product: product))
        case .accountOwnsCategory:
            guard let category = string(0) else { return .null }
            return .bool(context.accountOwnsCategory(category))
        case .boughtWithin:
            guard let what = string(0), let days = int(1) else { return .null }
            return .bool(context.boughtWithin(what, days: days))
        case .eventWithin:
            guard let kind = string(0), let days = int(1) else { return .null }
            return .bool(context.eventWithin(kind, days: days))
        case .interactionsWithin:
            guard let channel = string(0), let days = int(1) else { return .null }
            return .int(context.interactionsWithin(channel, days: days))
        case .pointsExpiringWithin:
            guard let days = int(0) else { return .null }
            return .int(context.pointsExpiringWithin(days: days))
        case .consent:
            guard let channel = string(0) else { return .null }
            return .bool(context.consent(channel))
        case .daysSincePurchase:
            guard let what = string(0), let days = context.daysSincePurchase(what) else { return .null }
            return .int(days)
        case .daysSinceEvent:
            guard let kind = string(0), let days = context.daysSinceEvent(kind) else { return .null }
            return .int(days)
        case .respondedWithin:
            guard let item = string(0), let outcome = string(1), let days = int(2) else { return .null }
            return .bool(context.respondedWithin(item, outcome: outcome, days: days))
        case .hasAttribute, .has:
            guard let name = string(0) else { return .null }
            return .bool(context.attribute(name) != .null)
        case .size:
            switch argument(0) {
            case .list(let elements): return .int(elements.count)
            case .string(let s): return .int(s.unicodeScalars.count)
            default: return .null
            }
        case .min, .max:
            var best = argument(0)
            guard best.isNumber else { return .null }
            for k in 1..<count {
                let next = argument(k)
                guard next.isNumber else { return .null }
                let better = function == .min ? Self.compare(.less, next, best) : Self.compare(.greater, next, best)
                let promote = best.isDouble || next.isDouble
                best = better ? next : best
                if promote, case .int(let n) = best { best = .double(Double(n)) }
            }
            return best
        case .int:
            switch argument(0) {
            case .int(let n): return .int(n)
            case .double(let d): return Self.truncate(d)
            case .string(let s):
                if let n = Int(s) { return .int(n) }
                if let d = Double(s) { return Self.truncate(d) }
                return .null
            default: return .null
            }
        case .double:
            switch argument(0) {
            case .int(let n): return .double(Double(n))
            case .double(let d): return .double(d)
            case .string(let s): return Double(s).map { .double($0) } ?? .null
            default: return .null
            }
        case .string:
            switch argument(0) {
            case .string(let s): return .string(s)
            case .int(let n): return .string(String(n))
            case .double(let d): return .string(String(d))
            case .bool(let b): return .string(b ? "true" : "false")
            default: return .null
            }
        }
    }

    /// A double truncated toward zero, saturating at the int range; `null` for NaN.
    static func truncate(_ d: Double) -> RuleValue {
        if d.isNaN { return .null }
        if d >= 9.223372036854775807e18 { return .int(.max) }
        if d <= -9.223372036854775808e18 { return .int(.min) }
        return .int(Int(d))
    }
}

extension RuleValue {
    var isNumber: Bool {
        switch self {
        case .int, .double: true
        default: false
        }
    }

    var isDouble: Bool {
        if case .double = self { return true }
        return false
    }
}

/// The context used to fold constants at compile time: only pure nodes are folded, so it is
/// never asked anything; it answers "unknown" to be safe.
struct ConstantFoldingContext: RuleContext {
    func value(of fact: Fact) -> RuleValue { .null }
    func attribute(_ name: String) -> RuleValue { .null }
    func owns(product: String) -> Bool { false }
    func ownsCategory(_ category: String) -> Bool { false }
    func accountOwns(product: String) -> Bool { false }
    func accountOwnsCategory(_ category: String) -> Bool { false }
    func boughtWithin(_ productOrCategory: String, days: Int) -> Bool { false }
    func eventWithin(_ kind: String, days: Int) -> Bool { false }
    func interactionsWithin(_ channel: String, days: Int) -> Int { 0 }
    func pointsExpiringWithin(days: Int) -> Int { 0 }
    func consent(_ channel: String) -> Bool { false }
    func daysSincePurchase(_ productOrCategory: String) -> Int? { nil }
    func daysSinceEvent(_ kind: String) -> Int? { nil }
    func respondedWithin(_ itemID: String, outcome: String, days: Int) -> Bool { false }
}

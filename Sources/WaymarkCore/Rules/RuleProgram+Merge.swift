extension RuleProgram {
    /// Appends `other`'s nodes (and its operands, sets, keys and string lists) to this program,
    /// every index shifted to its new place; returns where `node` of `other` now is. Several
    /// rules merged into one program are evaluated through one value (nothing to retain per rule).
    mutating func append(_ other: RuleProgram, node: Int32) -> Int32 {
        let n = Int32(nodes.count), o = Int32(operands.count), st = Int32(sets.count)
        let k = Int32(keys.count), str = Int32(strings.count)
        for old in other.nodes {
            let moved: RuleNode = switch old {
            case .constant, .fact, .attribute: old
            case .dynamicAttribute(let a): .dynamicAttribute(a + n)
            case .isNull(let a): .isNull(a + n)
            case .isNotNull(let a): .isNotNull(a + n)
            case .not(let a): .not(a + n)
            case .negate(let a): .negate(a + n)
            case .arithmetic(let op, let a, let b): .arithmetic(op, a + n, b + n)
            case .compare(let op, let a, let b): .compare(op, a + n, b + n)
            case .and(let a, let b): .and(a + n, b + n)
            case .or(let a, let b): .or(a + n, b + n)
            case .conditional(let a, let b, let c): .conditional(a + n, b + n, c + n)
            case .list(let start, let count): .list(start: start + o, count: count)
            case .inSet(let a, let set): .inSet(a + n, set: set + st)
            case .inStrings(let a, let set): .inStrings(a + n, set: set + str)
            case .inValue(let a, let b): .inValue(a + n, b + n)
            case .inAttributes(let a): .inAttributes(a + n)
            case .index(let a, let b): .index(a + n, b + n)
            case .call(let function, let start, let count): .call(function, start: start + o, count: count)
            case .keyedCall(let function, let key, let start, let count): .keyedCall(function, key: key + k, start: start + o, count: count)
            }
            nodes.append(moved)
        }
        operands.append(contentsOf: other.operands.map { $0 + n })
        sets.append(contentsOf: other.sets)
        keys.append(contentsOf: other.keys)
        strings.append(contentsOf: other.strings)
        return node + n
    }
}

/// The top-level `&&` clauses of a catalog's distinct `when` rules, for evaluating each distinct
/// clause once per client: catalogs repeat clauses such as `stage != "prospect"` over many
/// rules. Clauses are told apart by their text (whitespace outside strings aside, as
/// ``CompiledRule/clauses`` writes them).
///
/// The rules' programs are merged into one (``RuleProgram/append(_:node:)``) and the clause
/// lists are flat arrays of plain values: evaluating a clause retains nothing.
struct RuleClauses: Sendable {
    /// Rule `r`'s clauses are `list[start[r]..<start[r + 1]]`, indices into ``nodes``.
    private let start: [Int32]
    private let list: [Int32]
    /// Every distinct rule's program in one.
    private let program: RuleProgram
    /// Per distinct clause: its node in ``program``.
    private let nodes: [Int32]

    /// The clauses of `rules`, indexed by rule slot (nil: a slot without a rule).
    init(rules: [CompiledRule?]) {
        var slotOf: [String: Int32] = [:]
        var merged = RuleProgram()
        var nodes: [Int32] = []
        var start: [Int32] = [0]
        var list: [Int32] = []
        for rule in rules {
            if let rule {
                for (text, node) in zip(rule.clauses, rule.appendClauses(to: &merged)) {
                    if let known = slotOf[text] {
                        list.append(known)
                    } else {
                        slotOf[text] = Int32(nodes.count)
                        list.append(Int32(nodes.count))
                        nodes.append(node)
                    }
                }
            }
            start.append(Int32(list.count))
        }
        self.start = start
        self.list = list
        self.program = merged
        self.nodes = nodes
    }

    /// The number of distinct clauses (the size of a client's memo).
    var count: Int { nodes.count }

    /// Whether the client passes rule `slot`: its clauses in order, each read from or stored in
    /// `memo` (per distinct clause: 0 not evaluated yet, 1 true, 2 false). The same answer as
    /// evaluating the rule: `&&` stops at the first false clause, and clauses have no side
    /// effects.
    func passes(_ slot: Int, _ facts: ClientFacts, memo: inout [UInt8]) -> Bool {
        for k in Int(start[slot])..<Int(start[slot + 1]) {
            let c = Int(list[k])
            var state = memo[c]
            if state == 0 {
                state = program.truth(nodes[c], facts) ? 1 : 2
                memo[c] = state
            }
            if state == 2 { return false }
        }
        return true
    }
}

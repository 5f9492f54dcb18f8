/// A catalog item's `when` rule: the compiled rule and where it is in the catalog.
package struct CatalogRule: Sendable {
    package var compiled: CompiledRule
    /// The rule text on one line (computed once).
    package let explain: String

    package init(_ compiled: CompiledRule) {
        self.compiled = compiled
        self.explain = compiled.explain
    }

    /// Compiles a rule whose text starts at `origin` in the catalog file; diagnostics are in
    /// file coordinates.
    package static func compile(_ source: String, origin: SourceLocation) -> Result<CatalogRule, RuleCompileError> {
        do throws(RuleCompileError) {
            return .success(CatalogRule(try RuleCompiler.compile(source, origin: origin, expecting: .bool)))
        } catch {
            return .failure(error)
        }
    }

    /// The rule text as written.
    package var source: String { compiled.source }
    /// Where the rule text starts in the catalog file.
    package var location: SourceLocation { compiled.origin }
    /// Product, category, item, tier … names the rule uses.
    package var references: [RuleReference] { compiled.references }

    /// Whether the client passes the rule.
    package func evaluate(_ facts: ClientFacts) -> Bool {
        compiled.evaluate(facts)
    }

    /// The first top-level clause of the rule that is false for the client; nil when it passes.
    package func firstFailingClause(_ facts: ClientFacts) -> String? {
        compiled.firstFailingClause(facts)
    }
}

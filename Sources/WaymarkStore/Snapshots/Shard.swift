/// One shard of a sharded nightly run: the clients whose `hash(client_id) mod count = index`.
///
/// The hash is PostgreSQL's `hashtextextended(client_id, 0)`, computed in SQL so the filter is
/// pushed down to every table read: `abs(hashtextextended(client_id, 0) % count) = index`.
/// It is stable across servers and versions (PostgreSQL keeps hash functions stable for hash
/// partitioning), so N processes or machines agree on who scores whom.
package struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// 0 ≤ index < count.
    package var index: Int
    package var count: Int

    /// The whole population.
    package static let all = Shard(index: 0, count: 1)

    package init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "shard \(index)/\(count) out of range")
        self.index = index
        self.count = count
    }

    /// Parses `K/N` (0 ≤ K < N).
    ///
    /// - Throws: ``StoreError`` `.invalidInput` saying what was expected.
    package init(parsing text: String) throws(StoreError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, n <= 4096, k >= 0, k < n else {
            throw StoreError(.invalidInput, "--shard must be K/N with 0 ≤ K < N ≤ 4096, e.g. 0/4; got '\(text)'")
        }
        self.init(index: k, count: n)
    }

    package var isWhole: Bool { count == 1 }

    /// `K/N`.
    package var description: String { "\(index)/\(count)" }

    /// A SQL condition on `column` selecting this shard's clients; `TRUE` for the whole population.
    /// Only integers are spliced into the text.
    func predicate(_ column: String = "client_id") -> String {
        isWhole ? "TRUE" : "abs(hashtextextended(\(column), 0) % \(count)) = \(index)"
    }
}

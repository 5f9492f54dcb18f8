import Testing
@testable import WaymarkStore

/// The bulk import's id set answers what `Set<String>` answers, by the ids' bytes.
@Suite struct ByteKeySetTests {
    @Test func itHoldsExactlyItsIds() {
        var ids = (0..<5_000).map { "C\(String($0 * 7919 % 100_003))" }
        ids += ["", "é-client", "a-very-long-client-identifier-beyond-sixteen-bytes", "C1"]  // "C1" twice
        let set = ByteKeySet(ids)
        let known = Set(ids)
        var probes = ids + ["C", "C10000000", "é", "a-very-long-client-identifier-beyond-sixteen-byte", "c1", "C1 "]
        probes += (0..<2_000).map { "C\($0)" }
        for probe in probes {
            var text = probe
            let found = text.withUTF8 { set.contains($0) }
            #expect(found == known.contains(probe), "\(probe)")
        }
    }
}

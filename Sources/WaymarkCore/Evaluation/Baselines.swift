/// The simple recommenders the engine is compared with, computed the same way in the same run.
///
/// - `popularity`: the k categories bought most often before the cutoff, the same for everyone;
/// - `repeat_last`: the category of the client's last purchase before the cutoff (nothing for a
///   prospect);
/// - `personal_frequency`: the client's own most bought categories before the cutoff (occasions
///   containing the category, ties by the most recent), topped up with the most popular;
/// - `stage_popularity`: the categories bought most (purchases before the cutoff) by the clients
///   in the client's own lifecycle stage at the cutoff (as the engine assesses it from the data,
///   so it exists without any recorded stage history), topped up with the most popular;
/// - `random`: k distinct categories drawn uniformly, seeded by the run's seed and the client id,
///   so a client's pick does not depend on the order clients are streamed in.
package struct Baselines: Sendable, Hashable {
    /// Categories by purchases before the cutoff, most bought first (ties by name).
    package var popularCategories: [String]
    /// Every category that exists, sorted: the random pick's universe and the coverage denominator.
    package var categories: [String]
    package var seed: UInt64

    package init(popularCategories: [String], categories: [String], seed: UInt64) {
        self.popularCategories = popularCategories
        self.categories = categories.sorted()
        self.seed = seed
    }

    package func popularity(k: Int) -> ArraySlice<String> {
        popularCategories.prefix(k)
    }

    /// The client's k most bought categories, topped up with the most popular ones they lack.
    package func personalFrequency(_ personal: [String], k: Int) -> [String] {
        toppedUp(personal, k: k)
    }

    /// The stage's k most bought categories (the stage's `CategoryPopularity.ranked()`), topped up with the
    /// most popular ones they lack.
    package func stagePopularity(_ stageRanked: [String], k: Int) -> [String] {
        toppedUp(stageRanked, k: k)
    }

    /// The first k of `list`, topped up with the most popular categories it lacks.
    private func toppedUp(_ list: [String], k: Int) -> [String] {
        var result = Array(list.prefix(k))
        for category in popularCategories where result.count < k && !result.contains(category) { result.append(category) }
        return result
    }

    package func repeatLast(lastCategory: String?) -> [String] {
        lastCategory.map { [$0] } ?? []
    }

    /// k distinct categories (fewer when fewer exist), by a partial Fisher–Yates shuffle.
    package func random(clientID: String, k: Int) -> [String] {
        var pool = categories
        var generator = SeededGenerator(seed: seed ^ Self.fnv1a(clientID))
        let n = min(k, pool.count)
        for i in 0..<n {
            let j = i + Int(generator.next() % UInt64(pool.count - i))
            pool.swapAt(i, j)
        }
        return Array(pool.prefix(n))
    }

    /// FNV-1a over the UTF-8 bytes: stable across runs and platforms (unlike `Hasher`).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// Counts purchases per category (before the cutoff) for the popularity baseline.
package struct CategoryPopularity: Sendable, Hashable {
    private(set) var counts: [String: Int] = [:]

    package init() {}

    package mutating func add(category: String, count: Int = 1) {
        counts[category, default: 0] += count
    }

    package mutating func merge(_ other: CategoryPopularity) {
        for (category, n) in other.counts { counts[category, default: 0] += n }
    }

    /// Categories, most bought first; ties by name.
    package func ranked() -> [String] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
    }
}

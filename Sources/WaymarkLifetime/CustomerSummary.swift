internal import WaymarkCore
/// One client's purchase summary in the BTYD "customer summary" form: frequency, recency, age.
///
/// - `frequency` (x) is the number of *repeat* purchases (all purchases minus the first);
/// - `recency` (tₓ) is the time from the first purchase to the last one (0 when x = 0);
/// - `age` (T) is the time from the first purchase to the end of observation.
///
/// Recency and age share one time unit (days or weeks); the fitted rate parameter α is in that unit.
package struct CustomerSummary: Sendable, Hashable, Codable {
    package var frequency: Int
    package var recency: Double
    package var age: Double

    package init(frequency: Int, recency: Double, age: Double) {
        self.frequency = frequency
        self.recency = recency
        self.age = age
    }

    /// Checks the summary can come from a purchase history.
    ///
    /// - Throws: `LifetimeError.invalidSummary` for a negative frequency, a negative or
    ///   non-finite recency or age, a recency beyond the age, or a positive recency with no repeat
    ///   purchase. A zero recency with repeat purchases is not an error (purchases on the first day).
    package func validate(index: Int? = nil) throws(LifetimeError) {
        func fail(_ message: String) -> LifetimeError {
            LifetimeError(.invalidSummary, message + " (frequency \(frequency), recency \(recency), T \(age))", index: index)
        }
        guard frequency >= 0 else { throw fail("frequency must be the number of repeat purchases, 0 or more") }
        guard recency.isFinite, recency >= 0 else { throw fail("recency must be a finite number, 0 or more") }
        guard age.isFinite, age >= 0 else { throw fail("T must be a finite number, 0 or more") }
        guard recency <= age else { throw fail("recency cannot exceed T: the last purchase lies within the observation") }
        guard frequency > 0 || recency == 0 else {
            throw fail("recency must be 0 for a client with no repeat purchase")
        }
    }
}

/// Clients' summaries with identical (frequency, recency, age) triples grouped, ready for fitting.
///
/// Real populations repeat the same few triples many times (ages and recencies in whole days or
/// weeks), so the likelihood loops over groups instead of clients: fitting a million clients costs
/// what their distinct triples cost. Frequencies and times are also interned, so that the
/// log-gamma and logarithm terms are computed once per distinct value per evaluation.
package struct RFTSummary: Sendable {
    /// One distinct triple and how many clients share it.
    package struct Group: Sendable, Hashable {
        package var summary: CustomerSummary
        package var count: Int
    }

    /// The distinct triples, sorted by frequency, age, then recency (a stable summation order).
    package let groups: [Group]
    /// The number of clients.
    package let clientCount: Int

    // Interned columns for the likelihood loop.
    let frequencies: [Double]   // distinct frequencies
    let times: [Double]         // distinct recencies and ages
    let groupFrequency: [Int32]
    let groupRecency: [Int32]
    let groupAge: [Int32]
    let groupCount: [Double]

    /// Groups and validates the clients' summaries.
    ///
    /// - Throws: `LifetimeError.invalidSummary` naming the first impossible summary (its index
    ///   in `clients`), `LifetimeError.noData` when `clients` is empty.
    package init(_ clients: some Sequence<CustomerSummary>) throws(LifetimeError) {
        var all: [CustomerSummary] = []
        all.reserveCapacity(clients.underestimatedCount)
        var index = 0
        for client in clients {
            try client.validate(index: index)
            all.append(client)
            index += 1
        }
        guard index > 0 else { throw LifetimeError(.noData, "no client to fit the model on") }
        // Grouped by sorting (equal triples end up side by side): cheaper than hashing a million
        // triples, and the groups come out in the order the likelihood sums them.
        all.sort(by: Self.ordered)
        var groups: [Group] = []
        for summary in all {
            if let last = groups.last, last.summary == summary {
                groups[groups.count - 1].count += 1
            } else {
                groups.append(Group(summary: summary, count: 1))
            }
        }
        self.init(sortedGroups: groups, clientCount: index)
    }

    /// Builds the summary from already grouped triples (validated; counts must be positive).
    package init(groups: [Group]) throws(LifetimeError) {
        var total = 0
        for (index, group) in groups.enumerated() {
            try group.summary.validate(index: index)
            guard group.count > 0 else {
                throw LifetimeError(.invalidSummary, "a group's count must be positive, got \(group.count)", index: index)
            }
            total += group.count
        }
        guard total > 0 else { throw LifetimeError(.noData, "no client to fit the model on") }
        // Merge duplicates the caller may have left.
        var merged: [Group] = []
        for group in groups.sorted(by: { Self.ordered($0.summary, $1.summary) }) {
            if let last = merged.last, last.summary == group.summary {
                merged[merged.count - 1].count += group.count
            } else {
                merged.append(group)
            }
        }
        self.init(sortedGroups: merged, clientCount: total)
    }

    /// Whether interning `times` pays: on an evenly spread sample of up to 32,768, at most half
    /// are distinct (whole days or weeks repeat; real-valued times almost never do).
    static func fewDistinct(_ times: [Double]) -> Bool {
        let step = max(1, times.count / 32_768)
        var sample = stride(from: 0, to: times.count, by: step).map { times[$0] }
        sample.sort()
        var distinct = 0
        for i in sample.indices where i == 0 || sample[i] != sample[i - 1] { distinct += 1 }
        return distinct * 2 <= sample.count
    }

    /// By frequency, age, then recency: a stable summation order.
    private static func ordered(_ l: CustomerSummary, _ r: CustomerSummary) -> Bool {
        if l.frequency != r.frequency { return l.frequency < r.frequency }
        if l.age != r.age { return l.age < r.age }
        return l.recency < r.recency
    }

    private init(sortedGroups sorted: [Group], clientCount: Int) {
        // Distinct times by sorting too; each group finds its times by binary search. When the
        // times are mostly distinct (real-valued recencies and ages: measured on a sample), each
        // group keeps its own two instead: interning would cost a sort and two searches per group
        // and save no logarithm. The likelihood reads the same values either way.
        var times: [Double] = []
        times.reserveCapacity(2 * sorted.count)
        for group in sorted {
            times.append(group.summary.recency)
            times.append(group.summary.age)
        }
        let interned = Self.fewDistinct(times)
        if interned {
            times.sort()
            var distinct = 0
            for i in times.indices where i == 0 || times[i] != times[distinct - 1] {
                times[distinct] = times[i]
                distinct += 1
            }
            times.removeLast(times.count - distinct)
        }
        func intern(_ time: Double) -> Int32 {
            var low = 0, high = times.count
            while low < high {
                let middle = (low + high) / 2
                if times[middle] < time { low = middle + 1 } else { high = middle }
            }
            return Int32(low)
        }
        var frequencies: [Double] = []
        var groupFrequency: [Int32] = [], groupRecency: [Int32] = [], groupAge: [Int32] = [], groupCount: [Double] = []
        groupFrequency.reserveCapacity(sorted.count)
        groupRecency.reserveCapacity(sorted.count)
        groupAge.reserveCapacity(sorted.count)
        groupCount.reserveCapacity(sorted.count)
        for group in sorted {
            // Sorted by frequency: a new frequency is a new distinct one.
            let x = Double(group.summary.frequency)
            if frequencies.last != x { frequencies.append(x) }
            groupFrequency.append(Int32(frequencies.count - 1))
            if interned {
                groupRecency.append(intern(group.summary.recency))
                groupAge.append(intern(group.summary.age))
            } else {
                groupRecency.append(Int32(2 * groupRecency.count))
                groupAge.append(Int32(2 * groupAge.count + 1))
            }
            groupCount.append(Double(group.count))
        }
        self.groups = sorted
        self.clientCount = clientCount
        self.frequencies = frequencies
        self.times = times
        self.groupFrequency = groupFrequency
        self.groupRecency = groupRecency
        self.groupAge = groupAge
        self.groupCount = groupCount
    }
}

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
        var counts: [CustomerSummary: Int] = [:]
        var index = 0
        for client in clients {
            try client.validate(index: index)
            counts[client, default: 0] += 1
            index += 1
        }
        guard index > 0 else { throw LifetimeError(.noData, "no client to fit the model on") }
        self.init(groups: counts.map { Group(summary: $0.key, count: $0.value) }, clientCount: index)
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
        var counts: [CustomerSummary: Int] = [:]
        for group in groups { counts[group.summary, default: 0] += group.count }
        self.init(groups: counts.map { Group(summary: $0.key, count: $0.value) }, clientCount: total)
    }

    private init(groups unsorted: [Group], clientCount: Int) {
        let sorted = unsorted.sorted { lhs, rhs in
            let l = lhs.summary, r = rhs.summary
            if l.frequency != r.frequency { return l.frequency < r.frequency }
            if l.age != r.age { return l.age < r.age }
            return l.recency < r.recency
        }
        var frequencyIndex: [Int: Int32] = [:]
        var timeIndex: [Double: Int32] = [:]
        var frequencies: [Double] = []
        var times: [Double] = []
        func intern(_ time: Double) -> Int32 {
            if let found = timeIndex[time] { return found }
            let index = Int32(times.count)
            times.append(time)
            timeIndex[time] = index
            return index
        }
        var groupFrequency: [Int32] = [], groupRecency: [Int32] = [], groupAge: [Int32] = [], groupCount: [Double] = []
        groupFrequency.reserveCapacity(sorted.count)
        groupRecency.reserveCapacity(sorted.count)
        groupAge.reserveCapacity(sorted.count)
        groupCount.reserveCapacity(sorted.count)
        for group in sorted {
            let x = group.summary.frequency
            let xi: Int32
            if let found = frequencyIndex[x] {
                xi = found
            } else {
                xi = Int32(frequencies.count)
                frequencies.append(Double(x))
                frequencyIndex[x] = xi
            }
            groupFrequency.append(xi)
            groupRecency.append(intern(group.summary.recency))
            groupAge.append(intern(group.summary.age))
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

package import WaymarkCore
internal import Foundation

/// Draws synthetic clients from known BG/NBD, MBG/NBD and Gamma-Gamma parameters (seeded, deterministic).
///
/// For tests of the fits (data generated from known parameters must give them back) and for
/// benchmarks. Each client gets a purchase rate λ ~ Gamma(r, α) and a dropout probability
/// p ~ Beta(a, b), buys at time 0, then at Poisson(λ) times until observation ends at T or until
/// it drops out: BG/NBD lets it drop out after each repeat purchase, MBG/NBD also right after the
/// first purchase.
package enum LifetimeSimulator {
    /// Simulated clients' summaries.
    ///
    /// - Parameters:
    ///   - count: the number of clients.
    ///   - ages: T is drawn uniformly from this range (one cohort per first-purchase date).
    ///   - resolution: when given, T and recency are rounded down to multiples of it (whole days or
    ///     weeks, as real data comes), which makes identical triples frequent.
    package static func clients(
        count: Int, kind: LifetimeModelKind = .bgnbd, parameters: LifetimeParameters,
        ages: ClosedRange<Double>, resolution: Double? = nil, seed: UInt64
    ) -> [CustomerSummary] {
        var random = SeededGenerator(seed: seed)
        var clients: [CustomerSummary] = []
        clients.reserveCapacity(count)
        for _ in 0..<count {
            let age = ages.lowerBound + (ages.upperBound - ages.lowerBound) * random.uniform()
            clients.append(client(kind: kind, parameters: parameters, age: age, resolution: resolution, using: &random))
        }
        return clients
    }

    /// One simulated client observed for `age` time units after the first purchase.
    package static func client(
        kind: LifetimeModelKind = .bgnbd, parameters: LifetimeParameters, age: Double,
        resolution: Double? = nil, using random: inout SeededGenerator
    ) -> CustomerSummary {
        let rate = random.gamma(shape: parameters.r, scale: 1 / parameters.alpha)
        let dropout = random.beta(parameters.a, parameters.b)
        var frequency = 0
        var recency = 0.0
        var time = 0.0
        if kind == .mbgnbd && random.uniform() < dropout {
            return summary(frequency: 0, recency: 0, age: age, resolution: resolution)
        }
        while true {
            time += random.exponential(rate: rate)
            if time > age { break }
            frequency += 1
            recency = time
            if random.uniform() < dropout { break }
        }
        return summary(frequency: frequency, recency: recency, age: age, resolution: resolution)
    }

    private static func summary(frequency: Int, recency: Double, age: Double, resolution: Double?) -> CustomerSummary {
        guard let resolution, resolution > 0 else {
            return CustomerSummary(frequency: frequency, recency: recency, age: age)
        }
        return CustomerSummary(
            frequency: frequency,
            recency: (recency / resolution).rounded(.down) * resolution,
            age: (age / resolution).rounded(.down) * resolution
        )
    }

    /// A simulated average spend of `frequency` transactions from Gamma-Gamma parameters.
    ///
    /// Draws the client's rate ν ~ Gamma(q, v), then the total of x transactions ~ Gamma(p x, ν),
    /// and returns total / x. Returns 0 for x = 0.
    package static func averageSpend(
        frequency: Int, parameters: GammaGammaParameters, using random: inout SeededGenerator
    ) -> Double {
        guard frequency > 0 else { return 0 }
        let nu = random.gamma(shape: parameters.q, scale: 1 / parameters.v)
        let total = random.gamma(shape: parameters.p * Double(frequency), scale: 1 / nu)
        return total / Double(frequency)
    }
}

/// Entry points for `scripts/bench engine`: fit BG/NBD on generated clients.
package enum LifetimeBenchmark {
    /// The CDNOW estimates of Fader, Hardie & Lee (2005), in weeks.
    package static let cdnowParameters = LifetimeParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)

    /// `count` clients drawn from the CDNOW parameters, T between 1 and 104 weeks, times in whole days.
    package static func generateClients(count: Int, seed: UInt64 = 20_050_101) -> [CustomerSummary] {
        LifetimeSimulator.clients(
            count: count, parameters: cdnowParameters, ages: 1...104, resolution: 1.0 / 7, seed: seed)
    }

    /// What a nightly run does with the clients' summaries: group them, then fit (no standard errors).
    package static func fit(_ clients: [CustomerSummary], kind: LifetimeModelKind = .bgnbd) throws(LifetimeError) -> LifetimeFit {
        let data = try RFTSummary(clients)
        return try LifetimeModel.fit(data, kind: kind, options: LifetimeFitOptions(computeStandardErrors: false))
    }

    /// Generates `count` clients and fits them; only the fit is what a benchmark should time,
    /// so prefer ``generateClients(count:seed:)`` then ``fit(_:kind:)``.
    package static func fitGenerated(count: Int, kind: LifetimeModelKind = .bgnbd, seed: UInt64 = 20_050_101) throws(LifetimeError) -> LifetimeFit {
        try fit(generateClients(count: count, seed: seed), kind: kind)
    }
}

import Foundation
import Testing
import WaymarkCore
@testable import WaymarkLifetime

@Suite("Lifetime: BG/NBD and MBG/NBD formulas")
struct LifetimeModelTests {
    static let cdnow = LifetimeParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
    static let cases: [(x: Int, tx: Double, T: Double)] = [(0, 0, 38.86), (1, 5.5, 30), (2, 30.43, 38.86), (7, 29.0, 32.5), (3, 0, 12)]

    /// The closed form written the plain way, with Γ and B (no logs): independent of the code under test.
    private func directLikelihood(_ kind: LifetimeModelKind, _ p: LifetimeParameters, x: Int, tx: Double, T: Double) -> Double {
        func beta(_ u: Double, _ v: Double) -> Double { tgamma(u) * tgamma(v) / tgamma(u + v) }
        let xd = Double(x)
        let rate = tgamma(p.r + xd) * pow(p.alpha, p.r) / tgamma(p.r)
        switch kind {
        case .bgnbd:
            let alive = beta(p.a, p.b + xd) / beta(p.a, p.b) * rate / pow(p.alpha + T, p.r + xd)
            let dead = x > 0 ? beta(p.a + 1, p.b + xd - 1) / beta(p.a, p.b) * rate / pow(p.alpha + tx, p.r + xd) : 0
            return alive + dead
        case .mbgnbd:
            let alive = beta(p.a, p.b + xd + 1) / beta(p.a, p.b) * rate / pow(p.alpha + T, p.r + xd)
            let dead = beta(p.a + 1, p.b + xd) / beta(p.a, p.b) * rate / pow(p.alpha + tx, p.r + xd)
            return alive + dead
        }
    }

    @Test("the log-likelihood matches the plain closed form", arguments: LifetimeModelKind.allCases)
    func likelihoodMatchesClosedForm(kind: LifetimeModelKind) {
        for p in [Self.cdnow, LifetimeParameters(r: 1.7, alpha: 12, a: 2.2, b: 0.6)] {
            let model = LifetimeModel(kind: kind, parameters: p)
            for c in Self.cases {
                let expected = log(directLikelihood(kind, p, x: c.x, tx: c.tx, T: c.T))
                let actual = model.logLikelihood(frequency: c.x, recency: c.tx, age: c.T)
                #expect(abs(actual - expected) < 1e-10 * max(1, abs(expected)), "\(kind) \(c): \(actual) vs \(expected)")
            }
        }
    }

    @Test("the grouped likelihood is the sum of the clients' likelihoods", arguments: LifetimeModelKind.allCases)
    func groupedLikelihood(kind: LifetimeModelKind) throws {
        let clients = Self.cases.map { CustomerSummary(frequency: $0.x, recency: $0.tx, age: $0.T) }
        let repeated = clients + clients + [clients[2]]
        let data = try RFTSummary(repeated)
        #expect(data.clientCount == 11)
        #expect(data.groups.count == 5)
        let model = LifetimeModel(kind: kind, parameters: Self.cdnow)
        let expected = repeated.reduce(0) { $0 + model.logLikelihood(frequency: $1.frequency, recency: $1.recency, age: $1.age) }
        #expect(abs(model.logLikelihood(data) - expected) < 1e-9)
    }

    @Test("P(alive): 1 at no repeat purchase under BG/NBD, below 1 and fading with T under MBG/NBD")
    func probabilityAliveOneTimeBuyers() {
        let bg = LifetimeModel(kind: .bgnbd, parameters: Self.cdnow)
        let mbg = LifetimeModel(kind: .mbgnbd, parameters: Self.cdnow)
        #expect(bg.probabilityAlive(frequency: 0, recency: 0, age: 10) == 1)
        #expect(bg.probabilityAlive(frequency: 0, recency: 0, age: 500) == 1)
        let early = mbg.probabilityAlive(frequency: 0, recency: 0, age: 10)
        let late = mbg.probabilityAlive(frequency: 0, recency: 0, age: 500)
        #expect(early < 1 && late < early && late > 0)
        // Direct: 1 / (1 + a/b · ((α + T)/α)^r).
        let p = Self.cdnow
        #expect(abs(early - 1 / (1 + p.a / p.b * pow((p.alpha + 10) / p.alpha, p.r))) < 1e-14)
    }

    @Test("P(alive) with repeat purchases matches the closed form; recent buyers are likelier alive")
    func probabilityAliveRepeatBuyers() {
        let p = Self.cdnow
        let bg = LifetimeModel(kind: .bgnbd, parameters: p)
        let value = bg.probabilityAlive(frequency: 2, recency: 30.43, age: 38.86)
        let direct = 1 / (1 + p.a / (p.b + 1) * pow((p.alpha + 38.86) / (p.alpha + 30.43), p.r + 2))
        #expect(abs(value - direct) < 1e-14)
        #expect(bg.probabilityAlive(frequency: 2, recency: 38, age: 38.86) > bg.probabilityAlive(frequency: 2, recency: 5, age: 38.86))
    }

    @Test("expected purchases: the CDNOW example of Fader, Hardie & Lee (2005) gives 1.226")
    func publishedExample() {
        let model = LifetimeModel(kind: .bgnbd, parameters: Self.cdnow)
        let expected = model.expectedPurchases(in: 39, frequency: 2, recency: 30.43, age: 38.86)
        #expect(abs(expected - 1.226) < 0.001, "got \(expected)")
        // mpmath at 40 digits, the textbook form: 1.2260281747671444631.
        #expect(abs(expected - 1.2260281747671444631) < 1e-12)
    }

    /// The textbook form, with the general 2F1, for moderate inputs.
    private func naiveExpected(_ kind: LifetimeModelKind, _ p: LifetimeParameters, t: Double, x: Int, tx: Double, T: Double) -> Double {
        let xd = Double(x)
        let (bPrime, c) = kind == .bgnbd ? (p.b + xd, p.a + p.b + xd - 1) : (p.b + xd + 1, p.a + p.b + xd)
        let z = t / (p.alpha + T + t)
        let hyp = Hypergeometric.value(p.r + xd, bPrime, c, z)
        let bracket = 1 - pow((p.alpha + T) / (p.alpha + T + t), p.r + xd) * hyp
        let alive = LifetimeModel(kind: kind, parameters: p).probabilityAlive(frequency: x, recency: tx, age: T)
        return c / (p.a - 1) * bracket * alive
    }

    @Test("expected purchases match the textbook form with the general 2F1", arguments: LifetimeModelKind.allCases)
    func expectedMatchesTextbook(kind: LifetimeModelKind) {
        for p in [Self.cdnow, LifetimeParameters(r: 1.7, alpha: 12, a: 2.2, b: 0.6)] {
            let model = LifetimeModel(kind: kind, parameters: p)
            for c in Self.cases {
                for t in [1.0, 39, 400] {
                    let actual = model.expectedPurchases(in: t, frequency: c.x, recency: c.tx, age: c.T)
                    let expected = naiveExpected(kind, p, t: t, x: c.x, tx: c.tx, T: c.T)
                    #expect(abs(actual - expected) < 1e-9 * max(1, expected), "\(kind) \(p) \(c) t=\(t): \(actual) vs \(expected)")
                }
            }
        }
    }

    @Test("expected purchases for a new client match a simulation (200 000 clients)", arguments: LifetimeModelKind.allCases)
    func expectedMatchesSimulation(kind: LifetimeModelKind) {
        // A client just acquired (x = 0, tₓ = 0, T = 0): its repeat purchases over the next t are
        // what the simulator counts with age t.
        let p = LifetimeParameters(r: 0.9, alpha: 6, a: 1.4, b: 3.5)
        let t = 30.0
        let clients = LifetimeSimulator.clients(count: 200_000, kind: kind, parameters: p, ages: t...t, seed: 11)
        let counts = clients.map { Double($0.frequency) }
        let mean = counts.reduce(0, +) / Double(counts.count)
        let variance = counts.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(counts.count - 1)
        let standardError = (variance / Double(counts.count)).squareRoot()
        let predicted = LifetimeModel(kind: kind, parameters: p).expectedPurchases(in: t, frequency: 0, recency: 0, age: 0)
        #expect(abs(mean - predicted) < 4 * standardError, "\(kind): simulated \(mean) ± \(standardError), predicted \(predicted)")
    }

    @Test("a = 1 is not a special case: continuous across it")
    func dropoutShapeOne() {
        for kind in LifetimeModelKind.allCases {
            func model(_ a: Double) -> LifetimeModel {
                LifetimeModel(kind: kind, parameters: LifetimeParameters(r: 0.5, alpha: 5, a: a, b: 2))
            }
            let at = model(1).expectedPurchases(in: 20, frequency: 3, recency: 15, age: 25)
            let below = model(1 - 1e-7).expectedPurchases(in: 20, frequency: 3, recency: 15, age: 25)
            let above = model(1 + 1e-7).expectedPurchases(in: 20, frequency: 3, recency: 15, age: 25)
            #expect(at.isFinite && at > 0)
            #expect(abs(at - below) < 1e-6 && abs(at - above) < 1e-6, "\(kind): \(below) \(at) \(above)")
        }
    }

    @Test("thousands of purchases and decades of history give finite, sensible results", arguments: LifetimeModelKind.allCases)
    func extremeClients(kind: LifetimeModelKind) {
        let model = LifetimeModel(kind: kind, parameters: Self.cdnow)
        let ll = model.logLikelihood(frequency: 5000, recency: 19_990, age: 20_000)
        #expect(ll.isFinite)
        let alive = model.probabilityAlive(frequency: 5000, recency: 19_990, age: 20_000)
        #expect(alive > 0 && alive <= 1)
        let expected = model.expectedPurchases(in: 52, frequency: 5000, recency: 19_990, age: 20_000)
        // A live client buying 5000 times in 20 000 units buys about 0.25 per unit: 13 in 52 units.
        #expect(expected.isFinite && expected > 10 && expected < 14, "got \(expected)")
        if kind == .bgnbd {
            // mpmath at 40 digits, the textbook form.
            #expect(abs(expected - 12.959355732283692613) < 1e-9, "got \(expected)")
            #expect(abs(model.expectedPurchases(in: 100_000, frequency: 0, recency: 0, age: 1) - 28.000177980617210472) < 1e-8)
        }
        // Long gone: 5000 purchases, none in the last 10 000 units.
        let gone = model.probabilityAlive(frequency: 5000, recency: 10_000, age: 20_000)
        #expect(gone >= 0 && gone < 1e-100)
        #expect(model.expectedPurchases(in: 52, frequency: 5000, recency: 10_000, age: 20_000) < 1e-100)
        // A very long horizon still converges.
        #expect(model.expectedPurchases(in: 100_000, frequency: 0, recency: 0, age: 1).isFinite)
    }

    @Test("lifetime value: purchases × spend, and discounting lowers it")
    func lifetimeValue() {
        let value = LifetimeValueModel(
            lifetime: LifetimeModel(kind: .bgnbd, parameters: Self.cdnow),
            spend: GammaGammaModel(parameters: GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44)))
        let purchases = value.lifetime.expectedPurchases(in: 52, frequency: 2, recency: 30.43, age: 38.86)
        let spend = value.spend.expectedAverageSpend(frequency: 2, averageSpend: 40)
        let plain = value.lifetimeValue(frequency: 2, recency: 30.43, age: 38.86, averageSpend: 40, horizon: 52)
        #expect(abs(plain - purchases * spend) < 1e-12 * plain)
        let discounted = value.lifetimeValue(
            frequency: 2, recency: 30.43, age: 38.86, averageSpend: 40, horizon: 52, unitsPerMonth: 4.348, monthlyDiscountRate: 0.01)
        #expect(discounted < plain && discounted > plain / pow(1.01, 12.5))
        let barely = value.lifetimeValue(
            frequency: 2, recency: 30.43, age: 38.86, averageSpend: 40, horizon: 52, unitsPerMonth: 4.348, monthlyDiscountRate: 1e-12)
        #expect(abs(barely - plain) < 1e-8 * plain)
    }
}

import Foundation
import Testing
import WaymarkCore
@testable import WaymarkLifetime

@Suite("Lifetime: maximum-likelihood fits")
struct LifetimeFitTests {
    /// Every parameter within 4 standard errors of the truth, and the standard errors small
    /// enough (relative `precision`) that the check means something. With four independent-ish
    /// parameters, 4 SE leaves a false-failure chance near 2.5·10⁻⁴ per seed; the seed is fixed.
    private func expectRecovered(_ estimates: [Double], _ errors: [Double], truth: [Double], precision: [Double], _ label: String) {
        for i in truth.indices {
            #expect(abs(estimates[i] - truth[i]) < 4 * errors[i], "\(label) parameter \(i): \(estimates[i]) ± \(errors[i]) vs \(truth[i])")
            #expect(errors[i] < precision[i] * truth[i], "\(label) parameter \(i): standard error \(errors[i]) too large to test recovery")
        }
    }

    @Test("BG/NBD: 30 000 clients from the CDNOW parameters give them back")
    func bgnbdRecovery() throws {
        let truth = LifetimeParameters(r: 0.24, alpha: 4.41, a: 0.79, b: 2.43)
        let clients = LifetimeSimulator.clients(count: 30_000, parameters: truth, ages: 26...78, resolution: 1.0 / 7, seed: 1)
        let data = try RFTSummary(clients)
        let fit = try LifetimeModel.fit(data)
        #expect(fit.converged)
        #expect(fit.clientCount == 30_000)
        let errors = try #require(fit.standardErrors)
        expectRecovered(fit.model.parameters.values, errors.values, truth: truth.values, precision: [0.05, 0.08, 0.2, 0.25], "BG/NBD")
        // The estimate is the maximum: it beats the true parameters on this sample.
        #expect(fit.logLikelihood >= LifetimeModel(parameters: truth).logLikelihood(data))
        #expect(abs(fit.logLikelihood - fit.model.logLikelihood(data)) < 1e-6)
    }

    @Test("MBG/NBD: 30 000 simulated clients give their parameters back")
    func mbgnbdRecovery() throws {
        let truth = LifetimeParameters(r: 0.5, alpha: 6.0, a: 0.6, b: 3.0)
        let clients = LifetimeSimulator.clients(count: 30_000, kind: .mbgnbd, parameters: truth, ages: 26...78, resolution: 1.0 / 7, seed: 2)
        let fit = try LifetimeModel.fit(try RFTSummary(clients), kind: .mbgnbd)
        #expect(fit.converged)
        #expect(fit.model.kind == .mbgnbd)
        let errors = try #require(fit.standardErrors)
        expectRecovered(fit.model.parameters.values, errors.values, truth: truth.values, precision: [0.05, 0.08, 0.2, 0.25], "MBG/NBD")
    }

    @Test("a penalty shrinks the parameters")
    func penalty() throws {
        let truth = LifetimeParameters(r: 0.24, alpha: 4.41, a: 0.79, b: 2.43)
        let data = try RFTSummary(LifetimeSimulator.clients(count: 3_000, parameters: truth, ages: 26...78, resolution: 1, seed: 3))
        let plain = try LifetimeModel.fit(data, options: LifetimeFitOptions(computeStandardErrors: false))
        let penalised = try LifetimeModel.fit(data, options: LifetimeFitOptions(penalty: 0.1, computeStandardErrors: false))
        func squares(_ fit: LifetimeFit) -> Double { fit.model.parameters.values.reduce(0) { $0 + $1 * $1 } }
        #expect(squares(penalised) < squares(plain))
        #expect(penalised.logLikelihood < plain.logLikelihood)
    }

    @Test("impossible summaries are rejected with their position")
    func invalidInput() {
        let clients = [
            CustomerSummary(frequency: 1, recency: 3, age: 10),
            CustomerSummary(frequency: 2, recency: 12, age: 10),
        ]
        #expect {
            _ = try RFTSummary(clients)
        } throws: { error in
            let error = error as? LifetimeError
            return error?.code == .invalidSummary && error?.index == 1 && error?.description.contains("recency cannot exceed T") == true
        }
        #expect(throws: LifetimeError.self) { _ = try RFTSummary([CustomerSummary(frequency: 0, recency: 2, age: 10)]) }
        #expect(throws: LifetimeError.self) { _ = try RFTSummary([CustomerSummary(frequency: -1, recency: 0, age: 10)]) }
        #expect {
            _ = try RFTSummary([CustomerSummary]())
        } throws: { ($0 as? LifetimeError)?.code == .noData }
    }

    @Test("Gamma-Gamma: 5 000 simulated repeat buyers give p, q, v back")
    func gammaGammaRecovery() throws {
        let truth = GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44)
        var random = SeededGenerator(seed: 4)
        var clients: [SpendSummary] = []
        for i in 0..<6_000 {
            // A sixth are one-time buyers, which the fit must skip.
            let frequency = i % 6 == 0 ? 0 : 1 + random.poisson(mean: 2)
            clients.append(SpendSummary(frequency: frequency, averageSpend: LifetimeSimulator.averageSpend(frequency: frequency, parameters: truth, using: &random)))
        }
        let fit = try GammaGammaModel.fit(clients)
        #expect(fit.clientCount == 5_000)
        #expect(fit.converged)
        let errors = try #require(fit.standardErrors)
        expectRecovered(fit.model.parameters.values, errors.values, truth: truth.values, precision: [0.15, 0.15, 0.3], "Gamma-Gamma")
        // The fitted population mean is close to the true one, p v / (q − 1) = 35.2.
        #expect(abs(fit.model.populationMeanSpend / (truth.p * truth.v / (truth.q - 1)) - 1) < 0.05)
    }

    @Test("Gamma-Gamma: the likelihood and the conditional mean match their closed forms")
    func gammaGammaFormulas() {
        let model = GammaGammaModel(parameters: GammaGammaParameters(p: 6.25, q: 3.74, v: 15.44))
        let (p, q, v, x, m) = (6.25, 3.74, 15.44, 3.0, 42.0)
        // The density of mₓ: x·mₓ ~ Gamma(px, ν), ν ~ Gamma(q, v), written with Γ directly.
        let density = tgamma(p * x + q) / (tgamma(p * x) * tgamma(q)) * pow(v, q) * pow(m, p * x - 1) * pow(x, p * x) / pow(v + m * x, p * x + q)
        #expect(abs(model.logLikelihood(frequency: 3, averageSpend: 42) - log(density)) < 1e-10)
        #expect(abs(model.expectedAverageSpend(frequency: 3, averageSpend: 42) - p * (v + x * m) / (p * x + q - 1)) < 1e-12)
        #expect(abs(model.populationMeanSpend - p * v / (q - 1)) < 1e-12)
        // A client's own average pulls the expectation away from the population mean, more with more purchases.
        let few = model.expectedAverageSpend(frequency: 1, averageSpend: 100)
        let many = model.expectedAverageSpend(frequency: 50, averageSpend: 100)
        #expect(model.populationMeanSpend < few && few < many && many < 100)
    }

    @Test("Gamma-Gamma rejects a repeat buyer without a positive spend, and data without repeat buyers")
    func gammaGammaInvalid() {
        #expect {
            _ = try GammaGammaModel.fit([SpendSummary(frequency: 2, averageSpend: 10), SpendSummary(frequency: 1, averageSpend: 0)])
        } throws: { ($0 as? LifetimeError)?.index == 1 }
        #expect {
            _ = try GammaGammaModel.fit([SpendSummary(frequency: 0, averageSpend: 0)])
        } throws: { ($0 as? LifetimeError)?.code == .noData }
    }

    @Test("the benchmark entry point fits generated clients")
    func benchmarkEntryPoint() throws {
        let clients = LifetimeBenchmark.generateClients(count: 2_000, seed: 5)
        #expect(clients == LifetimeBenchmark.generateClients(count: 2_000, seed: 5))
        let fit = try LifetimeBenchmark.fit(clients)
        #expect(fit.clientCount == 2_000)
        #expect(fit.groupCount < 2_000)
        #expect(fit.logLikelihood.isFinite && fit.standardErrors == nil)
    }
}

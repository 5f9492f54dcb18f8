import Foundation
import Testing
import WaymarkCore
@testable import WaymarkLifetime

@Suite("Lifetime: optimisers and the likelihood gradient")
struct LifetimeOptimizerTests {
    @Test("digamma matches known values")
    func digammaValues() {
        let eulerGamma = 0.57721566490153286061
        #expect(abs(digamma(1) + eulerGamma) < 1e-14)
        #expect(abs(digamma(0.5) - (-eulerGamma - 2 * log(2.0))) < 1e-14)
        #expect(abs(digamma(10) - (1.0 / 1 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8 + 1.0 / 9 - eulerGamma)) < 1e-13)
        #expect(abs(digamma(5000.5) - 8.5171931930829) < 1e-12) // mpmath
    }

    @Test("the analytic gradient matches central differences", arguments: LifetimeModelKind.allCases)
    func gradient(kind: LifetimeModelKind) throws {
        let clients = LifetimeSimulator.clients(
            count: 500, kind: kind, parameters: LifetimeParameters(r: 0.24, alpha: 4.41, a: 0.79, b: 2.43), ages: 10...60, seed: 9)
            + [CustomerSummary(frequency: 3000, recency: 9000, age: 10_000)]
        let evaluator = LikelihoodEvaluator(data: try RFTSummary(clients), kind: kind)
        let point = [0.3, 5.0, 1.2, 1.7]
        let (value, gradient) = evaluator.logLikelihoodAndGradient(LifetimeParameters(r: point[0], alpha: point[1], a: point[2], b: point[3]))
        func ll(_ p: [Double]) -> Double { evaluator.logLikelihood(LifetimeParameters(r: p[0], alpha: p[1], a: p[2], b: p[3])) }
        #expect(abs(value - ll(point)) < 1e-8 * abs(value))
        for i in 0..<4 {
            let h = 1e-6 * point[i]
            var up = point, down = point
            up[i] += h
            down[i] -= h
            let numeric = (ll(up) - ll(down)) / (2 * h)
            #expect(abs(gradient[i] - numeric) < 1e-5 * max(1, abs(numeric)), "\(kind) ∂/∂p\(i): \(gradient[i]) vs \(numeric)")
        }
    }

    @Test("Nelder–Mead and BFGS find the Rosenbrock minimum")
    func rosenbrock() {
        func f(_ x: [Double]) -> Double { 100 * pow(x[1] - x[0] * x[0], 2) + pow(1 - x[0], 2) }
        let simplex = NelderMead().minimize(f, from: [-1.2, 1])
        #expect(simplex.converged)
        #expect(abs(simplex.point[0] - 1) < 1e-4 && abs(simplex.point[1] - 1) < 1e-4, "\(simplex.point)")
        let quasiNewton = BFGS().minimize({ x in
            (f(x), [-400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]), 200 * (x[1] - x[0] * x[0])])
        }, from: [-1.2, 1])
        #expect(quasiNewton.converged)
        #expect(abs(quasiNewton.point[0] - 1) < 1e-6 && abs(quasiNewton.point[1] - 1) < 1e-6, "\(quasiNewton.point)")
    }
}

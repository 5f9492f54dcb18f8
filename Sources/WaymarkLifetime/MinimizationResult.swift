internal import WaymarkCore
/// Where a minimiser (``BFGS``, ``NelderMead``) ended up.
struct MinimizationResult {
    var point: [Double]
    var value: Double
    var iterations: Int
    var evaluations: Int
    var converged: Bool
}

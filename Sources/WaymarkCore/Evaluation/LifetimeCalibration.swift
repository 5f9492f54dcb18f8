/// Lifetime-value calibration: predicted versus actual purchases in the horizon, by history.
///
/// The usual BG/NBD check: clients are grouped by the number of purchases they made before the
/// cutoff (0, 1, …, `openGroup − 1`, and `openGroup`+ together), and each group's mean predicted
/// purchases in the horizon is set beside its mean actual purchases. Two errors are reported:
/// the per-client mean absolute error (mean of |predicted − actual| over clients) and the group
/// error (the client-weighted mean of |group mean predicted − group mean actual|), which is what
/// the calibration plot shows.
package struct LifetimeCalibration: Sendable, Hashable, Codable {
    package struct Group: Sendable, Hashable, Codable {
        /// `0`, `1`, … or `7+`.
        package var label: String
        /// The group's lower bound of purchases before the cutoff.
        package var purchasesBefore: Int
        package var clients: Int
        package var meanPredicted: Double
        package var meanActual: Double
        package var totalPredicted: Double
        package var totalActual: Double

        package init(label: String, purchasesBefore: Int, clients: Int, meanPredicted: Double, meanActual: Double, totalPredicted: Double, totalActual: Double) {
            self.label = label
            self.purchasesBefore = purchasesBefore
            self.clients = clients
            self.meanPredicted = meanPredicted
            self.meanActual = meanActual
            self.totalPredicted = totalPredicted
            self.totalActual = totalActual
        }
    }

    /// Every group from 0 to the open group, empty ones included (with zero means).
    package var groups: [Group]
    package var clients: Int
    /// Mean of |predicted − actual| over clients.
    package var meanAbsoluteError: Double
    /// Client-weighted mean of |group mean predicted − group mean actual|.
    package var groupMeanAbsoluteError: Double
    package var totalPredicted: Double
    package var totalActual: Double
}

/// Streams clients' predicted and actual horizon purchases into a `LifetimeCalibration`.
package struct CalibrationAccumulator: Sendable, Hashable {
    /// The first purchase count pooled into the open group (`7` gives `0 … 6, 7+`).
    package let openGroup: Int
    private var clients: [Int]
    private var predicted: [Double]
    private var actual: [Double]
    private var absoluteError = 0.0

    package init(openGroup: Int = 7) {
        precondition(openGroup >= 1, "the open group must be at least 1")
        self.openGroup = openGroup
        clients = Array(repeating: 0, count: openGroup + 1)
        predicted = Array(repeating: 0, count: openGroup + 1)
        actual = Array(repeating: 0, count: openGroup + 1)
    }

    /// Adds one client.
    ///
    /// - Parameters:
    ///   - purchasesBefore: purchases up to the cutoff.
    ///   - predicted: the expected purchases in the horizon, as of the cutoff (a non-finite value counts as 0).
    ///   - actual: the purchases made in the horizon.
    package mutating func add(purchasesBefore: Int, predicted value: Double, actual count: Int) {
        let group = min(max(purchasesBefore, 0), openGroup)
        let p = value.isFinite ? value : 0
        clients[group] += 1
        predicted[group] += p
        actual[group] += Double(count)
        absoluteError += abs(p - Double(count))
    }

    package mutating func merge(_ other: CalibrationAccumulator) {
        precondition(other.openGroup == openGroup, "cannot merge calibrations with different groups")
        for i in clients.indices {
            clients[i] += other.clients[i]
            predicted[i] += other.predicted[i]
            actual[i] += other.actual[i]
        }
        absoluteError += other.absoluteError
    }

    package func finish() -> LifetimeCalibration {
        let total = clients.reduce(0, +)
        var groups: [LifetimeCalibration.Group] = []
        var groupError = 0.0
        for i in clients.indices {
            let n = clients[i]
            let meanPredicted = n > 0 ? predicted[i] / Double(n) : 0
            let meanActual = n > 0 ? actual[i] / Double(n) : 0
            groupError += Double(n) * abs(meanPredicted - meanActual)
            groups.append(.init(
                label: i == openGroup ? "\(i)+" : "\(i)", purchasesBefore: i, clients: n,
                meanPredicted: meanPredicted, meanActual: meanActual, totalPredicted: predicted[i], totalActual: actual[i]))
        }
        let n = Double(max(total, 1))
        return LifetimeCalibration(
            groups: groups, clients: total,
            meanAbsoluteError: absoluteError / n, groupMeanAbsoluteError: groupError / n,
            totalPredicted: predicted.reduce(0, +), totalActual: actual.reduce(0, +))
    }
}

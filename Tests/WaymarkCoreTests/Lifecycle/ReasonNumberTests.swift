import Foundation
import Testing
@testable import WaymarkCore

/// `fmt` prints the numbers of every reason; its integer fast path must give the text of the
/// general path (two decimals from the shortest digits of the rounded value).
@Suite struct ReasonNumberTests {
    /// The general path alone, as `fmt` was before the fast path.
    static func reference(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        let scaled = (value * 100).rounded() / 100
        var text = String(scaled)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) == 2 { text += "0" }
        return text
    }

    @Test func theFastPathPrintsWhatTheGeneralPathPrints() {
        var random = UInt64(2026)
        var values: [Double] = [0.004, -0.004, 0.005, 0.015, 1.005, 2.675, 3.999, -3.999, 0.1, 0.29, 1.1, 12.3456,
                                -0.5, 1e12 + 0.25, 9.99e12 + 0.5, 1e13 + 0.5, 123_456.785, .nan, .infinity, -.infinity]
        for _ in 0..<200_000 {
            let bits = Xoshiro256StarStar.splitMix(&random)
            let magnitude = pow(10.0, Double(Int(bits % 17)) - 4)
            let fraction = Double(bits >> 11) / Double(1 << 53)
            values.append((bits & 1 == 0 ? 1 : -1) * fraction * magnitude)
        }
        for value in values {
            #expect(fmt(value) == Self.reference(value), "\(value)")
        }
        // The reasons write the same numbers straight into their bytes.
        var text = TextBytes(capacity: 16)
        for value in values {
            text.removeAll()
            text.append(reasonNumber: value)
            #expect(text.string == Self.reference(value), "\(value)")
        }
        #expect(fmt(0.5) == "0.50")
        #expect(fmt(-0.0001) == "-0.00")
        #expect(fmt(2.675) == Self.reference(2.675))
    }
}

import Foundation
import Testing
import WaymarkCore
@testable import WaymarkGenerator

@Suite struct GeneratorRandomTests {
    @Test func sameSeedSameSequenceDifferentStreamsDiffer() {
        var a = SeededGenerator(seed: 7, index: 3, stream: 1)
        var b = SeededGenerator(seed: 7, index: 3, stream: 1)
        var c = SeededGenerator(seed: 7, index: 4, stream: 1)
        var d = SeededGenerator(seed: 8, index: 3, stream: 1)
        let sa = (0..<8).map { _ in a.next() }
        #expect(sa == (0..<8).map { _ in b.next() })
        #expect(sa != (0..<8).map { _ in c.next() })
        #expect(sa != (0..<8).map { _ in d.next() })
    }

    @Test func xoshiroMatchesReferenceSequence() {
        // Reference: SplitMix64(0) expanded state, then xoshiro256** as published by Vigna.
        var state: UInt64 = 0
        #expect(Xoshiro256StarStar.splitMix(&state) == 0xE220_A839_7B1D_CDAF)
        #expect(Xoshiro256StarStar.splitMix(&state) == 0x6E78_9E6A_A1B9_65F4)
    }

    @Test func samplerMeansMatchTheirDistributions() {
        var rng = SeededGenerator(seed: 2024)
        let n = 200_000
        var gammaSum = 0.0, smallGammaSum = 0.0, betaSum = 0.0, expSum = 0.0, normalSq = 0.0
        var poissonSum = 0, bigPoissonSum = 0
        for _ in 0..<n {
            gammaSum += rng.gamma(shape: 4, rate: 2)          // mean 2
            smallGammaSum += rng.gamma(shape: 0.5, rate: 10)  // mean 0.05
            betaSum += rng.populationBeta(1.2, 4)                       // mean 0.2308
            expSum += rng.exponential(rate: 0.5)              // mean 2
            let z = rng.polarNormal()
            normalSq += z * z                                 // mean 1
            poissonSum += rng.populationPoisson(mean: 3.5)
        }
        for _ in 0..<2_000 { bigPoissonSum += rng.populationPoisson(mean: 80) }
        #expect(abs(gammaSum / Double(n) - 2) < 0.02)
        #expect(abs(smallGammaSum / Double(n) - 0.05) < 0.001)
        #expect(abs(betaSum / Double(n) - 1.2 / 5.2) < 0.003)
        #expect(abs(expSum / Double(n) - 2) < 0.03)
        #expect(abs(normalSq / Double(n) - 1) < 0.02)
        #expect(abs(Double(poissonSum) / Double(n) - 3.5) < 0.03)
        #expect(abs(Double(bigPoissonSum) / 2_000 - 80) < 1)
    }

    @Test func boundedIntegersStayInRange() {
        var rng = SeededGenerator(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<10_000 {
            let value = rng.int(in: 2...5)
            #expect((2...5).contains(value))
            seen.insert(value)
        }
        #expect(seen == [2, 3, 4, 5])
    }
}

@Suite struct GeneratorCSVBytesTests {
    private func render(_ body: (inout CSVBytes) -> Void) -> String {
        var out = CSVBytes()
        body(&out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    @Test func formatsTimestampsFromSeconds() {
        #expect(render { $0.timestamp(seconds: 0) } == "1970-01-01T00:00:00Z")
        #expect(render { $0.timestamp(seconds: 1_709_288_100) } == "2024-03-01T10:15:00Z")
        #expect(render { $0.timestamp(seconds: 951_825_599) } == "2000-02-29T11:59:59Z")
        #expect(render { $0.timestamp(seconds: -1) } == "1969-12-31T23:59:59Z")
        #expect(render { $0.date(day: CSVBytes.days(year: 1983, month: 7, day: 14)) } == "1983-07-14")
    }

    @Test func civilDatesRoundTripOverFourCenturies() {
        for day in stride(from: -80_000, through: 80_000, by: 37) {
            let (year, month, dayOfMonth) = CSVBytes.civil(fromDays: day)
            #expect(CSVBytes.days(year: year, month: month, day: dayOfMonth) == day)
        }
    }

    @Test func formatsCentsAndPaddedIntegers() {
        #expect(render { $0.cents(12_345) } == "123.45")
        #expect(render { $0.cents(5) } == "0.05")
        #expect(render { $0.cents(100) } == "1.00")
        #expect(render { $0.integer(42, width: 7) } == "0000042")
        #expect(render { $0.integer(12_345_678, width: 7) } == "12345678")
    }

    @Test func quotesFieldsPerRFC4180() throws {
        let hostile = ["plain", "a,b", "say \"hi\"", "two\nlines", "{\"vip\":true,\"language\":\"fr\"}", ""]
        let line = render { out in
            for (index, value) in hostile.enumerated() {
                if index > 0 { out.comma() }
                out.field(value)
            }
            out.newline()
        }
        #expect(line.hasPrefix("plain,\"a,b\",\"say \"\"hi\"\"\","))
        #expect(try CSVTestParser.parse(line) == [hostile])
    }

    @Test func parsesISODates() {
        #expect(GeneratorConfiguration.day(fromISODate: "2024-02-29") == CSVBytes.days(year: 2024, month: 2, day: 29))
        #expect(GeneratorConfiguration.day(fromISODate: "2023-02-29") == nil)
        #expect(GeneratorConfiguration.day(fromISODate: "2024-13-01") == nil)
        #expect(GeneratorConfiguration.day(fromISODate: "24-01-01") == nil)
    }
}

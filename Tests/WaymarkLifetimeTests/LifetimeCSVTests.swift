import Foundation
import Testing
import WaymarkCore
@testable import WaymarkLifetime

@Suite("Lifetime: customer-summary CSV reader")
struct LifetimeCSVTests {
    private func message(_ text: String) -> String? {
        do {
            _ = try CustomerSummaryCSV.parse(text, name: "s.csv")
            return nil
        } catch {
            return error.code == .invalidFile ? error.message : "wrong code \(error.code)"
        }
    }

    @Test("reads the BTYD format: columns in any order, 3.0 frequencies, quotes around plain fields, CRLF, a BOM")
    func reads() throws {
        let text = "\u{FEFF}T,client_id,frequency,recency,monetary_value\r\n38.86,C1,2.0,30.43,22.5\r\n\r\n38.86,\"C2\",0,0,0\r\n"
        let rows = try CustomerSummaryCSV.parse(text, name: "s.csv")
        #expect(rows.count == 2)
        #expect(rows[0] == CustomerSummaryRow(
            clientID: "C1", summary: CustomerSummary(frequency: 2, recency: 30.43, age: 38.86), monetaryValue: 22.5, line: 2))
        #expect(rows[1].clientID == "C2" && rows[1].line == 4 && rows[1].summary.frequency == 0)
        let plain = try CustomerSummaryCSV.parse("client_id,frequency,recency,T\nA,1,2,3", name: "s.csv")
        #expect(plain[0].monetaryValue == nil)
    }

    @Test("the in-place byte reader gives what the general reader gives: decimals equal Double(text), and lines with quotes, non-ASCII or odd numbers")
    func byteReaderAgrees() throws {
        var random = UInt64(16)
        var text = "client_id,frequency,recency,T,monetary_value\n"
        var expected: [(Int, Double, Double, Double?)] = []
        for index in 0..<20_000 {
            let bits = Xoshiro256StarStar.splitMix(&random)
            let decimals = Int(bits % 9)
            let scale = [1.0, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000][decimals]
            let whole = Double(bits >> 40 % 1_000)
            let recency = (whole + Double((bits >> 8) % UInt64(scale)) / scale)
            let recencyText = decimals == 0 ? String(Int(whole)) : String(format: "%.\(decimals)f", recency)
            let age = recency + Double(bits % 7) + 0.5
            let frequency = Int(bits % 5) + 1
            let spend = ["", "1e2", " 12.50 ", "33.3", "7"][index % 5]
            text += "c\(index),\(frequency),\(recencyText),\(age),\(spend)\n"
            expected.append((frequency, Double(recencyText)!, Double("\(age)")!, spend.isEmpty ? nil : Double(spend.trimmingCharacters(in: .whitespaces))))
        }
        text += "\"qu\u{00E9}\",1,2.5,3.25,\"4\"\nn\u{00E9},0,0,3,\n  \n"
        let rows = try CustomerSummaryCSV.parse(text, name: "s.csv")
        #expect(rows.count == expected.count + 2)
        for (row, want) in zip(rows, expected) {
            #expect(row.summary.frequency == want.0 && row.summary.recency == want.1 && row.summary.age == want.2 && row.monetaryValue == want.3,
                    "line \(row.line)")
        }
        #expect(rows[expected.count].clientID == "qu\u{00E9}" && rows[expected.count].summary.recency == 2.5 && rows[expected.count].monetaryValue == 4)
        #expect(rows[expected.count + 1].clientID == "n\u{00E9}" && rows[expected.count + 1].monetaryValue == nil)
        #expect(message("client_id,frequency,recency,T\nA,1,2.5.1,3\n") == "s.csv:2: column 3 (recency): expected a number, 0 or more, got \"2.5.1\"")
        #expect(message("client_id,frequency,recency,T\nA,1,2,3\nA,0,0,3\n") == "s.csv:3: column 1 (client_id): client \"A\" already appears on line 2")
    }

    @Test("reads the files lifetimes writes: the id column named ID, customer_id or unnamed (the pandas index)")
    func readsLifetimesFiles() throws {
        for header in ["ID", "customer_id", "", "Customer_ID"] {
            let rows = try CustomerSummaryCSV.parse("\(header),frequency,recency,T,monetary_value\n1,2.0,30.0,38.0,22.5\n2,0.0,0.0,38.0,0.0\n", name: "s.csv")
            #expect(rows.map(\.clientID) == ["1", "2"], "header \"\(header)\"")
            #expect(rows[0].summary == CustomerSummary(frequency: 2, recency: 30, age: 38) && rows[0].monetaryValue == 22.5)
        }
        // An unnamed index beside a named id column (a reset index): the named column is the id.
        let both = try CustomerSummaryCSV.parse(",customer_id,frequency,recency,T\n0,A,1,2,3\n1,B,0,0,3\n", name: "s.csv")
        #expect(both.map(\.clientID) == ["A", "B"])
    }

    @Test("a repeat buyer with a zero or missing spend is read, and left out of Gamma-Gamma with a counted warning")
    func repeatBuyerWithoutSpend() throws {
        var text = "client_id,frequency,recency,T,monetary_value\n"
        var random = SeededGenerator(seed: 7)
        for index in 0..<300 {
            let x = Int.random(in: 0...6, using: &random)
            let age = Double.random(in: 20...40, using: &random)
            let recency = x == 0 ? 0 : Double.random(in: 0...age, using: &random)
            text += "C\(index),\(x),\(recency),\(age),\(x == 0 ? 0 : Double.random(in: 10...60, using: &random))\n"
        }
        let clean = try CustomerSummaryCSV.parse(text, name: "s.csv")
        let withGaps = try CustomerSummaryCSV.parse(text + "Z1,3,10,30,0\nZ2,2,5,30,\nZ3,0,0,30,\n", name: "s.csv")
        #expect(withGaps.suffix(3).map(\.monetaryValue) == [0, nil, nil])
        let reference = try ClvReport.make(rows: clean, kind: .bgnbd, horizon: nil, penalty: 0)
        let report = try ClvReport.make(rows: withGaps, kind: .bgnbd, horizon: 10, penalty: 0)
        #expect(report.spendSkipped == 2)
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.hasPrefix("2 repeat buyers with a zero or missing monetary_value left out of Gamma-Gamma (the first: client \"Z1\" on line 302)") == true)
        // Gamma-Gamma is fitted on the same repeat buyers as without them.
        #expect(report.spend?.clients == reference.spend?.clients)
        #expect(report.spend?.parameters.map(\.estimate) == reference.spend?.parameters.map(\.estimate))
        #expect(report.predictions?.last?.expectedAverageSpend != nil)
        #expect(reference.warnings.isEmpty && reference.spendSkipped == 0)
    }

    @Test("each mistake is named with its line and column")
    func mistakes() {
        let header = "client_id,frequency,recency,T\n"
        #expect(message(header + "A,1,2,3\nB,2,x,5\n") == "s.csv:3: column 3 (recency): expected a number, 0 or more, got \"x\"")
        #expect(message(header + "A,1.5,2,3\n") == "s.csv:2: column 2 (frequency): expected a whole number of repeat purchases, got \"1.5\"")
        #expect(message(header + "A,1,2\n") == "s.csv:2: expected 4 fields like the header, found 3")
        #expect(message(header + "A,1,2,3\nA,0,0,4\n") == "s.csv:3: column 1 (client_id): client \"A\" already appears on line 2")
        #expect(message(header + "\"A,1\",1,2,3\n")?.hasPrefix("s.csv:2: column 1: cannot read the quoted field") == true)
        #expect(message(header + "A,1,4,3\n")?.hasPrefix("s.csv:2: recency cannot exceed T") == true)
        #expect(message("client_id,frequency,recency,Tee\nA,1,2,3\n")?.hasPrefix("s.csv:1: column 4: unknown column \"Tee\"") == true)
        #expect(message("client_id,frequency,recency\nA,1,2\n")?.hasPrefix("s.csv:1: missing column \"T\"") == true)
        #expect(message("client_id,frequency,recency,T,monetary_value\nA,2,2,3,-1\n")?.hasPrefix("s.csv:2: column 5 (monetary_value): expected a number") == true)
        #expect(message("ID,customer_id,frequency,recency,T\nA,B,1,2,3\n")?.hasPrefix("s.csv:1: column 2: a second client id column") == true)
        #expect(message(header) == "s.csv:1: no client after the header")
        #expect(message("\n\n")?.hasPrefix("s.csv:1: the file is empty") == true)
    }
}

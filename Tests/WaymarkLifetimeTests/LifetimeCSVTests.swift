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
        #expect(message("client_id,frequency,recency,T,monetary_value\nA,2,2,3,0\n")?.hasPrefix("s.csv:2: column 5 (monetary_value): a repeat buyer") == true)
        #expect(message(header) == "s.csv:1: no client after the header")
        #expect(message("\n\n")?.hasPrefix("s.csv:1: the file is empty") == true)
    }
}

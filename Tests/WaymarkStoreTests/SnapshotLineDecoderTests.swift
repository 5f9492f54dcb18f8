import Foundation
import Postgres
import Testing
@testable import WaymarkCore
@testable import WaymarkStore

@Suite("Snapshots: raw line decoding")
struct SnapshotLineDecoderTests {
    /// Decodes `line` both ways: straight from the bytes, and through `[String?]`.
    static func both(_ table: SnapshotTable, _ lines: [String]) -> [(fast: [AnyHashable]?, slow: [AnyHashable]?)] {
        var decoder = SnapshotLineDecoder(table: table)
        return lines.map { line in
            var bytes = Array(line.utf8)
            let fast = bytes.withUnsafeMutableBytes { decoder.decode(UnsafeRawBufferPointer($0)) }
            let slow = table.decode(CopyText.decodeRow(line))
            return (fast.map { [$0.clientID, value($0.row)] }, slow.map { [$0.clientID, value($0.row)] })
        }
    }

    /// The row's payload, comparable.
    static func value(_ row: SnapshotRow) -> AnyHashable {
        switch row {
        case .profile(let value): value
        case .purchase(let value): value
        case .lifeEvent(let value): value
        case .interaction(let value): value
        case .response(let value): value
        case .ledger(let value): value
        case .stage(let value): value
        case .cadence(let value): value
        case .accountMember(let value): value
        }
    }

    @Test("every table decodes from the raw bytes exactly as from the split fields", arguments: [
        (SnapshotTable.clients, [
            "C001\t1700000000\t7000\tgold\tnorth\t\\N\thead\temail,sms,pigeon\tt\t{}\n",
            "C002\t1700000001\t\\N\t\t\tACC-1\t\temail\tf\t{\"vip\": true, \"score\": 3}\n",
            "C003\t\\N\t\\N\tseg\\twith tab\tr\t\\N\t\\N\t\tf\t{\"note\": \"a\\\\\\\\b\"}\n",
        ]),
        (SnapshotTable.purchases, [
            "C001\tP-1\tfunds\t1700000000\t12345\t2\tweb\n",
            "C001\tP-1\tfunds\t1700000100\t-500\t1\t\n",
            "C002\tP-2\t\t\\N\t100\t1\tstore\n",
            "C002\tP-3\tcat\t1700000200\tnot-a-number\t\\N\tnowhere\n",
        ]),
        (SnapshotTable.lifeEvents, ["C001\tchild_born\t1700000000\n", "C001\tmarriage\t\\N\n"]),
        (SnapshotTable.interactions, [
            "C001\tweb\tvisit\t1700000000\t\\N\n", "C001\temail\topen\t1700000001\toffer-x\n", "C002\tfax\tvisit\t1700000002\t\\N\n",
        ]),
        (SnapshotTable.responses, [
            "C001\toffer-x\temail\t1700000000\taccepted\t1700000100\n", "C001\toffer-x\tweb\t1700000000\tpresented\t\\N\n",
            "C002\toffer-y\tweb\t1700000000\tmaybe\t\\N\n",
        ]),
        (SnapshotTable.ledger, ["C001\t1700000000\t-200\tredemption\n", "C001\t1700000000\t50\t\\N\n"]),
        (SnapshotTable.stage, ["C001\tactive\t1700000000\tonboarding\n", "C002\tloyal\t1700000000\t\\N\n", "C003\tnope\t1\t\\N\n"]),
        (SnapshotTable.cadences, [
            "C001\tnew-parent\tactive\t1\t1700000000\t1700600000\tactive\t\\N\t\t1700000000\n",
            "C002\tonboarding\texited\t2\t1700000000\t1700600000\tonboarding\t1700700000\tbought coffee on 2023-11-22\t1700700000\n",
            "C003\tonboarding\tpaused\t2\t1\t2\t\t\\N\t\t3\n",
        ]),
        (SnapshotTable.account, [
            "C001\tC002\tpartner\tpurchase\tP-HOME\thome_insurance\t1700000000\t30000\n",
            "C001\tC002\tpartner\tpresented\temail\t\t1700000000\t\\N\n",
            "C002\tC001\thead\t\\N\t\\N\t\\N\t\\N\t\\N\n",
            "C003\tC004\t\tpurchase\tP\\tX\t\t1\t-5\n",
            "C003\tC004\t\tpresented\tpigeon\t\t1\t\\N\n",
            "C003\tC004\t\tstage\tloyal\t\t1700000000\t\\N\n",
        ]),
    ])
    func matchesFieldDecoding(table: SnapshotTable, lines: [String]) {
        for (index, pair) in Self.both(table, lines).enumerated() {
            #expect(pair.fast == pair.slow, "\(table) line \(index + 1)")
        }
    }

    @Test("unknown codes and missing times drop the row; the same client id is reused")
    func dropsAndReuse() {
        let results = Self.both(.interactions, ["C001\tfax\tvisit\t1\t\\N\n", "C001\tweb\tvisit\t\\N\t\\N\n", "C001\tweb\tvisit\t5\t\\N\n"])
        #expect(results.map(\.fast) == [nil, nil, ["C001", AnyHashable(Interaction(channel: .web, kind: "visit", at: Timestamp(seconds: 5)))]])
        #expect(results.map(\.slow) == results.map(\.fast))
    }

    @Test("a client id before its predecessor in byte order is reported")
    func outOfOrder() {
        var decoder = SnapshotLineDecoder(table: .lifeEvents)
        for line in ["C001\tx\t1\n", "C001\tx\t2\n", "C002\tx\t3\n"] {
            var bytes = Array(line.utf8)
            _ = bytes.withUnsafeMutableBytes { decoder.decode(UnsafeRawBufferPointer($0)) }
        }
        #expect(decoder.outOfOrder == nil)
        var bytes = Array("C0015\tx\t4\n".utf8)
        _ = bytes.withUnsafeMutableBytes { decoder.decode(UnsafeRawBufferPointer($0)) }
        #expect(decoder.outOfOrder?.previous == "C002")
        #expect(decoder.outOfOrder?.next == "C0015")
    }

    @Test("integers parse as Int64(String) does")
    func integers() {
        for text in ["0", "-0", "42", "-42", "+7", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "", "-", "1.5", "12a"] {
            var bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeMutableBufferPointer { SnapshotLineDecoder.parseInt(UnsafeBufferPointer($0)) }
            #expect(parsed == Int64(text), "\(text)")
        }
    }

    @Test("the interner makes each value once and stays within its limit")
    func interner() {
        var interner = Interner<String>(limit: 3, maxKeyLength: 8)
        var made = 0
        func value(_ text: String) -> String {
            var bytes = Array(text.utf8)
            return bytes.withUnsafeMutableBufferPointer { buffer in
                interner.value(UnsafeBufferPointer(buffer)) { made += 1; return String(decoding: $0, as: UTF8.self) }
            }
        }
        #expect(["a", "b", "a", "b", "a"].map(value) == ["a", "b", "a", "b", "a"])
        #expect(made == 2)
        #expect(["c", "d", "d", "a"].map(value) == ["c", "d", "d", "a"])
        #expect(made == 5)  // d is past the limit: made each time
        #expect(interner.count == 3)
        #expect(value("longer than eight") == "longer than eight")
        // Many keys: rehashing keeps every one findable.
        var big = Interner<Int>()
        for round in 0..<2 {
            for key in 0..<1000 {
                var bytes = Array("key-\(key)".utf8)
                let found = bytes.withUnsafeMutableBufferPointer { buffer in big.value(UnsafeBufferPointer(buffer)) { _ in key + round * 10_000 } }
                #expect(found == key)
            }
        }
    }
}

@Suite("Runs: result rows")
struct ResultRowsTests {
    @Test("the explanation JSON escapes every special character and keeps every factor")
    func explanationJSON() throws {
        let factors = ScoreFactors(acceptance: 0.25, alpha: 1.5, beta: 4.5, affinityLift: 1.1, lifeEventBoost: 2, activity: 0.9,
                                   propensity: 0.12, value: 40, channelFit: 1, contactRecency: 0.5, context: 0.5, lever: 1.2,
                                   priority: .infinity)
        let explanation = Explanation(admittedBy: ["when: stage == \"active\" \\ ok", "tab\there\nnewline\r\u{1}ctrl é"],
                                      factors: factors, trigger: "child_born \"recent\"")
        let json = ResultRows.explanationJSON(explanation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["admitted_by"] as? [String] == explanation.admittedBy)
        #expect(object["trigger"] as? String == explanation.trigger)
        #expect(object["summary"] as? String == explanation.summary)
        let decoded = try #require(object["factors"] as? [String: Any])
        #expect(decoded.count == 13)
        #expect(decoded["beta"] as? Double == 4.5)
        #expect(decoded["affinity_lift"] as? Double == 1.1)
        #expect(decoded["priority"] is NSNull)
        #expect(ResultRows.quote("a\"b\\c\u{0}") == "\"a\\\"b\\\\c\\u0000\"")
    }
}

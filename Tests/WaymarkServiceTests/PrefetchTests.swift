import Testing
@testable import WaymarkService
import WaymarkCore

/// ``RPCService/handle(lines:shouldStop:answer:)``: runs of consecutive calls of a method with a
/// prefetcher are announced to it together, everything else is handled as line by line.
@Suite struct PrefetchTests {
    /// A service with an echoing `r` (its `n` param) and `other`, logging every step.
    final class Recorder {
        var log: [String] = []
        let service = RPCService()

        init() {
            service.register("r") { [unowned self] params in
                let n = params?["n"]?.integerValue ?? -1
                log.append("r\(n)")
                return .integer(n)
            }
            service.register("other") { [unowned self] _ in
                log.append("other")
                return .null
            }
            service.registerPrefetch("r", RPCPrefetcher(
                prepare: { [unowned self] params in
                    log.append("prepare " + params.map { $0?["n"]?.integerValue.map(String.init) ?? "-" }.joined(separator: ","))
                },
                finish: { [unowned self] in log.append("finish") }))
        }

        func handle(_ lines: [String], shouldStop: () -> Bool = { false }) -> (handled: Int, answers: [String]) {
            var answers: [String] = []
            let handled = service.handle(lines: lines.map { Array($0.utf8) }, shouldStop: shouldStop) {
                answers.append(String(decoding: $0, as: UTF8.self))
            }
            return (handled, answers)
        }
    }

    static func call(_ n: Int, id: Int? = nil) -> String {
        #"{"jsonrpc":"2.0",\#(id.map { #""id":\#($0),"# } ?? "")"method":"r","params":{"n":\#(n)}}"#
    }

    @Test func runsOfTwoOrMoreArePreparedTogetherAndFinishedBeforeAnythingElse() {
        let recorder = Recorder()
        let (handled, answers) = recorder.handle([
            Self.call(1, id: 1), Self.call(2),  // a notification belongs to the run too
            "not json",
            Self.call(3, id: 3),  // alone: nothing to prepare
            #"{"jsonrpc":"2.0","id":4,"method":"other"}"#,
            Self.call(5, id: 5), Self.call(6, id: 6), Self.call(7, id: 7),
        ])
        #expect(handled == 8)
        #expect(recorder.log == ["prepare 1,2", "r1", "r2", "finish", "r3", "other", "prepare 5,6,7", "r5", "r6", "r7", "finish"])
        #expect(answers.count == 7)  // no answer to the notification
        #expect(answers.first == #"{"jsonrpc":"2.0","id":1,"result":1}"#)
        #expect(answers[1].contains("-32700"))
        #expect(answers.dropFirst(2).map { $0.contains(#""result":"#) } == [true, true, true, true, true])
        #expect(answers.last == #"{"jsonrpc":"2.0","id":7,"result":7}"#)
    }

    @Test func aBatchArrayIsPreparedLikeLines() {
        let recorder = Recorder()
        let (_, answers) = recorder.handle(["[" + Self.call(1, id: 1) + "," + Self.call(2, id: 2) + "]"])
        #expect(recorder.log == ["prepare 1,2", "r1", "r2", "finish"])
        #expect(answers == [#"[{"jsonrpc":"2.0","id":1,"result":1},{"jsonrpc":"2.0","id":2,"result":2}]"#])
        // handle(line:) does the same for one line.
        recorder.log = []
        let single = recorder.service.handle(line: Array(("[" + Self.call(3, id: 3) + "," + Self.call(4, id: 4) + "]").utf8))
        #expect(recorder.log == ["prepare 3,4", "r3", "r4", "finish"])
        #expect(single.map { String(decoding: $0, as: UTF8.self) } == #"[{"jsonrpc":"2.0","id":3,"result":3},{"jsonrpc":"2.0","id":4,"result":4}]"#)
    }

    @Test func shutdownAndAStopRequestEndTheGroupAfterTheCallInHand() {
        let recorder = Recorder()
        let (handled, answers) = recorder.handle([Self.call(1, id: 1), #"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#, Self.call(3, id: 3)])
        #expect(handled == 2)
        #expect(recorder.log == ["r1"])
        #expect(answers.count == 2)

        let stopping = Recorder()
        var calls = 0
        let (stoppedAt, _) = stopping.handle([Self.call(1, id: 1), Self.call(2, id: 2), Self.call(3, id: 3)], shouldStop: {
            calls += 1
            return calls > 2  // checked before each call: stop before the third
        })
        #expect(stoppedAt == 1)
        #expect(stopping.log == ["prepare 1,2,3", "r1", "finish"])
    }
}

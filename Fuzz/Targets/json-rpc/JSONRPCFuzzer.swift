// libFuzzer target: the JSON-RPC decoder (the strict JSON reader) and the request shape checks
// the server makes on a line (jsonrpc, method, id, params, batches), with a method that only
// echoes its params, so no database is needed. Run with `scripts/fuzz json-rpc [SECONDS]`.
internal import FuzzSupport
internal import WaymarkCore
internal import WaymarkService

nonisolated(unsafe) private let service: RPCService = {
    let service = RPCService()
    // The documented method names and `echo`, all answering with their params.
    for name in ["echo", "health", "catalog", "profile", "recommend", "record_interaction", "record_life_event",
                 "record_purchase", "record_response", "upsert_client"] {
        service.register(name) { params in params ?? .null }
    }
    service.register("fail") { _ in throw RPCError.invalidRequest("fuzz") }
    return service
}()

@main
struct JSONRPCFuzzer {
    static func main() { runLibFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    if let value = try? JSONParser.parse(bytes) {
        // What the reader accepts must survive a round trip through the writer.
        let text = value.serialized
        guard let again = try? JSONParser.parse(text), again == value else {
            fatalError("the writer's output does not read back the same: \(String(decoding: text, as: UTF8.self))")
        }
    }
    if let answer = service.handle(line: bytes) {
        guard (try? JSONParser.parse(answer)) != nil else {
            fatalError("the answer is not JSON: \(String(decoding: answer, as: UTF8.self))")
        }
    }
    return 0
}

// libFuzzer target: the catalog loader (YAML, unknown keys, types, references, rules and
// templates compiled) on arbitrary text. Run with `scripts/fuzz catalog [SECONDS]`.
internal import FuzzSupport
internal import WaymarkCore

@main
struct CatalogFuzzer {
    static func main() { runLibFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: fuzzInput(start, count), as: UTF8.self)
    do {
        _ = try CatalogLoader.load(text, file: "fuzz.yaml")
    } catch {
        guard !error.diagnostics.isEmpty else { fatalError("a refused catalog without a diagnostic") }
        _ = error.description
    }
    return 0
}

// libFuzzer target: the rule parser and compiler on arbitrary text.
// Run with `scripts/fuzz rules [SECONDS]`.
internal import FuzzSupport
internal import WaymarkCore

@main
struct RulesFuzzer {
    static func main() { runLibFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = fuzzInput(start, count)
    // The first byte picks the expected type, as the catalog asks for conditions and values.
    let expecting: RuleType? = switch bytes.first.map({ $0 % 3 }) {
    case 0: .bool
    case 1: nil
    default: .double
    }
    let source = String(decoding: bytes, as: UTF8.self)
    _ = RuleParser.parse(source)
    do {
        let rule = try RuleCompiler.compile(source, origin: SourceLocation(), expecting: expecting)
        _ = rule.references
    } catch {
        _ = error.diagnostics.map(\.description)
    }
    _ = CatalogRule.compile(source, origin: SourceLocation())
    return 0
}

// libFuzzer target: the rule parser and compiler on arbitrary text, and every rule that compiles
// evaluated against a sample client.
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
        // A rule that compiles also runs, against a client with some of everything: what a rule
        // may say (`interactions_within("any", 1e15)`) must never trap at run time.
        _ = rule.evaluateValue(sampleFacts)
    } catch {
        _ = error.diagnostics.map(\.description)
    }
    _ = CatalogRule.compile(source, origin: SourceLocation())
    return 0
}

/// A client with purchases, an event, interactions, a response and loyalty points, as of a date.
let sampleFacts: ClientFacts = {
    let asOf = Timestamp(year: 2025, month: 6, day: 1)
    let day = { (offset: Int) in asOf.adding(days: offset) }
    let snapshot = ClientSnapshot(
        profile: ClientProfile(id: "C1", firstSeen: day(-900), birthDate: Timestamp(year: 1980, month: 5, day: 17), segment: "mass",
                               region: "north", consents: ChannelSet([.email, .sms])),
        purchases: [
            Purchase(productID: "fund-index", category: "investment", at: day(-400), amountCents: 150_000),
            Purchase(productID: "sav-easy", category: "savings", at: day(-30), amountCents: 50_000, orderID: "o1"),
        ],
        lifeEvents: [LifeEvent(kind: "child_born", at: day(-20))],
        interactions: [Interaction(channel: .email, kind: "open", at: day(-5)), Interaction(channel: .web, kind: "review", at: day(-100))],
        responses: [Response(itemID: "offer-will", channel: .email, presentedAt: day(-10), outcome: .declined, respondedAt: day(-9))])
    return ClientFacts(snapshot: snapshot, asOf: asOf,
                       loyalty: LoyaltyProgram(pointsPerUnit: 1, categoryMultipliers: ["savings": 2], tiers: [.init(name: "Member", threshold: 0)]))
}()

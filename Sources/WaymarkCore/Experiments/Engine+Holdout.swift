extension Engine {
    /// Whether the catalog's holdout holds `clientID` (false without a holdout).
    package func isHeldOut(_ clientID: String) -> Bool {
        catalog.holdout?.contains(clientID) ?? false
    }

    /// Moves what the holdout withholds from `set.offers` and `set.messages` to `set.withheld`:
    /// everything but service messages for a client in the catalog's holdout, and each item
    /// whose own holdout holds the client. The items left keep their order and are ranked
    /// 1, 2, … again; a withheld item keeps the rank it would have had. Nothing takes a withheld
    /// item's place, so treated and held-out clients differ by exactly that item.
    func applyHoldout(to set: inout RecommendationSet, explain: Bool) {
        let heldOut = isHeldOut(set.clientID)
        set.heldOut = heldOut
        func withholds(_ r: Recommendation) -> String? {
            let item = prepared[itemOfID[itemIDs.index(of: r.itemID) ?? 0]].item
            if heldOut, !item.service, let holdout = catalog.holdout {
                return "held out: the client is in the catalog's holdout, \(holdout.description); would have been \(r.kind.rawValue) \(r.rank)"
            }
            if let holdout = item.holdout, holdout.contains(set.clientID) {
                return "held out: the client is in the item's own holdout, \(holdout.description); would have been \(r.kind.rawValue) \(r.rank)"
            }
            return nil
        }
        var withheld: [Recommendation] = []
        var rejections: [Rejection] = []
        func split(_ list: [Recommendation]) -> [Recommendation] {
            var kept: [Recommendation] = []
            for r in list {
                if let reason = withholds(r) {
                    withheld.append(r)
                    if explain { rejections.append(Rejection(itemID: r.itemID, kind: r.kind, check: .holdout, reason: reason, priority: r.priority)) }
                } else {
                    var r = r
                    r.rank = kept.count + 1
                    kept.append(r)
                }
            }
            return kept
        }
        set.offers = split(set.offers)
        set.messages = split(set.messages)
        set.withheld = withheld
        if explain, !rejections.isEmpty {
            let order = Dictionary(catalog.items.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
            set.notRecommended += rejections
            set.notRecommended.sort { (order[$0.itemID] ?? 0) < (order[$1.itemID] ?? 0) }
        }
    }
}

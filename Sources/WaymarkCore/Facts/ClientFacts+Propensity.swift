extension ClientFacts {
    /// The index of `category` in the client's category table (and in `occasions`), -1 when the
    /// client never bought it.
    func categoryIndex(_ category: RuleKey) -> Int {
        lastPurchaseOfCategory.keys.index(of: category.text, fingerprint: category.fingerprint) ?? -1
    }

    /// What the propensity reads of this client, computed once per recommendation.
    package var propensityClient: PropensityClient {
        PropensityClient(occasions: occasions, asOf: asOf, pAlive: pAlive)
    }

    /// The client's categories, most bought first: occasions containing the category, then the
    /// most recent purchase, then the name.
    package var categoriesByFrequency: [String] {
        let names = lastPurchaseOfCategory.keys.keys
        return names.indices.sorted { a, b in
            let na = occasions.categoryCount[a], nb = occasions.categoryCount[b]
            if na != nb { return na > nb }
            let la = occasions.categoryLast[a], lb = occasions.categoryLast[b]
            if la != lb { return la > lb }
            return names[a] < names[b]
        }.map { names[$0] }
    }
}

extension Array {
    /// `Array(repeating: value, count: count)`, for the small arrays made for every client.
    ///
    /// `init(repeating:count:)` allocates through an unspecialized standard-library entry that
    /// looks the storage class's generic metadata up at run time (about 300 instructions under
    /// callgrind, 16 arrays a client: 2 % of scoring one). Reserving and appending goes through
    /// the specialized path, whose metadata is cached; appending costs a few instructions an
    /// element, so a long array still takes the standard way.
    @inline(__always)
    init(filled value: Element, count: Int) {
        guard count <= 64 else {
            self.init(repeating: value, count: count)
            return
        }
        self.init()
        reserveCapacity(count)
        for _ in 0..<count { append(value) }
    }
}

/// Counting the elements of a sorted array below a value (numpy's `searchsorted`).
enum SortedCounts {
    /// #{x < value} (`searchsorted(side='left')`).
    static func below(_ sorted: [Double], _ value: Double) -> Int {
        firstIndex(sorted) { $0 >= value }
    }

    /// #{x ≤ value} (`searchsorted(side='right')`).
    static func atMost(_ sorted: [Double], _ value: Double) -> Int {
        firstIndex(sorted) { $0 > value }
    }

    /// The first index whose element satisfies a predicate that is monotone along the array.
    private static func firstIndex(_ sorted: [Double], where predicate: (Double) -> Bool) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(sorted[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}

/// Summaries of benchmark samples.
public enum Statistics {
    /// The median of `values` (the mean of the middle two for an even count); NaN when empty.
    public static func median(of values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

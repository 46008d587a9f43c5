/// A benchmark that cannot run or measure, with what to fix.
public struct BenchError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// An error saying `description`.
    public init(_ description: String) {
        self.description = description
    }
}

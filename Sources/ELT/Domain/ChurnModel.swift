/// How a source population changes from one snapshot to the next (see ``UserGenerator``).
public struct ChurnModel: Sendable, Equatable, Hashable, Codable {
    /// New users per snapshot, as a fraction of the base population (exact, rounded).
    public var insertRate: Double
    /// Probability that a user alive in the previous snapshot gets a changed name or email.
    public var updateRate: Double
    /// Probability that a user alive in the previous snapshot is gone.
    public var deleteRate: Double

    /// Creates a churn model; every rate must lie in 0…1.
    public init(insertRate: Double = 0, updateRate: Double = 0, deleteRate: Double = 0) {
        for (label, rate) in [("insertRate", insertRate), ("updateRate", updateRate), ("deleteRate", deleteRate)] {
            precondition((0...1).contains(rate), "ChurnModel.\(label) must lie in 0...1, got \(rate)")
        }
        self.insertRate = insertRate
        self.updateRate = updateRate
        self.deleteRate = deleteRate
    }

    /// No change: every snapshot equals snapshot 0.
    public static let none = ChurnModel()
}

extension ChurnModel: CustomStringConvertible {
    /// `insert=0.05,update=0.1,delete=0.02` (fractions, as `--churn` takes them), or `none`.
    public var description: String {
        self == .none ? "none" : "insert=\(insertRate),update=\(updateRate),delete=\(deleteRate)"
    }
}

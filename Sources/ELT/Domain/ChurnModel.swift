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

extension ChurnModel {
    /// The JSON keys: snake_case like every other key of a run's input (`insert_rate`,
    /// `update_rate`, `delete_rate`); the camelCase ones journals before them recorded are read too.
    private enum CodingKeys: String, CodingKey {
        case insertRate = "insert_rate", updateRate = "update_rate", deleteRate = "delete_rate"
    }

    private enum RecordedKeys: String, CodingKey {
        case insertRate, updateRate, deleteRate
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let recorded = try decoder.container(keyedBy: RecordedKeys.self)
        func rate(_ key: CodingKeys, _ old: RecordedKeys) throws -> Double {
            let value = try container.decodeIfPresent(Double.self, forKey: key) ?? recorded.decodeIfPresent(Double.self, forKey: old) ?? 0
            guard (0...1).contains(value) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "\(key.rawValue) must lie in 0…1, got \(value)")
            }
            return value
        }
        self.init(insertRate: try rate(.insertRate, .insertRate), updateRate: try rate(.updateRate, .updateRate),
                  deleteRate: try rate(.deleteRate, .deleteRate))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(insertRate, forKey: .insertRate)
        try container.encode(updateRate, forKey: .updateRate)
        try container.encode(deleteRate, forKey: .deleteRate)
    }
}

extension ChurnModel: CustomStringConvertible {
    /// `insert=0.05,update=0.1,delete=0.02` (fractions, as `--churn` takes them), or `none`.
    public var description: String {
        self == .none ? "none" : "insert=\(insertRate),update=\(updateRate),delete=\(deleteRate)"
    }
}

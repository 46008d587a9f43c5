/// How an extraction is cut: `numBatches` batches of `batchSize` pages of `pageSize` users.
/// The seed's default is 10 × 10 × 10, 1,000 users, with one batch (100 users) in memory.
public struct BatchParameters: Codable, Sendable, Equatable {
    /// Batches per extraction.
    public var numBatches: Int
    /// Pages per batch.
    public var batchSize: Int
    /// Users per page.
    public var pageSize: Int

    /// The seed's 10 × 10 × 10.
    public static let `default` = BatchParameters(numBatches: 10, batchSize: 10, pageSize: 10)

    /// The most batches one extraction reads: the bound of `num_batches`, and what an
    /// extraction started without `num_batches` may read before its snapshot ends.
    public static let maxBatches = 1_000_000

    /// Creates parameters.
    public init(numBatches: Int, batchSize: Int, pageSize: Int) {
        self.numBatches = numBatches
        self.batchSize = batchSize
        self.pageSize = pageSize
    }

    /// What is wrong with the given values, in the command line's words (`--num-batches`,
    /// `--batch-size`, `--page-size`), or nil: what a client checks before anything is written.
    public static func problem(numBatches: Int?, batchSize: Int?, pageSize: Int?) -> String? {
        for (option, value, limit) in [("--num-batches", numBatches, maxBatches), ("--batch-size", batchSize, 10_000),
                                       ("--page-size", pageSize, 10_000)] {
            if let value, !(1...limit).contains(value) { return "\(option) must be a whole number from 1 to \(limit), got \(value)" }
        }
        return nil
    }

    /// The parameters with any of the optional values substituted, then checked.
    static func resolve(numBatches: Int?, batchSize: Int?, pageSize: Int?) throws -> BatchParameters {
        let parameters = BatchParameters(
            numBatches: numBatches ?? Self.default.numBatches, batchSize: batchSize ?? Self.default.batchSize,
            pageSize: pageSize ?? Self.default.pageSize)
        for (name, value, limit) in [("num_batches", parameters.numBatches, maxBatches), ("batch_size", parameters.batchSize, 10_000),
                                     ("page_size", parameters.pageSize, 10_000)] where !(1...limit).contains(value) {
            throw PipelineError.invalidParameter(name: name, value: "\(value)", expected: "a whole number from 1 to \(limit)")
        }
        return parameters
    }
}

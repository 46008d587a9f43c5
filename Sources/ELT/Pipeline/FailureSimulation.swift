import Synchronization

/// The seed's injected failures, off by default: API errors while fetching, database errors
/// while staging, and an out-of-memory kill of the extraction after batch 5.
///
/// Decisions are drawn from a seeded generator, so a run's failure pattern depends only on the
/// seed and the order of decisions.
public final class FailureSimulation: Sendable {
    /// Probability that one `fetch_users_from_api` attempt fails.
    public let apiFailureRate: Double
    /// Probability that one `insert_users_to_staging` attempt fails (and rolls back).
    public let databaseFailureRate: Double
    /// Probability that the extraction is killed after a batch past ``outOfMemoryAfterBatch``.
    public let outOfMemoryRate: Double
    /// Batches (numbered from 1) after which out-of-memory kills may happen: the seed's 5.
    public let outOfMemoryAfterBatch: Int
    /// The most out-of-memory kills this simulation makes (nil: no limit), so a test can kill once.
    public let outOfMemoryKillLimit: Int?
    private let generator: Mutex<SplitMix64>
    private let kills = Mutex(0)

    /// A simulation with the given rates (each in 0…1).
    public init(apiFailureRate: Double = 0, databaseFailureRate: Double = 0, outOfMemoryRate: Double = 0,
                outOfMemoryAfterBatch: Int = 5, outOfMemoryKillLimit: Int? = nil, seed: UInt64 = 0x5EED) {
        self.outOfMemoryKillLimit = outOfMemoryKillLimit
        self.apiFailureRate = apiFailureRate
        self.databaseFailureRate = databaseFailureRate
        self.outOfMemoryRate = outOfMemoryRate
        self.outOfMemoryAfterBatch = outOfMemoryAfterBatch
        self.generator = Mutex(SplitMix64(seed: seed))
    }

    /// No failures.
    public static var none: FailureSimulation { FailureSimulation() }

    /// The seed's rates: API 2 %, database 40 %, out-of-memory 5 % after batch 5.
    public static func seedRates(seed: UInt64 = 0x5EED) -> FailureSimulation {
        FailureSimulation(apiFailureRate: 0.02, databaseFailureRate: 0.40, outOfMemoryRate: 0.05, seed: seed)
    }

    /// Whether any failure can happen.
    public var isEnabled: Bool { apiFailureRate > 0 || databaseFailureRate > 0 || outOfMemoryRate > 0 }

    /// Whether to kill the extraction now (counts the kill).
    func outOfMemoryKillOccurs() -> Bool {
        guard occurs(outOfMemoryRate) else { return false }
        return kills.withLock { count in
            if let limit = outOfMemoryKillLimit, count >= limit { return false }
            count += 1
            return true
        }
    }

    /// Out-of-memory kills made so far.
    public var outOfMemoryKills: Int { kills.withLock { $0 } }

    /// Draws one decision: true with probability `rate`.
    func occurs(_ rate: Double) -> Bool {
        guard rate > 0 else { return false }
        return generator.withLock { $0.nextUnitInterval() } < rate
    }
}

/// A simulated failure of an external system.
public enum SimulatedFailure: Error, CustomStringConvertible, Equatable {
    /// The source API failed (HTTP 503 in the seed's story).
    case api(page: Int)

    /// What failed.
    public var description: String {
        switch self {
        case .api(let page): "simulated API failure fetching page \(page) (failure simulation is on)"
        }
    }
}

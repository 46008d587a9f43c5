import Synchronization

/// Records the wall time of every step it is given, from any task.
public final class StepTimer: Sendable {
    private let samples = Mutex<[Double]>([])

    /// A timer with no samples.
    public init() {}

    /// Records one step of `microseconds`.
    public func add(_ microseconds: Double) {
        samples.withLock { $0.append(microseconds) }
    }

    /// The median of the recorded steps, in microseconds (NaN when none).
    public var medianMicroseconds: Double {
        samples.withLock { Statistics.median(of: $0) }
    }
}

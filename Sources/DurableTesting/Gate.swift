import DurableRuntime
import Synchronization

/// A latch for tests: tasks wait until someone opens it; once open it stays open.
public final class Gate: Sendable {
    private let isOpen = Mutex(false)
    private let signal = WakeSignal()

    /// Creates a closed gate.
    public init() {}

    /// Opens the gate and wakes every waiter.
    public func open() {
        isOpen.withLock { $0 = true }
        signal.raise()
    }

    /// Waits until the gate is open (throws `CancellationError` if the task is cancelled).
    public func wait() async throws {
        while !isOpen.withLock({ $0 }) {
            try Task.checkCancellation()
            await signal.wait(timeout: .milliseconds(50))
        }
    }
}

/// Counts side effects by key, to check that each ran exactly once.
public final class SideEffects: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    /// Creates an empty counter.
    public init() {}

    /// Counts one occurrence of `key`.
    public func record(_ key: String) {
        counts.withLock { $0[key, default: 0] += 1 }
    }

    /// How often `key` was counted.
    public func count(_ key: String) -> Int {
        counts.withLock { $0[key, default: 0] }
    }

    /// Every count so far.
    public var snapshot: [String: Int] { counts.withLock { $0 } }

    /// The sum of all counts.
    public var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}

/// Tracks how many things run at once and the most that ever did.
public final class ConcurrencyGauge: Sendable {
    private let state = Mutex((current: 0, peak: 0))
    /// How many a test expects to run together (work may wait for this many).
    public let target: Int

    /// Creates a gauge at zero, expecting `target` to run together.
    public init(target: Int = 1) {
        self.target = target
    }

    /// How many run now.
    public var current: Int { state.withLock { $0.current } }

    /// Counts one more running thing.
    public func enter() {
        state.withLock { state in
            state.current += 1
            state.peak = max(state.peak, state.current)
        }
    }

    /// Counts one fewer running thing.
    public func leave() {
        state.withLock { $0.current -= 1 }
    }

    /// The most that ran at once.
    public var peak: Int { state.withLock { $0.peak } }
}

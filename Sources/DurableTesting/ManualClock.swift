import DurableRuntime
import Foundation
import Synchronization

/// A clock for tests: `now` moves only when someone sleeps or calls ``advance(by:)``, and every
/// requested sleep is recorded instead of waited for.
public final class ManualClock: RuntimeClock {
    private struct State {
        var now: Date
        var sleeps: [Duration] = []
    }

    private let state: Mutex<State>

    /// Creates a clock that starts at `start`.
    public init(start: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        state = Mutex(State(now: start))
    }

    /// The clock's current time.
    public func now() -> Date { state.withLock { $0.now } }

    /// Records the sleep, moves time forward by it and returns at once.
    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            state.sleeps.append(duration)
            state.now += TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
        }
        await Task.yield()
    }

    /// Moves time forward without sleeping.
    public func advance(by interval: TimeInterval) {
        state.withLock { $0.now += interval }
    }

    /// Every sleep requested so far, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

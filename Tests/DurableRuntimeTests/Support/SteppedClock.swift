import DurableRuntime
import Foundation
import Synchronization

/// A clock for tests whose time moves only when the test calls ``advance(to:)``; sleepers stay
/// suspended until then, so a test can see what a sleeper waits for and wake it at will (unlike
/// `ManualClock`, whose sleeps return at once).
final class SteppedClock: RuntimeClock {
    private struct Sleeper {
        var deadline: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Int: Sleeper] = [:]
        var nextToken = 0
    }

    private let state: Mutex<State>

    /// Creates a clock that reads `start` until advanced.
    init(start: Date) {
        state = Mutex(State(now: start))
    }

    func now() -> Date { state.withLock { $0.now } }

    /// Suspends until the clock is advanced to `now + duration` or beyond, or the task is
    /// cancelled (then throws `CancellationError`).
    func sleep(for duration: Duration) async throws {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state -> Result<Void, any Error>? in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let (seconds, attoseconds) = duration.components
                    let deadline = state.now + TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
                    if deadline <= state.now { return .success(()) }
                    state.sleepers[token] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let sleeper = state.withLock { $0.sleepers.removeValue(forKey: token) }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Sets the time to `date` (never backwards) and wakes every sleeper whose deadline it reached.
    func advance(to date: Date) {
        let woken = state.withLock { state -> [Sleeper] in
            state.now = max(state.now, date)
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for token in due.keys { state.sleepers.removeValue(forKey: token) }
            return Array(due.values)
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// The deadlines of the sleepers waiting now, earliest first.
    var sleeperDeadlines: [Date] {
        state.withLock { $0.sleepers.values.map(\.deadline).sorted() }
    }
}

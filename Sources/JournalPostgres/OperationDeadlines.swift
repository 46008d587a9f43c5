import Synchronization

/// The deadlines of the journal's in-flight operations, and whether the journal has shut down.
///
/// Every operation races its reconnect deadline, because the pool waits indefinitely for a
/// connection while the server is down. A `Task.sleep` per operation would do, but a cancelled
/// sleep keeps its timer and its task's memory until the original deadline, and an operation
/// finishes long before it: thousands of journal operations a second left thousands of dead
/// timers behind. Here an operation parks a continuation instead; the journal's `run()` calls
/// ``expire(asOf:)`` once a second, and cancelling a wait removes it at once.
final class OperationDeadlines: Sendable {
    /// How a wait ended.
    enum Outcome: Sendable {
        /// The deadline passed.
        case expired
        /// The journal shut down (its `run()` ended).
        case closed
        /// The waiting task was cancelled (the operation finished first).
        case cancelled
    }

    private struct Waiter {
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var closed = false
        var waiters: [Int: Waiter] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    /// Whether the journal has shut down.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Number of parked waits (for tests).
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Waits until `deadline` has passed (noticed by the next ``expire(asOf:)``), the journal
    /// closes, or the task is cancelled.
    func wait(until deadline: ContinuousClock.Instant) async -> Outcome {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
                let immediate = state.withLock { state -> Outcome? in
                    if state.closed { return .closed }
                    if Task.isCancelled { return .cancelled }
                    state.waiters[token] = Waiter(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
            waiter?.continuation.resume(returning: .cancelled)
        }
    }

    /// Ends the waits whose deadline is at or before `now`.
    func expire(asOf now: ContinuousClock.Instant) {
        let expired = state.withLock { state -> [CheckedContinuation<Outcome, Never>] in
            let tokens = state.waiters.compactMap { $0.value.deadline <= now ? $0.key : nil }
            return tokens.compactMap { state.waiters.removeValue(forKey: $0)?.continuation }
        }
        for continuation in expired { continuation.resume(returning: .expired) }
    }

    /// Marks the journal closed and ends every wait; later waits end at once.
    func close() {
        let all = state.withLock { state -> [CheckedContinuation<Outcome, Never>] in
            state.closed = true
            let all = state.waiters.values.map(\.continuation)
            state.waiters.removeAll()
            return all
        }
        for continuation in all { continuation.resume(returning: .closed) }
    }
}

import Synchronization

/// A wake-up flag that one side raises and another waits on, with a timeout.
///
/// Raising it while nobody waits is remembered, so a wake-up is never lost between a check and a
/// wait. Used for queue wake-ups (in-process enqueue, Postgres NOTIFY) and completion waits.
public final class WakeSignal: Sendable {
    private struct State {
        var raised = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    /// Creates a lowered signal.
    public init() {}

    /// Raises the signal: wakes every current waiter, or the next one if none waits.
    public func raise() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.waiters.isEmpty {
                state.raised = true
                return []
            }
            let all = Array(state.waiters.values)
            state.waiters.removeAll()
            return all
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the signal is raised (and lowers it), the timeout passes, or the task is
    /// cancelled, whichever comes first.
    public func wait(timeout: Duration) async {
        if state.withLock({ state in
            let was = state.raised
            state.raised = false
            return was
        }) {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilRaised() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitUntilRaised() async {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.raised {
                        state.raised = false
                        return true
                    }
                    // Cancelled: leave without consuming a raise meant for the next waiter.
                    if Task.isCancelled { return true }
                    state.waiters[token] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
            waiter?.resume()
        }
    }
}

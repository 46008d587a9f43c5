import Synchronization

/// In-process bookkeeping of a runtime: which workflows run here, which were cancelled, and a
/// completion signal that handles wait on.
///
/// Claiming makes "start or attach" atomic: a workflow id runs at most once at a time in a
/// process, whether it was started, recovered, dequeued or called as a child.
final class ExecutionBoard: Sendable {
    private struct State {
        var running: Set<String> = []
        var cancelled: Set<String> = []
        var generation: UInt64 = 0
        var waiters: [Int: (generation: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextToken = 0
    }

    private let state = Mutex(State())

    /// Marks `id` as running here; false if it already is.
    func claim(_ id: String) -> Bool {
        state.withLock { $0.running.insert(id).inserted }
    }

    /// Marks `id` as no longer running here and wakes completion waiters.
    func release(_ id: String) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running.remove(id)
            state.generation &+= 1
            let all = state.waiters.values.map(\.continuation)
            state.waiters.removeAll()
            return all
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether `id` runs in this process now.
    func isRunning(_ id: String) -> Bool {
        state.withLock { $0.running.contains(id) }
    }

    /// How many workflows run in this process now.
    var runningCount: Int { state.withLock { $0.running.count } }

    func markCancelled(_ id: String) {
        _ = state.withLock { $0.cancelled.insert(id) }
    }

    func clearCancelled(_ id: String) {
        _ = state.withLock { $0.cancelled.remove(id) }
    }

    func isCancelled(_ id: String) -> Bool {
        state.withLock { $0.cancelled.contains(id) }
    }

    /// The current completion generation; pass it to ``waitForCompletion(after:timeout:)``.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// Waits until some workflow finishes in this process after `generation` was read, or until
    /// the timeout passes.
    func waitForCompletion(after generation: UInt64, timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForGeneration(after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForGeneration(after generation: UInt64) async {
        let token = state.withLock { state in
            state.nextToken += 1
            return state.nextToken
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.generation != generation || Task.isCancelled { return true }
                    state.waiters[token] = (generation, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: token) }
            waiter?.continuation.resume()
        }
    }
}

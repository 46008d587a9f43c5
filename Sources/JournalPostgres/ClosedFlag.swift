import DurableRuntime
import Synchronization

/// A flag raised once when the journal's pool has shut down, that operations race against so
/// they fail instead of waiting forever for a pool that will never answer.
final class ClosedFlag: Sendable {
    private let isClosed = Mutex(false)
    private let signal = WakeSignal()

    /// Marks the journal closed and wakes every waiter.
    func close() {
        isClosed.withLock { $0 = true }
        signal.raise()
    }

    /// Whether the journal is closed.
    var closed: Bool { isClosed.withLock { $0 } }

    /// Returns once the journal is closed (or the task is cancelled).
    func waitUntilClosed() async {
        while !closed && !Task.isCancelled {
            await signal.wait(timeout: .seconds(1))
        }
    }
}

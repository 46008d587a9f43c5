import Synchronization

/// A stand-in for `Task.sleep` that records each requested delay and returns at once.
final class SleepRecorder: Sendable {
    private let recorded = Mutex<[Duration]>([])

    /// The delays asked for so far, in order.
    var delays: [Duration] { recorded.withLock { $0 } }

    /// Records `delay` without waiting.
    @Sendable func sleep(_ delay: Duration) async throws {
        recorded.withLock { $0.append(delay) }
    }
}

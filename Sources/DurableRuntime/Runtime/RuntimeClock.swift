import Foundation

/// The time source of a runtime: what `now` is and how to wait.
///
/// Retry backoff and durable sleeps go through it, so tests can use a manual clock that records
/// the waits instead of sleeping.
public protocol RuntimeClock: Sendable {
    /// The current time.
    func now() -> Date
    /// Waits for `duration` (throws `CancellationError` if the task is cancelled).
    func sleep(for duration: Duration) async throws
}

/// The real clock: wall time and `Task.sleep`.
public struct SystemClock: RuntimeClock {
    /// Creates the system clock.
    public init() {}

    /// The current wall-clock time.
    public func now() -> Date { Date() }

    /// Sleeps with `Task.sleep`.
    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

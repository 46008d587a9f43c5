import Logging

/// How long a sync waits out a sync target that cannot be reached before the run fails.
///
/// A failure the target marks transient (``SyncTargetError/isTransient``: no connection, a lost
/// one, a server restarting, a locked file) is retried with exponential backoff — from
/// ``initialDelay``, doubling, at most ``maxDelay`` apart — until ``deadline`` has passed since
/// the first attempt, with a warning in the log before every wait. Other failures are not
/// retried here. Even a run that gives up loses nothing: its changes stay in `users_latest`
/// and the next run of the tenant syncs them first.
public struct SyncRetryPolicy: Sendable, Hashable {
    /// How long to keep trying, from the first failure. Default 15 minutes.
    public var deadline: Duration
    /// The first wait. Default 500 ms.
    public var initialDelay: Duration
    /// The longest wait. Default 30 s.
    public var maxDelay: Duration

    /// Creates a policy.
    public init(deadline: Duration = .seconds(15 * 60), initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(30)) {
        precondition(deadline >= .zero && initialDelay > .zero && maxDelay >= initialDelay,
                     "SyncRetryPolicy needs deadline >= 0 and 0 < initialDelay <= maxDelay")
        self.deadline = deadline
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// 15 minutes, from 500 ms to 30 s apart.
    public static let `default` = SyncRetryPolicy()

    /// Runs `body`, retrying transient ``SyncTargetError``s until the deadline.
    func run<T>(_ what: @autoclosure () -> String, logger: Logger, _ body: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let started = clock.now
        var delay = initialDelay
        var attempt = 1
        while true {
            do {
                let value = try await body()
                if attempt > 1 { logger.notice("sync target reachable again", metadata: ["what": "\(what())", "attempts": "\(attempt)"]) }
                return value
            } catch var error as SyncTargetError where error.isTransient {
                let elapsed = clock.now - started
                guard elapsed + delay <= deadline else {
                    error.reason += " (retried for \(elapsed.components.seconds) s, up to the sync retry deadline of \(deadline.components.seconds) s; the changes stay in users_latest and the tenant's next run syncs them first)"
                    error.isTransient = false
                    throw error
                }
                logger.warning("sync target unavailable; waiting before trying again", metadata: [
                    "what": "\(what())", "attempt": "\(attempt)", "wait": "\(delay)", "error": "\(error.reason)",
                    "gives_up_in": "\(deadline - elapsed)",
                ])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, maxDelay)
                attempt += 1
            }
        }
    }
}

import Foundation

/// How a step is retried when it throws: attempts, spacing, and which errors are final.
///
/// Only the final outcome of a step is checkpointed; the attempts before it leave no trace in
/// the journal. The defaults of ``default`` are DBOS's: 3 attempts, 1 s apart, doubling.
public struct RetryPolicy: Sendable, CustomStringConvertible {
    /// The most attempts, including the first. 1 means no retry.
    public var maxAttempts: Int
    /// The wait before the second attempt.
    public var interval: Duration
    /// The factor the wait grows by after each attempt.
    public var backoffRate: Double
    /// The longest wait between two attempts.
    public var maxInterval: Duration
    /// Error types that are never retried.
    public var nonRetryableErrors: [any Error.Type]

    /// Creates a policy. Defaults are DBOS's: 3 attempts, 1 s, ×2, at most 1 hour apart.
    public init(
        maxAttempts: Int = 3, interval: Duration = .seconds(1), backoffRate: Double = 2,
        maxInterval: Duration = .seconds(3600), nonRetryableErrors: [any Error.Type] = []
    ) {
        precondition(maxAttempts >= 1, "RetryPolicy.maxAttempts must be at least 1")
        self.maxAttempts = maxAttempts
        self.interval = interval
        self.backoffRate = backoffRate
        self.maxInterval = maxInterval
        self.nonRetryableErrors = nonRetryableErrors
    }

    /// No retries: the first failure is final.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// DBOS's defaults when retries are on: 3 attempts, 1 s, ×2.
    public static let `default` = RetryPolicy()

    /// Exponential backoff with the given number of attempts and first interval.
    public static func exponential(
        maxAttempts: Int, interval: Duration = .seconds(1), backoffRate: Double = 2,
        maxInterval: Duration = .seconds(3600)
    ) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, interval: interval, backoffRate: backoffRate, maxInterval: maxInterval)
    }

    /// The wait after failed attempt number `attempt` (from 1): interval × rate^(attempt-1),
    /// capped at ``maxInterval``.
    public func delay(afterAttempt attempt: Int) -> Duration {
        let factor = pow(backoffRate, Double(attempt - 1))
        let seconds = min(interval.seconds * factor, maxInterval.seconds)
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// Whether `error` may be retried under this policy: not if its type is one of
    /// ``nonRetryableErrors``, nor if it is a ``RetryClassifiedError`` that says so.
    public func isRetryable(_ error: any Error) -> Bool {
        if let classified = error as? any RetryClassifiedError, !classified.isRetryable { return false }
        let errorType = ObjectIdentifier(type(of: error))
        return !nonRetryableErrors.contains { ObjectIdentifier($0) == errorType }
    }

    /// A one-line summary for logs.
    public var description: String {
        "RetryPolicy(maxAttempts: \(maxAttempts), interval: \(interval), backoffRate: \(backoffRate), maxInterval: \(maxInterval))"
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}

/// An error that says itself whether another attempt of the step that threw it may succeed, for
/// errors of one type that are sometimes final (a missing credential, a 401) and sometimes not (a
/// server that kept failing). Such a final error fails its step at once under any
/// ``RetryPolicy``, as a type in ``RetryPolicy/nonRetryableErrors`` does (Temporal's
/// "non-retryable" application failure is the same idea).
public protocol RetryClassifiedError: Error {
    /// Whether another attempt may succeed.
    var isRetryable: Bool { get }
}

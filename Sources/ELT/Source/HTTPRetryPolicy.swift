import Foundation

/// When ``HTTPUserSource`` tries a page request again, and how long it waits in between.
///
/// A request is retried after a `429 Too Many Requests`, a `5xx` status, a connection that broke
/// or a timeout — not after a host name that does not resolve, a refused connection or a failed
/// TLS handshake (``HTTPSourceUnreachableError``), which waiting does not heal. The wait after failed attempt *n* is `initialDelay × backoffFactor^(n-1)`, capped at
/// ``maxDelay`` — unless the response had a `Retry-After` header, whose wait is used instead,
/// capped at ``maxRetryAfter``.
public struct HTTPRetryPolicy: Sendable, Hashable, CustomStringConvertible {
    /// The most requests for one page, including the first. 1 means no retry.
    public var maxAttempts: Int
    /// The wait before the second attempt.
    public var initialDelay: Duration
    /// The factor the wait grows by after each failed attempt.
    public var backoffFactor: Double
    /// The longest computed backoff wait.
    public var maxDelay: Duration
    /// The longest wait a server's `Retry-After` can ask for; a longer one is cut to this.
    public var maxRetryAfter: Duration

    /// Creates a policy. Defaults: 5 attempts, 200 ms, ×2, at most 10 s apart; `Retry-After`
    /// honoured up to 30 s.
    public init(
        maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(200), backoffFactor: Double = 2,
        maxDelay: Duration = .seconds(10), maxRetryAfter: Duration = .seconds(30)
    ) {
        precondition(maxAttempts >= 1, "HTTPRetryPolicy.maxAttempts must be at least 1, got \(maxAttempts)")
        precondition(initialDelay >= .zero && maxDelay >= .zero && maxRetryAfter >= .zero,
                     "HTTPRetryPolicy delays must not be negative")
        precondition(backoffFactor >= 1, "HTTPRetryPolicy.backoffFactor must be at least 1, got \(backoffFactor)")
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.backoffFactor = backoffFactor
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The defaults: 5 attempts, 200 ms, ×2, at most 10 s apart, `Retry-After` up to 30 s.
    public static let `default` = HTTPRetryPolicy()

    /// No retries: the first failure is final.
    public static let none = HTTPRetryPolicy(maxAttempts: 1)

    /// The wait after failed attempt number `attempt` (from 1): the server's `retryAfter` capped
    /// at ``maxRetryAfter`` if it sent one, else the exponential backoff capped at ``maxDelay``.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil) -> Duration {
        if let retryAfter { return min(max(retryAfter, .zero), maxRetryAfter) }
        let factor = pow(backoffFactor, Double(max(attempt, 1) - 1))
        let seconds = min(Self.seconds(initialDelay) * factor, Self.seconds(maxDelay))
        // Whole nanoseconds, so 200 ms × 2 is exactly 400 ms despite binary fractions.
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The wait a `Retry-After` header value asks for: delay-seconds (`"120"`) or an HTTP-date
    /// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, measured from `now`; a date in the past means no
    /// wait). Nil if the value is neither.
    public static func retryAfterDelay(_ value: String, now: Date = Date()) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int64(trimmed) {
            return seconds >= 0 ? .seconds(seconds) : nil
        }
        guard let date = httpDate(trimmed) else { return nil }
        let interval = date.timeIntervalSince(now)
        return interval > 0 ? .milliseconds(Int64((interval * 1_000).rounded(.up))) : .zero
    }

    /// A one-line summary for logs.
    public var description: String {
        "HTTPRetryPolicy(maxAttempts: \(maxAttempts), initialDelay: \(initialDelay), backoffFactor: \(backoffFactor), maxDelay: \(maxDelay), maxRetryAfter: \(maxRetryAfter))"
    }

    // MARK: - Helpers

    /// `duration` in seconds, as a `Double`.
    private static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    /// The date of an HTTP-date in any of the three forms RFC 9110 lets a recipient accept.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}

import DurableRuntime

/// The retry policies of the pipeline's steps.
public struct PipelineRetries: Sendable {
    /// `fetch_users_from_api`: the seed's 3 attempts with exponential backoff (1 s, then 2 s).
    /// A page that is not a page of records (``SourcePageError``) and an API that cannot be
    /// reached for a reason waiting does not heal (``HTTPSourceUnreachableError``: DNS, refused,
    /// TLS) fail at once, and so does an ``HTTPSourceError`` other than exhausted retries (a
    /// missing credential, a 401: see ``HTTPSourceError/isRetryable``).
    public var api: RetryPolicy
    /// `insert_users_to_staging`: the seed's 10 attempts, 0.1 s apart.
    public var database: RetryPolicy

    /// Creates retry policies; the defaults are the seed's.
    public init(
        api: RetryPolicy = RetryPolicy(maxAttempts: 3, interval: .seconds(1), backoffRate: 2, nonRetryableErrors: [SourcePageError.self, HTTPSourceUnreachableError.self]),
        database: RetryPolicy = RetryPolicy(maxAttempts: 10, interval: .milliseconds(100), backoffRate: 1)
    ) {
        self.api = api
        self.database = database
    }

    /// The seed's policies with every interval scaled by `factor` (tests use tiny intervals).
    public static func seed(intervalScale factor: Double) -> PipelineRetries {
        var retries = PipelineRetries()
        retries.api.interval = retries.api.interval * factor
        retries.database.interval = retries.database.interval * factor
        return retries
    }
}

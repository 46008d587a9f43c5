/// Why ``HTTPUserSource`` could not reach an integration's API for a reason that waiting does
/// not heal: the host name does not resolve, nothing listens on the port, or the TLS handshake
/// fails. Such a request is not retried — not by ``HTTPRetryPolicy``, not by the pipeline's
/// `fetch_users_from_api` retries (``PipelineRetries/api``) — so the run fails within seconds,
/// naming the host and the cause, instead of after minutes of timeouts.
///
/// A separate type from ``HTTPSourceError`` because step retries are decided by the error's
/// type: a 5xx that outlasts ``HTTPRetryPolicy`` (``HTTPSourceError/retriesExhausted(attempts:url:lastStatus:lastProblem:)``)
/// is still worth the step's next attempt; this is not.
///
/// The URL never carries credentials (see ``HTTPSourceError``).
public struct HTTPSourceUnreachableError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Cause: Sendable, Equatable {
        /// The host name could not be resolved (DNS).
        case hostNotFound
        /// The host refused the connection: nothing listens on the port.
        case connectionRefused
        /// The TLS handshake failed (certificate, host name, protocol).
        case tlsFailed
    }

    /// The page URL, redacted.
    public var url: String
    /// The host (and port, if the endpoint has one) the request went to.
    public var host: String
    /// What went wrong.
    public var cause: Cause
    /// The network library's own words (shown for a TLS failure only).
    public var detail: String

    /// Creates the error.
    public init(url: String, host: String, cause: Cause, detail: String) {
        self.url = url
        self.host = host
        self.cause = cause
        self.detail = detail
    }

    /// The cause in words, as the message says it.
    public var causeText: String {
        switch cause {
        case .hostNotFound: "the host name could not be resolved"
        case .connectionRefused: "connection refused"
        case .tlsFailed: "the TLS handshake failed"
        }
    }

    /// What went wrong, where, and what to do about it.
    public var description: String {
        let advice =
            switch cause {
            case .hostNotFound: "check the host in provider_data.api_endpoint and this machine's DNS"
            case .connectionRefused: "check the port in provider_data.api_endpoint and that the source API is running"
            case .tlsFailed: "check the API's certificate and that provider_data.api_endpoint uses the right scheme and host name"
            }
        // The network library's words add nothing to a refused connection or an unknown host
        // but errno numbers and type names; a TLS failure's name the certificate's problem.
        let reason = cause == .tlsFailed && !detail.isEmpty ? "\(causeText) (\(detail))" : causeText
        return "GET \(url) failed: \(host): \(reason) — \(advice); not retried, as waiting would not change it"
    }
}

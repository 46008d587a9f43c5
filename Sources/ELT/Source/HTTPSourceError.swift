import DurableRuntime

/// Why ``HTTPUserSource`` could not fetch a page. (A page that arrived but is not a list of
/// records is a ``SourcePageError`` instead.)
///
/// URLs in these errors never carry credentials: user info is dropped and the values of
/// query parameters that look like secrets are replaced by `REDACTED`.
///
/// The source retries transient failures itself (``HTTPRetryPolicy``), so of these only
/// ``retriesExhausted(attempts:url:lastStatus:lastProblem:)`` is worth another attempt of the
/// `fetch_users_from_api` step (a longer outage may end); the rest are final
/// (``RetryClassifiedError``): a missing or unusable credential, a bad endpoint, a 4xx, a body
/// too large fail the step at once, instead of after the step's 3 attempts on every page.
public enum HTTPSourceError: Error, CustomStringConvertible, Equatable, RetryClassifiedError {
    /// The integration's `provider_data` has no `api_endpoint`.
    case missingEndpoint(integrationID: String, provider: String)
    /// The integration's `provider_data.auth_header_env` names an environment variable that is
    /// not set in this process, or (`empty`) set to nothing but blanks.
    case missingCredential(integrationID: String, provider: String, variable: String, empty: Bool = false)
    /// The environment variable named by `auth_header_env` holds a value that cannot be an HTTP
    /// header (a line break or another control character). The value is never shown.
    case unusableCredential(integrationID: String, provider: String, variable: String)
    /// The integration's `api_endpoint` is not an absolute http(s) URL.
    case invalidEndpoint(endpoint: String, reason: String)
    /// The server answered with a status that retrying will not fix (a 4xx other than 429, or
    /// an unfollowed 3xx).
    case unexpectedStatus(status: Int, url: String, bodyPreview: String)
    /// Every attempt failed with a retryable status or a transport error; `lastStatus` is nil
    /// if the last attempt got no response at all.
    case retriesExhausted(attempts: Int, url: String, lastStatus: Int?, lastProblem: String)
    /// The response body is larger than the source accepts.
    case bodyTooLarge(url: String, limit: Int)
    /// The request could not be made for a reason retrying will not fix.
    case requestFailed(url: String, reason: String)

    /// Whether another attempt of the step may succeed: only after exhausted retries.
    public var isRetryable: Bool {
        if case .retriesExhausted = self { return true }
        return false
    }

    /// What went wrong, where, and what to do about it.
    public var description: String {
        switch self {
        case let .missingEndpoint(integrationID, provider):
            return "integration \(integrationID) (\(provider)) has no api_endpoint in its provider_data, so the HTTP source cannot fetch its users — set provider_data.api_endpoint to the http(s) URL of the users API, or use the generator source"
        case let .missingCredential(integrationID, provider, variable, empty):
            return "integration \(integrationID) (\(provider)) sends its Authorization header from the environment variable \(variable), which is \(empty ? "empty" : "not set") in this process — export \(variable) (e.g. \(variable)='Bearer <token>') where elt run or elt-server runs, or stop sending the header with: elt integrations set \(integrationID) --auth-header-env ''"
        case let .unusableCredential(integrationID, provider, variable):
            return "integration \(integrationID) (\(provider)) sends its Authorization header from the environment variable \(variable), whose value holds a line break or another control character and cannot be sent — set \(variable) to the header value alone, e.g. 'Bearer <token>'"
        case let .invalidEndpoint(endpoint, reason):
            return "api_endpoint '\(endpoint)' is not usable (\(reason)) — set provider_data.api_endpoint to an absolute http:// or https:// URL such as https://idp.example.com/users"
        case let .unexpectedStatus(status, url, bodyPreview):
            return "GET \(url) failed with HTTP \(Self.statusText(status)); the body starts with: \(bodyPreview) — \(Self.advice(status))"
        case let .retriesExhausted(attempts, url, lastStatus, lastProblem):
            let last = lastStatus.map { "HTTP \(Self.statusText($0))" } ?? "no response"
            let advice = lastStatus == nil
                ? "check that the source API is up and reachable from this machine and answers within the request timeout, then run again"
                : "the source API is unavailable or overloaded; try again later"
            return "GET \(url) failed \(attempts) time\(attempts == 1 ? "" : "s"); the last attempt got \(last): \(lastProblem) — \(advice)"
        case let .bodyTooLarge(url, limit):
            return "GET \(url) returned a body larger than the limit of \(limit) bytes — ask for a smaller page_size (--page-size, page_size=)"
        case let .requestFailed(url, reason):
            return "GET \(url) could not be sent: \(reason) — check the integration's api_endpoint (elt integrations show ID)"
        }
    }

    /// `404 Not Found`, or just the number for a status without a standard phrase.
    static func statusText(_ status: Int) -> String {
        let phrases = [
            301: "Moved Permanently", 302: "Found", 304: "Not Modified", 307: "Temporary Redirect",
            308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
            409: "Conflict", 410: "Gone", 413: "Content Too Large", 414: "URI Too Long",
            422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
            501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
        return phrases[status].map { "\(status) \($0)" } ?? "\(status)"
    }

    /// What to check for a final status.
    private static func advice(_ status: Int) -> String {
        switch status {
        case 401, 403: "check the integration's credentials (the environment variable its provider_data.auth_header_env names) and its permission to list users"
        case 404, 410: "check that provider_data.api_endpoint points at the users API"
        case 300..<400: "the server redirected and the redirect was not followed; set provider_data.api_endpoint to the final URL"
        default: "check the request the source API expects (page, page_size, snapshot query parameters)"
        }
    }
}

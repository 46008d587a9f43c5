import AsyncHTTPClient
import DurableRuntime
import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix

/// Reads users from each integration's own HTTP API, at `provider_data.api_endpoint`.
///
/// A page is `GET <api_endpoint>?page=<page>&page_size=<pageSize>&snapshot=<snapshot>` (added
/// with `&` when the endpoint has a query already), sent with `Accept: application/json` and, when
/// `provider_data.auth_header_env` names an environment variable, `Authorization: <its value>`
/// (read at each fetch, from ``environment``; unset or empty is a ``HTTPSourceError/missingCredential(integrationID:provider:variable:)``). The
/// body is a JSON array of records, or an object `{"users": [...], "has_more": true}`. Only an
/// explicit `has_more` says whether more pages follow; a bare array says nothing, and
/// ``PageTrail`` ends such a snapshot after two empty pages in a row. A `404` or `410` answer is
/// returned as a missing page (``SourcePage/missing(_:)``), which ends a snapshot only right
/// after a short or empty page.
///
/// `429 Too Many Requests`, `5xx`, timeouts and connections that break are retried under
/// ``retryPolicy``, honouring `Retry-After`, and every wait is logged at `notice` with the URL
/// (redacted), the attempt and the wait. What waiting cannot heal fails at once: a host name
/// that does not resolve, a refused connection (nothing listens on the port) or a failed TLS
/// handshake throw ``HTTPSourceUnreachableError``, naming the host and the cause; any other
/// status than those retried fails at once with an ``HTTPSourceError``. A body that is not a
/// page of records throws the ``SourcePageError`` of ``RecordValidator/decodePageWithHasMore(_:)``.
///
/// The default client is ``defaultClient``, which needs no shutdown; an injected client stays
/// its owner's to shut down. An injected client should not retry connection establishment
/// (`connectionPool.retryConnectionEstablishment = false`): one that does keeps a request for
/// an unresolvable or refusing host waiting until ``requestTimeout``, as a timeout.
public struct HTTPUserSource: UserSource {
    /// The default limit on a response body: 8 MiB.
    public static let defaultMaximumBodySize = 8 * 1024 * 1024

    /// The client of every source built without one: `HTTPClient.shared`'s configuration, but
    /// a failed connection attempt fails its request at once with the real cause (DNS, refused,
    /// TLS) instead of being retried by the pool until the request's deadline, and a connection
    /// that cannot be made in 10 s counts as a timeout. Never shut down (it lives as long as the
    /// process, like `HTTPClient.shared`).
    public static let defaultClient: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The client requests go through.
    public var client: HTTPClient
    /// When and how often a failed request is tried again.
    public var retryPolicy: HTTPRetryPolicy
    /// The largest response body accepted, in bytes.
    public var maximumBodySize: Int
    /// How long one request may take, from sending it to the end of its body.
    public var requestTimeout: Duration
    /// Waits between attempts; tests pass one that records the delay instead of waiting.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Where the variables named by `provider_data.auth_header_env` are read: the process's
    /// environment, unless a test injects its own.
    public var environment: @Sendable () -> [String: String]
    /// Where retry waits are logged: the first failure against a host at `notice`, the ones
    /// after it at `debug` until the host answers again, which is logged at `notice`.
    public var logger: Logger
    /// The hosts failing now, shared by the copies of this source (one run's page fetches).
    private let outages = FailureTally()

    /// Creates an HTTP source. Defaults: ``defaultClient``, ``HTTPRetryPolicy/default``, 8 MiB
    /// bodies, 30 s per request, `Task.sleep` between attempts, a logger labelled `elt.source.http`.
    public init(
        client: HTTPClient = HTTPUserSource.defaultClient,
        retryPolicy: HTTPRetryPolicy = .default,
        maximumBodySize: Int = HTTPUserSource.defaultMaximumBodySize,
        requestTimeout: Duration = .seconds(30),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment },
        logger: Logger = Logger(label: "elt.source.http")
    ) {
        precondition(maximumBodySize > 0, "HTTPUserSource.maximumBodySize must be positive, got \(maximumBodySize)")
        precondition(requestTimeout > .zero, "HTTPUserSource.requestTimeout must be positive, got \(requestTimeout)")
        self.client = client
        self.retryPolicy = retryPolicy
        self.maximumBodySize = maximumBodySize
        self.requestTimeout = requestTimeout
        self.sleep = sleep
        self.environment = environment
        self.logger = logger
    }

    /// Fetches one page from the integration's API, retrying transient failures.
    ///
    /// - Throws: ``HTTPSourceError`` if the endpoint is unusable or the request fails;
    ///   ``HTTPSourceUnreachableError`` if the host does not resolve, refuses the connection or
    ///   fails the TLS handshake; ``SourcePageError`` if the body is not a page of records; `CancellationError` if the
    ///   task is cancelled.
    public func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        precondition(snapshot >= 0 && page >= 0 && pageSize > 0,
                     "fetchPage needs snapshot >= 0, page >= 0, pageSize > 0; got \(snapshot), \(page), \(pageSize)")
        let endpoint = try HTTPSourceEndpoint(of: integration)
        let authorization = try authorizationHeader(of: integration)
        let url = endpoint.pageURL(snapshot: snapshot, page: page, pageSize: pageSize)
        let shownURL = HTTPSourceEndpoint.redacted(url)
        guard let urlText = url.string else {
            throw HTTPSourceError.invalidEndpoint(endpoint: shownURL, reason: "no URL can be made of it with the page query")
        }
        let body: Data
        do {
            body = try await fetchBody(url: urlText, shownURL: shownURL, host: Self.hostText(url), authorization: authorization)
        } catch let error as HTTPSourceError {
            // Many APIs answer 404 (or 410) for a page past the end; whether this page is past
            // the end is for the pipeline to decide (``PageTrail``), so it gets the page as missing.
            if case .unexpectedStatus(let status, _, _) = error, status == 404 || status == 410 {
                return .missing(error.description)
            }
            throw error
        }
        let (records, hasMore) = try RecordValidator.decodePageWithHasMore(body)
        return SourcePage(records: records, hasMore: hasMore)
    }

    /// The value of the variable `provider_data.auth_header_env` names, or nil if it names none.
    /// - Throws: ``HTTPSourceError/missingCredential(integrationID:provider:variable:)`` if the
    ///   variable is unset or empty, ``HTTPSourceError/unusableCredential(integrationID:provider:variable:)``
    ///   if its value cannot be a header.
    public func authorizationHeader(of integration: ConnectedIntegration) throws(HTTPSourceError) -> String? {
        try Self.authorizationHeader(of: integration, environment: environment())
    }

    /// ``authorizationHeader(of:)`` read from `environment`: the one rule that a run applies and
    /// that `elt integrations add` and `set` warn by.
    public static func authorizationHeader(
        of integration: ConnectedIntegration, environment: [String: String]
    ) throws(HTTPSourceError) -> String? {
        guard let variable = integration.providerData.authHeaderEnv?.trimmingCharacters(in: .whitespaces), !variable.isEmpty else {
            return nil
        }
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespaces) else {
            throw .missingCredential(integrationID: integration.id, provider: integration.provider, variable: variable)
        }
        guard !value.isEmpty else {
            throw .missingCredential(integrationID: integration.id, provider: integration.provider, variable: variable, empty: true)
        }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw .unusableCredential(integrationID: integration.id, provider: integration.provider, variable: variable)
        }
        return value
    }

    /// `http`: each integration's recorded `api_endpoint`.
    public var descriptor: SourceDescriptor { SourceDescriptor(kind: SourceDescriptor.httpKind) }

    // MARK: - Attempts

    /// What one attempt came to, short of a final error.
    private enum AttemptOutcome: Sendable {
        /// A 2xx response and its whole body.
        case body(Data)
        /// A failure worth another attempt: the status if there was a response, what went
        /// wrong, and the wait the server asked for.
        case retryable(status: Int?, problem: String, retryAfter: Duration?)
    }

    /// The body of a successful response, after as many attempts as the policy allows.
    private func fetchBody(url: String, shownURL: String, host: String, authorization: String?) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/json")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        var attempt = 1
        while true {
            switch try await attemptWithTimeout(request, shownURL: shownURL, host: host) {
            case .body(let data):
                let failed = outages.succeeded(host)
                if failed > 0 {
                    logger.notice("source answering again", metadata: ["host": "\(host)", "failed_attempts": "\(failed)"])
                }
                return data
            case let .retryable(status, problem, retryAfter):
                guard attempt < retryPolicy.maxAttempts else {
                    throw HTTPSourceError.retriesExhausted(attempts: attempt, url: shownURL, lastStatus: status, lastProblem: problem)
                }
                let wait = retryPolicy.delay(afterAttempt: attempt, retryAfter: retryAfter)
                var metadata: Logger.Metadata = [
                    "url": "\(shownURL)", "attempt": "\(attempt) of \(retryPolicy.maxAttempts)", "wait": "\(wait)",
                    "problem": "\(problem)",
                ]
                if let status { metadata["status"] = "\(status)" }
                // What an operator alerts on: a flapping API shows in /metrics, not only in the log.
                Counter(label: "elt_source_request_retries_total", dimensions: [("status", status.map(String.init) ?? "none")]).increment()
                // Ten pages fetched at once from a failing API would log fifty waits: the
                // outage is told once, its later waits at debug level.
                let first = outages.failed(host)
                if first { metadata["later_failures"] = "logged at debug level until the host answers" }
                logger.log(level: first ? .notice : .debug, "source request failed; waiting before trying again", metadata: metadata)
                try await sleep(wait)
                attempt += 1
            }
        }
    }

    /// One attempt, abandoned after ``requestTimeout``. The client's own deadline only covers
    /// the response head; the race here also bounds a body that stalls.
    private func attemptWithTimeout(_ request: HTTPClientRequest, shownURL: String, host: String) async throws -> AttemptOutcome {
        let timeout = requestTimeout
        return try await withThrowingTaskGroup(of: AttemptOutcome?.self) { group in
            group.addTask { try await self.attempt(request, shownURL: shownURL, host: host) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            if let outcome = try await group.next() ?? nil { return outcome }
            try Task.checkCancellation()
            return .retryable(status: nil, problem: "no complete response within the request timeout of \(timeout)", retryAfter: nil)
        }
    }

    /// One request: its outcome, or a final error.
    private func attempt(_ request: HTTPClientRequest, shownURL: String, host: String) async throws -> AttemptOutcome {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: .now() + Self.timeAmount(requestTimeout))
        } catch {
            try Task.checkCancellation()
            if Self.isPermanent(error) { throw HTTPSourceError.requestFailed(url: shownURL, reason: "\(error)") }
            if let (cause, detail) = Self.unreachableCause(error) {
                throw HTTPSourceUnreachableError(url: shownURL, host: host, cause: cause, detail: detail)
            }
            return .retryable(status: nil, problem: Self.describe(error), retryAfter: nil)
        }
        let status = Int(response.status.code)
        switch status {
        case 200..<300:
            do {
                let buffer = try await response.body.collect(upTo: maximumBodySize)
                return .body(Data(buffer.readableBytesView))
            } catch is NIOTooManyBytesError {
                throw HTTPSourceError.bodyTooLarge(url: shownURL, limit: maximumBodySize)
            } catch {
                try Task.checkCancellation()
                return .retryable(status: nil, problem: "the body broke off: \(Self.describe(error))", retryAfter: nil)
            }
        case 429, 500..<600:
            let preview = await Self.bodyPreview(response.body)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { HTTPRetryPolicy.retryAfterDelay($0) }
            return .retryable(status: status, problem: "the body starts with: \(preview)", retryAfter: retryAfter)
        default:
            throw HTTPSourceError.unexpectedStatus(status: status, url: shownURL, bodyPreview: await Self.bodyPreview(response.body))
        }
    }

    // MARK: - Helpers

    /// The length of an error body worth quoting.
    private static let previewLength = 100

    /// The first ``previewLength`` bytes of `body` as quoted text, reading no further; what
    /// arrived before an error if the body breaks off.
    private static func bodyPreview(_ body: HTTPClientResponse.Body) async -> String {
        var prefix = Data()
        var truncated = false
        do {
            for try await chunk in body {
                prefix.append(contentsOf: chunk.readableBytesView)
                if prefix.count > previewLength {
                    truncated = true
                    break
                }
            }
        } catch {
            truncated = true
        }
        guard !prefix.isEmpty else { return truncated ? "(nothing before the body broke off)" : "(nothing)" }
        return "'" + String(decoding: prefix.prefix(previewLength), as: UTF8.self) + "'" + (truncated ? "…" : "")
    }

    /// Whether a client error will happen again however often the request is retried.
    private static func isPermanent(_ error: any Error) -> Bool {
        guard let error = error as? HTTPClientError else { return false }
        // Unsupported schemes cannot reach here: HTTPSourceEndpoint accepts only http(s).
        let permanent: [HTTPClientError] = [
            .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath, .alreadyShutdown,
            .redirectLimitReached, .redirectCycleDetected,
        ]
        return permanent.contains(error)
    }

    /// Whether `error` says the API cannot be reached in a way that waiting does not heal, and
    /// the network library's words for it: DNS found no address, every address refused the
    /// connection, or the TLS handshake failed.
    static func unreachableCause(_ error: any Error) -> (HTTPSourceUnreachableError.Cause, String)? {
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return (.hostNotFound, "\(dns)")
            }
            let refused = error.connectionErrors.allSatisfy { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }
            if !error.connectionErrors.isEmpty, refused {
                return (.connectionRefused, error.connectionErrors.map { "\($0.target): \($0.error)" }.joined(separator: "; "))
            }
            return nil
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return (.connectionRefused, "\(error)") }
        if error is SocketAddressError { return (.hostNotFound, "\(error)") }
        // NIOSSLError (handshakeFailed, unableToValidateCertificate, …), BoringSSLError and
        // NIOSSLExtraError (host name validation): the TLS library's errors, told by their
        // module so as not to depend on it. A TLS connection that breaks off after the
        // handshake (an unclean shutdown, a close that timed out) may heal, and is retried.
        let typeName = String(reflecting: type(of: error))
        let text = "\(error)"
        let breaksOff = ["uncleanShutdown", "writeDuringTLSShutdown", "readInInvalidTLSState", "shutdownFailed"]
        if typeName.hasPrefix("NIOSSL."), !typeName.contains("CloseTimedOut"), !breaksOff.contains(where: text.hasPrefix) {
            return (.tlsFailed, text)
        }
        return nil
    }

    /// The host of `url`, with its port if it names one, for messages.
    private static func hostText(_ url: URLComponents) -> String {
        let host = url.host ?? "?"
        return url.port.map { "\(host):\($0)" } ?? host
    }

    /// An `HTTPClientError` without a case above, in words rather than the type's dump: its
    /// case name split at capitals, a run of capitals kept together, in lowercase
    /// (`emptyHost` → "empty host", `invalidURL` → "invalid url").
    static func words(of error: HTTPClientError) -> String {
        var name = String(describing: error)
        if let dot = name.firstIndex(of: ".") { name = String(name[name.index(after: dot)...]) }
        if let parenthesis = name.firstIndex(of: "(") { name = String(name[..<parenthesis]) }
        var text = ""
        var previousWasUpper = false
        for character in name {
            if character.isUppercase, !previousWasUpper, !text.isEmpty { text.append(" ") }
            previousWasUpper = character.isUppercase
            text.append(character)
        }
        return "the HTTP client failed: " + text.lowercased()
    }

    /// An error of the client or the network, in words.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "the connection could not be made in time"
            case .deadlineExceeded: return "no response within the request timeout"
            case .readTimeout: return "the server stopped sending"
            case .remoteConnectionClosed: return "the server closed the connection"
            case .getConnectionFromPoolTimeout: return "no connection to the server could be had in time"
            default: return words(of: error)
            }
        }
        return "the connection failed (\(error))"
    }

    /// `duration` as NIO's `TimeAmount`.
    private static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return .nanoseconds(overflow ? .max : nanoseconds.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue)
    }
}

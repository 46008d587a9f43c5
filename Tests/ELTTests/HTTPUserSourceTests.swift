import AsyncHTTPClient
@testable import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Logging
import Testing

@Suite("HTTP user source")
struct HTTPUserSourceTests {
    static let churn = ChurnModel(insertRate: 0.2, updateRate: 0.1, deleteRate: 0.1)

    /// A source that records its retry delays instead of waiting.
    static func source(_ sleeps: SleepRecorder, retryPolicy: HTTPRetryPolicy = .default,
                       maximumBodySize: Int = HTTPUserSource.defaultMaximumBodySize,
                       requestTimeout: Duration = .seconds(5)) -> HTTPUserSource {
        HTTPUserSource(retryPolicy: retryPolicy, maximumBodySize: maximumBodySize, requestTimeout: requestTimeout,
                       sleep: sleeps.sleep)
    }

    /// Every page of a snapshot, fetched until the pipeline's ``PageTrail`` ends it.
    static func allPages(_ source: HTTPUserSource, _ integration: ConnectedIntegration,
                         snapshot: Int, pageSize: Int) async throws -> (pages: [SourcePage], trail: PageTrail) {
        var pages: [SourcePage] = []
        var trail = PageTrail()
        for page in 0..<100 {
            let next = try await source.fetchPage(integration: integration, snapshot: snapshot, page: page, pageSize: pageSize)
            pages.append(next)
            _ = try trail.take(page: page, recordCount: next.records.count, pageSize: pageSize, hasMore: next.hasMore,
                               missing: next.missing, digest: "\(next.records.map(\.rawJSON))")
            if trail.hasEnded { return (pages, trail) }
        }
        Issue.record("the source never ended the snapshot")
        return (pages, trail)
    }

    // MARK: - Pages

    @Test("pages concatenate to the generator's snapshot, which ends completely: on has_more false, or after two empty pages of a bare array",
          arguments: TestUserAPI.BodyForm.allCases)
    func pagesFormTheSnapshot(form: TestUserAPI.BodyForm) async throws {
        try await TestUserAPI.withRunning(churn: Self.churn, baseCount: 25, form: form) { api in
            let sleeps = SleepRecorder()
            let (pages, trail) = try await Self.allPages(Self.source(sleeps), api.integration(), snapshot: 2, pageSize: 7)
            let expected = api.generator.page(snapshot: 2, page: 0, pageSize: 10_000)
            #expect(expected.count > 7, "the snapshot should span several pages")
            #expect(pages.flatMap(\.records) == expected.map(RawSourceRecord.init(user:)))
            switch form {
            case .object:
                #expect(pages.dropLast().allSatisfy { $0.hasMore == true })
                #expect(pages.last?.hasMore == false)
                #expect(trail.end == .declared)
            case .array:
                #expect(pages.allSatisfy { $0.hasMore == nil }, "a bare array says nothing about more pages")
                #expect(pages.suffix(2).allSatisfy { $0.records.isEmpty })
                #expect(trail.end == .emptyPages)
            }
            #expect(trail.end?.isComplete == true)
            let valid = RecordValidator().validate(pages.flatMap(\.records))
            #expect(valid.rejected.isEmpty && valid.valid == expected)
            #expect(sleeps.delays.isEmpty)

            let first = try #require(api.requests.first)
            #expect(first.path == "/users")
            #expect(first.query == ["page": "0", "page_size": "7", "snapshot": "2"])
            #expect(first.accept == "application/json")
        }
    }

    @Test("an endpoint with a query keeps it and gets the page parameters after '&'")
    func appendsToAnExistingQuery() async throws {
        try await TestUserAPI.withRunning { api in
            let page = try await Self.source(SleepRecorder())
                .fetchPage(integration: api.integration(path: "/users?tenant=acme"), snapshot: 0, page: 1, pageSize: 10)
            #expect(page.records == api.generator.page(snapshot: 0, page: 1, pageSize: 10).map(RawSourceRecord.init(user:)))
            #expect(api.requests.map(\.query) == [["tenant": "acme", "page": "1", "page_size": "10", "snapshot": "0"]])
        }
    }

    @Test("has_more in the object form decides, whatever the page's size")
    func hasMoreFieldWins() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.body(#"{"users": [], "has_more": true}"#),
                       .body(#"{"users": [{"id": "a"}, {"id": "b"}], "has_more": false}"#),
                       .body(#"[{"id": "a"}, {"id": "b"}]"#))
            let source = Self.source(SleepRecorder())
            let integration = api.integration()
            let empty = try await source.fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 2)
            #expect(empty.records.isEmpty && empty.hasMore == true)
            let full = try await source.fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 2)
            #expect(full.records.count == 2 && full.hasMore == false)
            let fullArray = try await source.fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 2)
            #expect(fullArray.records.count == 2 && fullArray.hasMore == nil, "without has_more, the source says nothing")
        }
    }

    // MARK: - Retries

    @Test("a 429 with Retry-After: 2 is retried after the 2 seconds the server asked for")
    func honoursRetryAfter() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(429, headers: ["Retry-After": "2"], body: "slow down"))
            let sleeps = SleepRecorder()
            let page = try await Self.source(sleeps).fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            #expect(page.records.count == 10)
            #expect(sleeps.delays == [.seconds(2)])
            #expect(api.requests.count == 2)
        }
    }

    @Test("a Retry-After beyond maxRetryAfter is cut to it")
    func capsRetryAfter() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(503, headers: ["Retry-After": "3600"]))
            let sleeps = SleepRecorder()
            _ = try await Self.source(sleeps).fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            #expect(sleeps.delays == [.seconds(30)])
        }
    }

    @Test("503 twice, then 200: succeeds after backing off 200 ms, then 400 ms")
    func backsOffExponentially() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(503, body: "busy"), .status(503, body: "busy"))
            let sleeps = SleepRecorder()
            let page = try await Self.source(sleeps).fetchPage(integration: api.integration(), snapshot: 0, page: 2, pageSize: 10)
            #expect(page.records == api.generator.page(snapshot: 0, page: 2, pageSize: 10).map(RawSourceRecord.init(user:)))
            #expect(page.hasMore == nil)
            #expect(sleeps.delays == [.milliseconds(200), .milliseconds(400)])
            #expect(api.requests.count == 3)
        }
    }

    @Test("a 5xx that never ends fails after maxAttempts, naming the status")
    func exhaustsRetries() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(500, body: "boom"), .status(500, body: "boom"), .status(500, body: "boom"),
                       .status(500, body: "boom"), .status(500, body: "boom"))
            let sleeps = SleepRecorder()
            let error = try await #require(throws: HTTPSourceError.self) {
                try await Self.source(sleeps).fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            }
            guard case let .retriesExhausted(attempts, _, lastStatus, _) = error else {
                Issue.record("expected retriesExhausted, got \(error)")
                return
            }
            #expect(attempts == 5 && lastStatus == 500)
            #expect(api.requests.count == 5)
            #expect(sleeps.delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600)])
            #expect(error.description.contains("500 Internal Server Error"), "\(error)")
            #expect(error.description.contains("failed 5 times"), "\(error)")
            #expect(error.description.contains("'boom'"), "\(error)")
        }
    }

    @Test("backoff grows by the factor and stops at maxDelay")
    func backoffIsCapped() {
        let policy = HTTPRetryPolicy(maxAttempts: 10, initialDelay: .seconds(1), backoffFactor: 3, maxDelay: .seconds(10))
        #expect((1...4).map { policy.delay(afterAttempt: $0) } == [.seconds(1), .seconds(3), .seconds(9), .seconds(10)])
        #expect(policy.delay(afterAttempt: 2, retryAfter: .seconds(7)) == .seconds(7))
    }

    @Test("Retry-After is read as seconds or as an HTTP-date; anything else is ignored")
    func parsesRetryAfter() {
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // 2015-10-21 07:27:50 GMT
        #expect(HTTPRetryPolicy.retryAfterDelay("2", now: now) == .seconds(2))
        #expect(HTTPRetryPolicy.retryAfterDelay(" 120 ", now: now) == .seconds(120))
        #expect(HTTPRetryPolicy.retryAfterDelay("Wed, 21 Oct 2015 07:28:00 GMT", now: now) == .seconds(10))
        #expect(HTTPRetryPolicy.retryAfterDelay("Wed, 21 Oct 2015 07:00:00 GMT", now: now) == .zero)
        #expect(HTTPRetryPolicy.retryAfterDelay("-5", now: now) == nil)
        #expect(HTTPRetryPolicy.retryAfterDelay("soon", now: now) == nil)
    }

    @Test("an API that waiting cannot heal fails at once with the real cause, naming the host, without retries or the credential",
          arguments: ["refused port", "unresolvable host", "TLS to a plain HTTP port"])
    func unreachableFailsFast(case kind: String) async throws {
        try await TestUserAPI.withRunning { api in
            let port = try freePort() // bound and closed on the loopback: nothing listens there
            let (endpoint, host, cause): (String, String, HTTPSourceUnreachableError.Cause) =
                switch kind {
                case "refused port": ("http://127.0.0.1:\(port)/users?token=hunter2", "127.0.0.1:\(port)", .connectionRefused)
                case "unresolvable host": ("https://user:hunter2@nonexistent.invalid/users", "nonexistent.invalid", .hostNotFound)
                default: ("https://127.0.0.1:\(api.port)/users?token=hunter2", "127.0.0.1:\(api.port)", .tlsFailed)
                }
            var integration = TestUserAPI.integration
            integration.providerData.apiEndpoint = endpoint
            let sleeps = SleepRecorder()
            let clock = ContinuousClock()
            let started = clock.now
            let error = try await #require(throws: HTTPSourceUnreachableError.self) {
                try await Self.source(sleeps).fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 10)
            }
            // No retry waits (below), and well under the 30 s request timeout: it did not wait for one.
            #expect(clock.now - started < .seconds(25), "no timeout")
            #expect(error.cause == cause)
            #expect(error.host == host)
            #expect(error.description.contains("\(host): \(error.causeText)"), "\(error)")
            #expect(error.description.contains("GET \(endpoint.hasPrefix("https://user") ? "https://nonexistent.invalid/users" : endpoint.replacingOccurrences(of: "hunter2", with: "REDACTED"))"), "\(error)")
            #expect(!error.description.contains("hunter2"), "\(error)")
            #expect(sleeps.delays.isEmpty)
        }
    }

    @Test("the pipeline's fetch step does not retry an unreachable API either")
    func stepRetriesSkipUnreachable() {
        let error = HTTPSourceUnreachableError(url: "http://x/users", host: "x", cause: .hostNotFound, detail: "")
        #expect(!PipelineRetries().api.isRetryable(error))
        #expect(PipelineRetries().api.isRetryable(
            HTTPSourceError.retriesExhausted(attempts: 5, url: "http://x/users", lastStatus: 503, lastProblem: "busy")),
                "a 5xx that outlasts the source's retries still gets the step's")
    }

    @Test("the pipeline's fetch step does not retry a final answer: a 4xx, a missing credential, a bad endpoint", arguments: [
        HTTPSourceError.unexpectedStatus(status: 401, url: "http://x/users", bodyPreview: "\"no\""),
        .unexpectedStatus(status: 403, url: "http://x/users", bodyPreview: ""),
        .missingCredential(integrationID: "i", provider: "acme", variable: "ELT_ACME_AUTH"),
        .unusableCredential(integrationID: "i", provider: "acme", variable: "ELT_ACME_AUTH"),
        .missingEndpoint(integrationID: "i", provider: "acme"),
        .invalidEndpoint(endpoint: "ftp://x", reason: "not http(s)"),
        .bodyTooLarge(url: "http://x/users", limit: 10),
        .requestFailed(url: "http://x/users", reason: "bad header"),
    ])
    func stepRetriesSkipFinalAnswers(error: HTTPSourceError) {
        #expect(!PipelineRetries().api.isRetryable(error), "\(error)")
    }

    @Test("every retry wait is logged at notice with the redacted URL, the attempt and the wait")
    func logsRetryWaits() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(503, body: "busy"), .status(429, headers: ["Retry-After": "1"]))
            let sleeps = SleepRecorder()
            let recorder = RecordingLogHandler.Recorder()
            var source = Self.source(sleeps)
            source.logger = recorder.logger(level: .trace)
            let integration = api.integration(path: "/users?api_key=hunter2")
            let page = try await source.fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 10)
            #expect(page.records.count == 10)
            let waits = recorder.logged.filter { $0.message.contains("waiting before trying again") }
            #expect(waits.count == 2, "\(recorder.logged)")
            // An outage is told once at notice; its later waits at debug, and its end at notice.
            #expect(waits.map(\.level) == [.notice, .debug])
            #expect(waits.first?.metadata["later_failures"] == "logged at debug level until the host answers")
            let again = recorder.logged.filter { $0.message == "source answering again" }
            #expect(again.map(\.level) == [.notice] && again.first?.metadata["failed_attempts"] == "2", "\(recorder.logged)")
            let url = "http://127.0.0.1:\(api.port)/users?api_key=REDACTED&page=0&page_size=10&snapshot=0"
            #expect(waits.map { $0.metadata["url"] } == [url, url])
            #expect(waits.map { $0.metadata["attempt"] } == ["1 of 5", "2 of 5"])
            #expect(waits.map { $0.metadata["wait"] } == ["\(Duration.milliseconds(200))", "\(Duration.seconds(1))"])
            #expect(waits.map { $0.metadata["status"] } == ["503", "429"])
            #expect(!recorder.logged.contains { "\($0)".contains("hunter2") })
        }
    }

    @Test("pages fetched at once from a failing API log the outage once at notice, not once per attempt")
    func outageLoggedOnce() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(503, body: "busy"), .status(503, body: "busy"), .status(503, body: "busy"),
                       .status(503, body: "busy"), .status(503, body: "busy"), .status(503, body: "busy"))
            let recorder = RecordingLogHandler.Recorder()
            var source = Self.source(SleepRecorder())
            source.logger = recorder.logger(level: .notice)
            let integration = api.integration()
            let fetching = source
            try await withThrowingTaskGroup(of: Int.self) { group in
                for page in 0..<4 {
                    group.addTask { try await fetching.fetchPage(integration: integration, snapshot: 0, page: page, pageSize: 10).records.count }
                }
                var users = 0
                for try await count in group { users += count }
                #expect(users > 0, "every page was fetched after the outage")
            }
            let notices = recorder.logged.map(\.message)
            // Six failed attempts, logged once; twice at most, when a 503 is read after another
            // request's 200 has ended the outage (the order the client reads responses in).
            let waits = notices.filter { $0.contains("waiting before trying again") }.count
            #expect((1...2).contains(waits), "\(notices)")
            #expect(notices.filter { $0 == "source answering again" }.count >= 1, "\(notices)")
        }
    }

    @Test("a response slower than requestTimeout counts as a failed attempt")
    func timesOut() async throws {
        try await TestUserAPI.withRunning { api in
            // Generous margins: the machine may be busy with other tests.
            api.script(.stall(.seconds(20)))
            let sleeps = SleepRecorder()
            let source = Self.source(sleeps, retryPolicy: HTTPRetryPolicy(maxAttempts: 2), requestTimeout: .seconds(5))
            let clock = ContinuousClock()
            let started = clock.now
            let page = try await source.fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            #expect(page.records.count == 10)
            #expect(clock.now - started < .seconds(15), "the stalled request (20 s) was abandoned after requestTimeout (5 s)")
            #expect(sleeps.delays == [.milliseconds(200)])
            #expect(api.requests.count == 2)
        }
    }

    // MARK: - Final failures

    @Test("a 404 or 410 is a missing page at once, explained with the status and the URL (the pipeline decides if it is past the end)",
          arguments: [404, 410])
    func missingOnNotFound(status: Int) async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(status, body: "no such tenant"))
            let sleeps = SleepRecorder()
            let integration = api.integration(path: "/missing")
            let page = try await Self.source(sleeps).fetchPage(integration: integration, snapshot: 0, page: 3, pageSize: 10)
            let url = "http://127.0.0.1:\(api.port)/missing?page=3&page_size=10&snapshot=0"
            let explanation = try #require(page.missing)
            #expect(page.records.isEmpty)
            #expect(explanation == HTTPSourceError.unexpectedStatus(status: status, url: url, bodyPreview: "'no such tenant'").description)
            #expect(explanation.contains("\(status) "), "\(explanation)")
            #expect(explanation.contains(url), "\(explanation)")
            #expect(api.requests.count == 1)
            #expect(sleeps.delays.isEmpty)
        }
    }

    @Test("an error message never shows the endpoint's credentials")
    func redactsCredentials() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.status(401, body: String(repeating: "x", count: 500)))
            let integration = api.integration(path: "/users?api_key=hunter2&tenant=acme", userInfo: "admin:s3cret@")
            let error = try await #require(throws: HTTPSourceError.self) {
                try await Self.source(SleepRecorder()).fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 10)
            }
            #expect(!error.description.contains("hunter2") && !error.description.contains("s3cret"), "\(error)")
            #expect(error.description.contains("http://127.0.0.1:\(api.port)/users?api_key=REDACTED&tenant=acme&page=0"), "\(error)")
            #expect(error.description.contains("'" + String(repeating: "x", count: 100) + "'…"), "the body preview stops at 100 bytes")
            #expect(error.description.contains("credentials"), "401 advice: \(error)")
        }
    }

    @Test("a body that is not JSON throws SourcePageError.notJSON")
    func rejectsNonJSON() async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.body("<html>Maintenance</html>"))
            let error = try await #require(throws: SourcePageError.self) {
                try await Self.source(SleepRecorder()).fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            }
            guard case .notJSON(_, let preview) = error else {
                Issue.record("expected notJSON, got \(error)")
                return
            }
            #expect(preview == "'<html>Maintenance</html>'")
        }
    }

    @Test("a body of the wrong shape throws SourcePageError.wrongShape", arguments: [
        (#"{"data": []}"#, #"without a "users" key"#),
        (#"{"users": {"id": "a"}}"#, #"whose "users" is an object"#),
        (#"{"users": [], "has_more": "yes"}"#, #"whose "has_more" is a string"#),
        (#"{"users": [], "has_more": null}"#, #"whose "has_more" is null"#),
        ("42", "a number"),
    ])
    func rejectsWrongShape(body: String, found: String) async throws {
        try await TestUserAPI.withRunning { api in
            api.script(.body(body))
            let error = try await #require(throws: SourcePageError.self) {
                try await Self.source(SleepRecorder()).fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            }
            guard case .wrongShape(let description, _) = error else {
                Issue.record("expected wrongShape, got \(error)")
                return
            }
            #expect(description.contains(found), "\(error)")
        }
    }

    @Test("a body over maximumBodySize fails at once with bodyTooLarge")
    func limitsBodySize() async throws {
        try await TestUserAPI.withRunning { api in
            let sleeps = SleepRecorder()
            let error = try await #require(throws: HTTPSourceError.self) {
                try await Self.source(sleeps, maximumBodySize: 256)
                    .fetchPage(integration: api.integration(), snapshot: 0, page: 0, pageSize: 10)
            }
            guard case .bodyTooLarge(_, let limit) = error else {
                Issue.record("expected bodyTooLarge, got \(error)")
                return
            }
            #expect(limit == 256)
            #expect(error.description.contains("256 bytes"), "\(error)")
            #expect(api.requests.count == 1 && sleeps.delays.isEmpty)
        }
    }

    @Test("an integration without api_endpoint fails with a message that says to set it")
    func needsAnEndpoint() async throws {
        let integration = TestUserAPI.integration
        let error = try await #require(throws: HTTPSourceError.self) {
            try await HTTPUserSource().fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 10)
        }
        #expect(error == .missingEndpoint(integrationID: integration.id, provider: "okta"))
        #expect(error.description.contains("no api_endpoint"), "\(error)")
        #expect(error.description.contains("set provider_data.api_endpoint"), "\(error)")
    }

    @Test("an api_endpoint that is not an http(s) URL fails before any request", arguments: [
        ("ftp://files.example.com/users", "its scheme is 'ftp'"),
        ("users.example.com/users", "it has no scheme"),
        ("http://", "it has no host"),
        ("http://exa mple.com/users", "cannot be parsed"),
        ("https://idp.example.com/users?page=3", "its query sets page, which the pipeline sets on every page request"),
        // Query keys are case-sensitive: PAGE is the endpoint's own parameter, not the page.
        ("https://idp.example.com/users?tenant=a&page_size=5&snapshot=1&PAGE=3", "its query sets page_size, snapshot, which"),
    ])
    func rejectsBadEndpoints(endpoint: String, reason: String) async throws {
        var integration = TestUserAPI.integration
        integration.providerData.apiEndpoint = endpoint
        let error = try await #require(throws: HTTPSourceError.self) {
            try await HTTPUserSource().fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 10)
        }
        guard case .invalidEndpoint(_, let found) = error else {
            Issue.record("expected invalidEndpoint, got \(error)")
            return
        }
        #expect(found.contains(reason), "\(error)")
        #expect(error.description.contains("http:// or https://"), "\(error)")
    }

    // MARK: - Credentials

    @Test("auth_header_env: the variable's value is sent as the Authorization header; without it no header is sent")
    func sendsTheAuthorizationHeader() async throws {
        try await TestUserAPI.withRunning { api in
            var integration = api.integration()
            integration.providerData.authHeaderEnv = "ELT_TEST_AUTH"
            let source = HTTPUserSource(environment: { ["ELT_TEST_AUTH": "Bearer t0ken"] })
            let page = try await source.fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 5)
            #expect(page.records.count == 5)
            _ = try await source.fetchPage(integration: api.integration(), snapshot: 0, page: 1, pageSize: 5)
            #expect(api.requests.map(\.authorization) == ["Bearer t0ken", nil])
        }
    }

    @Test("an auth_header_env variable that is unset or unusable fails before any request, naming the variable and never a value")
    func missingCredential() async throws {
        try await TestUserAPI.withRunning { api in
            var integration = api.integration()
            integration.providerData.authHeaderEnv = "ELT_TEST_AUTH"
            for (environment, empty) in [([:], false), (["ELT_TEST_AUTH": ""], true), (["ELT_TEST_AUTH": "  "], true)] {
                let error = try await #require(throws: HTTPSourceError.self) {
                    try await HTTPUserSource(environment: { environment }).fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 5)
                }
                #expect(error == .missingCredential(integrationID: integration.id, provider: "okta", variable: "ELT_TEST_AUTH", empty: empty))
                #expect(error.description.contains("ELT_TEST_AUTH, which is \(empty ? "empty" : "not set") in this process"), "\(error)")
                #expect(error.description.contains("export ELT_TEST_AUTH"), "\(error)")
            }
            let broken = try await #require(throws: HTTPSourceError.self) {
                try await HTTPUserSource(environment: { ["ELT_TEST_AUTH": "Bearer x\r\nX-Evil: 1"] })
                    .fetchPage(integration: integration, snapshot: 0, page: 0, pageSize: 5)
            }
            #expect(broken == .unusableCredential(integrationID: integration.id, provider: "okta", variable: "ELT_TEST_AUTH"))
            #expect(!broken.description.contains("Evil"))
            #expect(api.requests.isEmpty)
        }
    }

    @Test("an HTTP client error is told in words, never as the client's type and case", arguments: [
        (HTTPClientError.emptyHost, "the HTTP client failed: empty host"),
        (HTTPClientError.invalidURL, "the HTTP client failed: invalid url"),
        (HTTPClientError.alreadyShutdown, "the HTTP client failed: already shutdown"),
    ])
    func clientErrorWords(error: HTTPClientError, expected: String) {
        #expect(HTTPUserSource.words(of: error) == expected)
        #expect(!HTTPUserSource.words(of: error).contains("HTTPClientError"))
    }

    @Test("advice after failed retries names nothing a user cannot set", arguments: [
        HTTPSourceError.retriesExhausted(attempts: 5, url: "http://x/users?page=0", lastStatus: 502, lastProblem: "HTTP 502"),
        HTTPSourceError.retriesExhausted(attempts: 5, url: "http://x/users?page=0", lastStatus: nil, lastProblem: "no answer"),
        HTTPSourceError.bodyTooLarge(url: "http://x/users?page=0", limit: 1_000),
        HTTPSourceError.requestFailed(url: "http://x/users?page=0", reason: "no route"),
    ])
    func adviceInUserTerms(error: HTTPSourceError) {
        for name in ["HTTPUserSource", "HTTPRetryPolicy", "maxAttempts", "requestTimeout", "maximumBodySize", "configuration"] {
            #expect(!error.description.contains(name), "\(error.description)")
        }
    }
}

import DurableRuntime
import DurableTesting
import ELT
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// The dashboard's pages in-process: rows, steps, children, paging, the rows fragment, the 404
/// page, escaping, and the login when the admin port has a token.
@Suite("Dashboard")
struct DashboardTests {
    /// Inserts `records` straight into the harness's journal.
    static func insert(_ runtime: WorkflowRuntime, _ records: [WorkflowRecord]) async throws {
        _ = try await runtime.journal.backend.commit(records.map { .insertWorkflow($0) })
    }

    static func record(
        _ id: String, name: String = "imported", status: WorkflowStatus = .success, parent: String? = nil, at time: Int64,
        error: String? = nil
    ) -> WorkflowRecord {
        WorkflowRecord(id: id, name: name, status: status, inputJSON: #"{"n":1}"#, outputJSON: status == .success ? "2" : nil,
                       errorJSON: error, queueName: "elt_queue", parentID: parent, createdAt: time, updatedAt: time + 5)
    }

    static func html(_ response: TestResponse) -> String { String(buffer: response.body) }

    /// The ids of the workflow rows of a list page, in order.
    static func rowIDs(_ html: String) -> [String] {
        html.matches(of: /<tr data-workflow-id="([^"]*)"/).map { String($0.output.1) }
    }

    @Test("the pages render: the list with status cells, a workflow's steps, children tree and timeline, queues, executors, tenants",
          arguments: JournalKind.available)
    func pagesRender(kind: JournalKind) async throws {
        try await AdminAPIHarness(kind).withAdminAPI { runtime, client in
            _ = try await runtime.run(EchoSteps.self, id: "echo-1", input: "hello")
            // Older than echo-1 by construction, however slowly the machine runs the test.
            let now = try await runtime.existingWorkflow(id: "echo-1").createdAt
            try await Self.insert(runtime, [
                Self.record("parent-1", name: "root_orchestration_workflow", status: .pending, at: now - 3_000),
                Self.record("child-1", name: "elt_pipeline_workflow", parent: "parent-1", at: now - 2_000),
                Self.record("grandchild-1", name: "extract_and_load_workflow", parent: "child-1", at: now - 1_500),
            ])

            let root = try await client.execute(uri: "/", method: .get)
            #expect(root.status == .found && root.headers[.location] == "/workflows")

            let list = try await client.execute(uri: "/workflows", method: .get)
            #expect(list.status == .ok)
            #expect(list.headers[.contentType] == "text/html; charset=utf-8")
            let listHTML = Self.html(list)
            #expect(listHTML.contains(#"<table id="workflows""#))
            #expect(Self.rowIDs(listHTML) == ["echo-1", "parent-1"], "top-level only, newest first")
            #expect(listHTML.contains(#"<td class="status"><span class="badge status-success">SUCCESS</span>"#))
            #expect(listHTML.contains(#"data-live="true""#), "parent-1 is PENDING")
            #expect(listHTML.contains(#"href="/workflows">Workflows</a>"#) || listHTML.contains(#"href="/workflows" class="current">Workflows</a>"#))
            let all = Self.html(try await client.execute(uri: "/workflows?all=true", method: .get))
            #expect(Set(Self.rowIDs(all)) == ["parent-1", "child-1", "grandchild-1", "echo-1"])

            let echo = try await client.execute(uri: "/workflows/echo-1", method: .get)
            #expect(echo.status == .ok)
            let echoHTML = Self.html(echo)
            #expect(echoHTML.contains(#"<table id="steps""#))
            #expect(echoHTML.contains(#"<tr data-step="1"><td>1</td><td>first</td>"#))
            #expect(echoHTML.contains(#"<tr data-step="2"><td>2</td><td>second</td>"#))
            #expect(echoHTML.contains(#"<svg id="timeline""#))
            #expect(echoHTML.matches(of: /<g class="bar step">/).count == 2)
            #expect(echoHTML.contains("&quot;hello!&quot;"), "the output, pretty-printed and escaped")
            #expect(echoHTML.contains(#"id="resume""#) == false && echoHTML.contains(#"id="cancel""#) == false, "SUCCESS: neither")
            #expect(echoHTML.contains(#"<button id="fork""#) && echoHTML.contains(#"<option value="2">"#))

            let parentHTML = Self.html(try await client.execute(uri: "/workflows/parent-1", method: .get))
            #expect(parentHTML.contains(#"<button id="cancel" data-api="/api/workflows/parent-1""#))
            #expect(parentHTML.contains(#"<ul class="tree" id="children"><li data-workflow-id="child-1"><a href="/workflows/child-1">"#))
            #expect(parentHTML.contains(#"<li data-workflow-id="grandchild-1">"#), "recursively")
            #expect(parentHTML.contains(#"<g class="bar child">"#), "the child on the timeline")
            let childHTML = Self.html(try await client.execute(uri: "/workflows/child-1", method: .get))
            #expect(childHTML.contains(#"<a id="parent" href="/workflows/parent-1">parent-1</a>"#))

            let queues = try await client.execute(uri: "/queues", method: .get)
            #expect(queues.status == .ok && Self.html(queues).contains(#"<table id="queues""#))
            let executors = try await client.execute(uri: "/executors", method: .get)
            #expect(executors.status == .ok && Self.html(executors).contains(#"<table id="executors""#))
            let tenants = Self.html(try await client.execute(uri: "/tenants", method: .get))
            #expect(tenants.contains(#"id="no-store""#), "no data store: said so")

            let script = try await client.execute(uri: "/assets/dashboard.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(script.headers[.cacheControl] == "public, max-age=86400")
            #expect(!String(buffer: script.body).contains("innerHTML"))
            let style = try await client.execute(uri: "/assets/dashboard.css", method: .get)
            #expect(style.status == .ok && style.headers[.contentType] == "text/css; charset=utf-8")
        }
    }

    @Test("filters and paging: 50 a page with next and previous links, status and name filters, the rows fragment")
    func filtersAndPaging() async throws {
        try await AdminAPIHarness().withAdminAPI { runtime, client in
            let now = journalTimestamp()
            var records: [WorkflowRecord] = []
            for index in 0..<120 {
                let failed = index % 3 == 0
                let name = index % 2 == 0 ? "alpha" : "beta"
                let time: Int64 = now - 200_000 + Int64(index) * 1_000
                records.append(Self.record(String(format: "w-%03d", index), name: name, status: failed ? .error : .success, at: time,
                                           error: failed ? #"{"type":"x","message":"boom"}"# : nil))
            }
            try await Self.insert(runtime, records)
            let first = Self.html(try await client.execute(uri: "/workflows", method: .get))
            #expect(Self.rowIDs(first) == (70..<120).reversed().map { String(format: "w-%03d", $0) })
            #expect(first.contains(#"<a id="next" href="/workflows?page=2">"#))
            #expect(!first.contains(#"id="previous""#))
            #expect(first.contains(#"data-live="false""#))
            let third = Self.html(try await client.execute(uri: "/workflows?page=3", method: .get))
            #expect(Self.rowIDs(third) == (0..<20).reversed().map { String(format: "w-%03d", $0) })
            #expect(third.contains(#"<a id="previous" href="/workflows?page=2">"#) && !third.contains(#"id="next""#))

            let errors = Self.html(try await client.execute(uri: "/workflows?status=ERROR&name=&queue=", method: .get))
            #expect(Self.rowIDs(errors) == (0..<120).reversed().filter { $0 % 3 == 0 }.prefix(40).map { String(format: "w-%03d", $0) })
            #expect(errors.contains(#"<option value="ERROR" selected>"#))
            let betaErrors = Self.html(try await client.execute(uri: "/workflows?status=ERROR&name=beta&page=1", method: .get))
            #expect(Self.rowIDs(betaErrors) == (0..<120).reversed().filter { $0 % 6 == 3 }.map { String(format: "w-%03d", $0) })
            #expect(betaErrors.contains(#"value="beta""#))

            let fragment = try await client.execute(uri: "/workflows?status=ERROR&fragment=rows", method: .get)
            let fragmentHTML = Self.html(fragment)
            #expect(fragment.status == .ok)
            #expect(fragmentHTML.hasPrefix(#"<tbody id="workflow-rows" data-live="false">"#), "\(fragmentHTML.prefix(80))")
            #expect(!fragmentHTML.contains("<html") && !fragmentHTML.contains("<nav"))
            #expect(Self.rowIDs(fragmentHTML).count == 40)

            try await runtime.enqueue(EchoSteps.self, queue: ELTPipeline.runQueueName, id: "waiting", input: "x")
            let live = Self.html(try await client.execute(uri: "/workflows?fragment=rows", method: .get))
            #expect(live.hasPrefix(#"<tbody id="workflow-rows" data-live="true">"#))

            let bad = try await client.execute(uri: "/workflows?status=NOPE", method: .get)
            #expect(bad.status == .badRequest && Self.html(bad).contains("filter status=NOPE is invalid"))
        }
    }

    @Test("an unknown workflow is a 404 page; ids with / ? and spaces round-trip through the links")
    func notFoundAndEncodedIDs() async throws {
        try await AdminAPIHarness().withAdminAPI { runtime, client in
            let missing = try await client.execute(uri: "/workflows/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "text/html; charset=utf-8")
            #expect(Self.html(missing).contains("There is no workflow with the id nope."))

            let id = "a/b?c#d%e f-é"
            _ = try await runtime.run(EchoSteps.self, id: id, input: "reserved")
            _ = try await runtime.run(EchoSteps.self, id: "a", input: "decoy")
            let list = Self.html(try await client.execute(uri: "/workflows", method: .get))
            let href = try #require(list.firstMatch(of: /<a href="(\/workflows\/a%2F[^"]*)"/)?.output.1)
            #expect(href == "/workflows/a%2Fb%3Fc%23d%25e%20f-%C3%A9")
            let page = try await client.execute(uri: String(href), method: .get)
            #expect(page.status == .ok)
            #expect(Self.html(page).contains(#"<h1 class="workflow-id">a/b?c#d%e f-é</h1>"#))
            #expect(Self.html(page).contains("&quot;reserved&quot;"))
            #expect(Self.html(page).contains(#"data-api="/api/workflows/a%2Fb%3Fc%23d%25e%20f-%C3%A9""#))
        }
    }

    @Test("a script in an id and markup in an error message appear only escaped", arguments: JournalKind.available)
    func escapesEverything(kind: JournalKind) async throws {
        try await AdminAPIHarness(kind).withAdminAPI { runtime, client in
            let id = "<script>alert(1)</script>"
            let error = #"{"type":"x","message":"<img src=x onerror=alert(1)>"}"#
            let now = journalTimestamp()
            try await Self.insert(runtime, [
                Self.record(id, name: "<b>name</b>", status: .error, at: now, error: error),
                Self.record("child\"'<>", name: "x", parent: id, at: now + 1),
            ])
            _ = try await runtime.journal.backend.commit([.recordStep(StepRecord(
                workflowID: id, stepNumber: 1, name: "<i>step</i>", outputJSON: nil, errorJSON: error, childWorkflowID: nil,
                startedAt: now, completedAt: now + 3, attempts: 1))])
            for path in ["/workflows", "/workflows?all=true", "/workflows/" + DashboardRoutes.pathSegment(id), "/queues", "/executors"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .ok, "\(path)")
                let html = Self.html(response)
                #expect(!html.contains("<script>alert"), "\(path)")
                #expect(!html.contains("<img"), "\(path)")
                #expect(!html.contains("<b>name") && !html.contains("<i>step"), "\(path)")
                #expect(!html.contains("child\"'"), "\(path)")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            }
            let page = Self.html(try await client.execute(uri: "/workflows/" + DashboardRoutes.pathSegment(id), method: .get))
            #expect(page.contains("<h1 class=\"workflow-id\">&lt;script&gt;alert(1)&lt;/script&gt;</h1>"))
            #expect(page.contains("&lt;img src=x onerror=alert(1)&gt;"), "the error message, escaped")
            #expect(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt; · elt</title>"))
            #expect(page.contains("child&quot;&#39;&lt;&gt;"))
            let list = Self.html(try await client.execute(uri: "/workflows", method: .get))
            #expect(list.contains(#"<tr data-workflow-id="&lt;script&gt;alert(1)&lt;/script&gt;">"#))
            #expect(list.contains(#"href="/workflows/%3Cscript%3Ealert%281%29%3C%2Fscript%3E""#))
        }
    }

    @Test("with a token: pages redirect to /login, a wrong token is 401, the right one's cookie opens pages and API posts, logout closes it")
    func sessionLogin() async throws {
        var harness = try AdminAPIHarness(adminToken: "s3cret-token")
        harness.workQueues = true
        try await harness.withAdminAPI { runtime, client in
            try await runtime.enqueue(EchoSteps.self, queue: ELTPipeline.runQueueName, id: "queued-1", input: "x")
            let page = try await client.execute(uri: "/workflows", method: .get)
            #expect(page.status == .found && page.headers[.location] == "/login")
            let api = try await client.execute(uri: "/api/workflows", method: .get)
            #expect(api.status == .unauthorized)
            #expect(try errorDetail(api).message.contains("bearer token"))
            let bearer = try await client.execute(uri: "/api/workflows", method: .get, headers: [.authorization: "Bearer s3cret-token"])
            #expect(bearer.status == .ok)
            let asset = try await client.execute(uri: "/assets/dashboard.css", method: .get)
            #expect(asset.status == .ok, "assets need no login")

            let form = try await client.execute(uri: "/login", method: .get)
            #expect(form.status == .ok && Self.html(form).contains(#"<input type="password" name="token""#))
            let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let wrong = try await client.execute(uri: "/login", method: .post, headers: formHeaders, body: ByteBuffer(string: "token=s3cret"))
            #expect(wrong.status == .unauthorized)
            #expect(Self.html(wrong).contains(#"id="login-error""#) && Self.html(wrong).contains(#"name="token""#))
            #expect(wrong.headers[.setCookie] == nil)

            let right = try await client.execute(uri: "/login", method: .post, headers: formHeaders, body: ByteBuffer(string: "token=s3cret-token"))
            #expect(right.status == .found && right.headers[.location] == "/workflows")
            let setCookie = try #require(right.headers[.setCookie])
            let session = try #require(setCookie.firstMatch(of: /^elt_session=([0-9a-f]{64});/)?.output.1, "\(setCookie)")
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict") && setCookie.contains("Path=/"), "\(setCookie)")
            let cookie: HTTPFields = [.cookie: "elt_session=\(session)"]

            let withCookie = try await client.execute(uri: "/workflows", method: .get, headers: cookie)
            #expect(withCookie.status == .ok && Self.rowIDs(Self.html(withCookie)) == ["queued-1"])
            #expect(Self.html(withCookie).contains(#"action="/logout""#))
            let detail = try await client.execute(uri: "/workflows/queued-1", method: .get, headers: cookie)
            #expect(detail.status == .ok)
            // A change with the cookie alone (what a cross-site form could send) is refused.
            let forgedChange = try await client.execute(uri: "/api/workflows/queued-1/cancel", method: .post, headers: cookie)
            #expect(forgedChange.status == .forbidden, "\(String(buffer: forgedChange.body))")
            #expect(try await runtime.workflow(id: "queued-1")?.status == .enqueued)
            var fromDashboard = cookie
            fromDashboard[BearerTokenMiddleware<BasicRequestContext>.dashboardHeader] = "1"
            let cancel = try await client.execute(uri: "/api/workflows/queued-1/cancel", method: .post, headers: fromDashboard)
            #expect(cancel.status == .ok, "\(String(buffer: cancel.body))")
            #expect(try await runtime.workflow(id: "queued-1")?.status == .cancelled)
            let forged = try await client.execute(uri: "/workflows", method: .get, headers: [.cookie: "elt_session=" + String(repeating: "0", count: 64)])
            #expect(forged.status == .found)

            let logout = try await client.execute(uri: "/logout", method: .post, headers: cookie)
            #expect(logout.status == .found && logout.headers[.location] == "/login")
            let after = try await client.execute(uri: "/workflows", method: .get, headers: cookie)
            #expect(after.status == .found && after.headers[.location] == "/login")
            let apiAfter = try await client.execute(uri: "/api/workflows/queued-1/resume", method: .post, headers: fromDashboard)
            #expect(apiAfter.status == .unauthorized)
        }
    }
}

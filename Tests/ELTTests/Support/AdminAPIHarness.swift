import DurableRuntime
import DurableTesting
import ELT
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ELTServer

/// Two steps that echo their input: a workflow with recorded steps, whatever its id.
struct EchoSteps: Workflow {
    static let name = "echo_steps"

    func run(context: WorkflowContext, input: String) async throws -> String {
        let first = try await context.step("first") { input }
        return try await context.step("second") { first + "!" }
    }
}

/// The server's routers in-process (HummingbirdTesting), around a runtime on a temporary
/// journal: ``EchoSteps`` registered, no queue workers (a workflow enqueued stays `ENQUEUED`).
struct AdminAPIHarness {
    let journal: TemporaryJournal
    /// The admin token the routers require (admin API) or accept (full health view).
    var adminToken: String?
    /// What the journal description in the full health view says.
    var journalLocation = "/tmp/elt-test/system.sqlite"
    /// Everything the application logged.
    let logs = RecordingLogHandler.Recorder()
    /// The queues `GET /api/queues` lists, and whether the runtime works them (false: the
    /// routes get a client of the journal alone, which lists them; nothing dequeues).
    var workQueues = true
    var queues: [WorkflowQueue] = []
    /// The data store `/api/integrations` serves; without one those routes are not mounted.
    var dataStore: (any DataStore)?

    init(_ kind: JournalKind = .sqlite, adminToken: String? = nil) throws {
        journal = try TemporaryJournal(kind)
        self.adminToken = adminToken
    }

    /// Runs `body` against the admin port's router.
    func withAdminAPI<T: Sendable>(
        _ setup: TestingSetup = .router, _ body: @Sendable (WorkflowRuntime, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await withRouter(setup, {
            ELTServer.adminRouter(runtime: $0, client: $1, journal: journalLocation, adminToken: adminToken, store: dataStore)
        }, body)
    }

    /// Runs `body` against the health port's router.
    func withHealthEndpoint<T: Sendable>(
        _ setup: TestingSetup = .router, _ body: @Sendable (WorkflowRuntime, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await withRouter(setup, { runtime, _ in ELTServer.healthRouter(runtime: runtime, journal: journalLocation, adminToken: adminToken) }, body)
    }

    private func withRouter<T: Sendable>(
        _ setup: TestingSetup, _ makeRouter: @Sendable (WorkflowRuntime, DurableClient) -> Router<ServerRequestContext>,
        _ body: @Sendable (WorkflowRuntime, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let runtime = WorkflowRuntime(
            backend: try journal.open(), configuration: RuntimeConfiguration(executorID: "admin-test", queues: workQueues ? queues : []))
        runtime.register(EchoSteps())
        let logger = logs.logger(label: "elt-admin", level: .info)
        let queues = queues
        let workQueues = workQueues
        return try await runtime.withRunning { runtime in
            var client = ELTManagement.client(of: runtime)
            if !workQueues {
                client = DurableClient(backend: runtime.journal.backend, defaultQueue: ELTManagement.defaultQueue, queues: queues)
                try await client.journal.open()
            }
            let application = Application(router: makeRouter(runtime, client), logger: logger)
            return try await application.test(setup) { client in try await body(runtime, client) }
        }
    }
}

/// Every byte of `id` but the unreserved ASCII letters, digits, `-`, `_` and `~` as `%XX`: how
/// a client puts any id into one path segment.
func pathEncoded(_ id: String) -> String {
    let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~")
    return id.addingPercentEncoding(withAllowedCharacters: unreserved)!
}

/// A response body as a JSON object.
func jsonObject(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any], "\(String(buffer: response.body))")
}

/// The `error` object of an error response: its `message` and `request_id`.
func errorDetail(_ response: TestResponse) throws -> (message: String, requestID: String) {
    let error = try #require(try jsonObject(response)["error"] as? [String: Any], "\(String(buffer: response.body))")
    return (try #require(error["message"] as? String), try #require(error["request_id"] as? String))
}

import DurableRuntime
import DurableTesting
import ELT
import Testing
@testable import ELTServer

/// A stand-in for the pipeline's root: ends as the test says, under the root's name.
private struct FakeRoot: Workflow {
    static let name = RootOrchestrationWorkflow.name
    struct Failure: Error, CustomStringConvertible { var description: String { "2 pipeline(s) failed: org-001 (r-3): boom" } }

    func run(context: WorkflowContext, input: Bool) async throws -> RootResult {
        guard input else { throw Failure() }
        var result = RootResult()
        result.integrations = 2
        result.usersStaged = 2_000
        return result
    }
}

/// What `elt-server` logs when a pipeline run ends (issue: a failed run left no trace in the
/// server's log).
@Suite("Pipeline run outcomes in the server's log")
struct RunOutcomeLogTests {
    @Test("a run that ends is logged: finished at notice with its counts, failed at error with its message")
    func outcomes() async throws {
        let logs = RecordingLogHandler.Recorder()
        let journal = try TemporaryJournal(.sqlite)
        var configuration = RuntimeConfiguration()
        configuration.interceptors = [RunOutcomeLog(logger: logs.logger())]
        let runtime = WorkflowRuntime(backend: try journal.open(), configuration: configuration)
        runtime.register(FakeRoot())
        try await runtime.withRunning { runtime in
            _ = try await runtime.run(FakeRoot.self, id: "ok", input: true)
            await #expect(throws: WorkflowError.self) { try await runtime.run(FakeRoot.self, id: "bad", input: false) }
        }
        let finished = try #require(logs.logged.first { $0.message == "pipeline run finished" })
        #expect(finished.level == .notice && finished.metadata["workflow_id"] == "ok")
        #expect(finished.metadata["integrations"] == "2" && finished.metadata["users_staged"] == "2000")
        let failed = try #require(logs.logged.first { $0.message.hasPrefix("pipeline run failed") })
        #expect(failed.level == .error && failed.metadata["workflow_id"] == "bad")
        #expect(failed.metadata["error"] == "2 pipeline(s) failed: org-001 (r-3): boom", "\(failed.metadata)")
        #expect(logs.logged.count == 2, "one line per run: \(logs.logged.map(\.message))")
    }
}

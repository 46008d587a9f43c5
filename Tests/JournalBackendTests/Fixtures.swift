import DurableRuntime
import Testing

/// Builds a workflow row for tests.
func workflow(
    _ id: String, status: WorkflowStatus = .pending, name: String = "pipeline", executor: String? = "exec-a",
    queue: String? = nil, dedup: String? = nil, priority: Int = 0, parent: String? = nil,
    attempts: Int = 0, maxAttempts: Int = 100, createdAt: Int64 = 1_000
) -> WorkflowRecord {
    WorkflowRecord(
        id: id, name: name, status: status, inputJSON: #"{"id":"\#(id)"}"#, executorID: executor, queueName: queue,
        recoveryAttempts: attempts, maxRecoveryAttempts: maxAttempts, deduplicationID: dedup, priority: priority,
        parentID: parent, createdAt: createdAt, updatedAt: createdAt)
}

/// Builds a step row for tests.
func step(_ workflowID: String, _ number: Int, output: String? = "1", child: String? = nil) -> StepRecord {
    StepRecord(
        workflowID: workflowID, stepNumber: number, name: "step\(number)", outputJSON: output,
        childWorkflowID: child, startedAt: 2_000 + Int64(number), completedAt: 3_000 + Int64(number))
}

extension JournalBackend {
    /// Inserts rows in one commit, expecting each to be new.
    func insert(_ records: WorkflowRecord...) async throws {
        let result = try await commit(records.map { .insertWorkflow($0) })
        #expect(result.results.allSatisfy { $0 == .workflowInserted }, "fixture rows already exist: \(result)")
    }
}

import DurableRuntime
import Testing

@Suite("Workflow error text")
struct WorkflowErrorTextTests {
    @Test("a descendant's failure carried up through its parents is named once, by the workflow that failed")
    func nestedFailureNamedOnce() {
        let cause = RecordedError(type: "ELT.SourceError", message: "HTTP 503 from the source")
        let failed = WorkflowError.failed(workflowID: "a-3-2", error: cause)
        let parent = WorkflowError.failed(workflowID: "a-3", error: RecordedError(failed))
        let root = WorkflowError.failed(workflowID: "a", error: RecordedError(parent))
        #expect(parent.description == "workflow a-3-2 failed: HTTP 503 from the source")
        #expect(root.description == "workflow a-3-2 failed: HTTP 503 from the source")
        // A workflow whose id does not extend the failed one's (a chosen child id) keeps its name.
        let unrelated = WorkflowError.failed(workflowID: "b", error: RecordedError(failed))
        #expect(unrelated.description == "workflow b failed: workflow a-3-2 failed: HTTP 503 from the source")
        // Another type's message that happens to start the same way is not taken for a failure.
        let lookalike = WorkflowError.failed(workflowID: "a", error: RecordedError(type: "App.Error", message: "workflow a-1 looked odd"))
        #expect(lookalike.description == "workflow a failed: workflow a-1 looked odd")
    }
}

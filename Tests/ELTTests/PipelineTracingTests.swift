import DurableObservability
import DurableRuntime
import ELT
import InMemoryTracing
import Testing
import Tracing

/// The span tree of one pipeline under `WorkflowTracing` (issue 15, item 3).
@Suite("Pipeline tracing")
struct PipelineTracingTests {
    /// The spans as an indented tree, children in start order; repeated siblings folded as `name ×N`.
    static func tree(_ spans: [FinishedInMemorySpan]) -> [String] {
        let children = Dictionary(grouping: spans, by: { $0.parentSpanID ?? "" })
        func lines(_ parentID: String, depth: Int) -> [String] {
            let kids = (children[parentID] ?? []).sorted { $0.startInstant.nanosecondsSinceEpoch < $1.startInstant.nanosecondsSinceEpoch }
            var out: [String] = []
            var index = 0
            while index < kids.count {
                var run = 1
                // Fold identical leaf siblings (a batch's 10 page fetches).
                while index + run < kids.count, kids[index + run].operationName == kids[index].operationName,
                      children[kids[index].spanID] == nil, children[kids[index + run].spanID] == nil { run += 1 }
                out.append(String(repeating: "  ", count: depth) + kids[index].operationName + (run > 1 ? " ×\(run)" : ""))
                if run == 1 { out += lines(kids[index].spanID, depth: depth + 1) }
                index += run
            }
            return out
        }
        return lines("", depth: 0)
    }

    @Test("one pipeline's spans: the pipeline under its start span, its steps and stage workflows under it, batches under the extraction")
    func pipelineSpanTree() async throws {
        let tracer = InMemoryTracer()
        let harness = try await PipelineHarness(.sqlite, integrations: 1)
        let integration = try await harness.integrations()[0]
        let runtime = try harness.makeRuntime(interceptor: WorkflowTracing(tracer: tracer))
        _ = try await runtime.withRunning { runtime in
            try await runtime.run(ELTPipelineWorkflow.self, id: "traced", input: PipelineHarness.pipelineInput(integration, numBatches: 2))
        }
        let spans = tracer.finishedSpans
        #expect(Set(spans.map(\.traceID)).count == 1)
        let tree = Self.tree(spans)
        print("span tree of one pipeline (2 batches):\n" + tree.joined(separator: "\n"))
        #expect(tree == [
            "start elt_pipeline_workflow",
            "  elt_pipeline_workflow",
            "    load_connected_integration",
            "    resolve_source",
            "    register_run",
            "    extract_and_load_workflow",
            "      load_connected_integration",
            "      extract_and_load_batch_workflow",
            "        fetch_users_from_api ×10",
            "        insert_users_to_staging",
            "      extract_and_load_batch_workflow",
            "        fetch_users_from_api ×10",
            "        insert_users_to_staging",
            "    cdc_detection_workflow",
            "      detect_changes",
            "    apply_to_latest_workflow",
            "      apply_changes",
            "    sync_to_postgres_workflow",
            "      sync_changes",
        ])
    }
}

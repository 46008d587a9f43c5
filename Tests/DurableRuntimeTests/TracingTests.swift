import DurableObservability
import DurableRuntime
import DurableTesting
import InMemoryTracing
import Testing
import Tracing

/// `WorkflowTracing` with an in-memory tracer (issue 15, item 3).
@Suite("Workflow tracing")
struct TracingTests {
    /// A span attribute's value as text.
    static func attribute(_ span: FinishedInMemorySpan?, _ key: String) -> String? {
        guard let value = span?.attributes[key]?.toSpanAttribute() else { return nil }
        switch value {
        case .string(let text): return text
        case .int64(let number): return "\(number)"
        case .int32(let number): return "\(number)"
        case .bool(let flag): return "\(flag)"
        case .double(let number): return "\(number)"
        default: return "\(value)"
        }
    }

    /// Each finished span as `name ← parent name`, in start order of their parents' lines.
    static func edges(_ spans: [FinishedInMemorySpan]) -> [String] {
        let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        return spans.map { span in "\(span.operationName) ← \(span.parentSpanID.flatMap { byID[$0]?.operationName } ?? "-")" }
    }

    @Test("a span per execution and per step attempt: steps under their workflow, an inline and a queued child under the parent, one trace",
          arguments: JournalKind.available)
    func spanTree(kind: JournalKind) async throws {
        let tracer = InMemoryTracer()
        let harness = try RuntimeHarness(kind)
        let runtime = try harness.runtime(queues: [WorkflowQueue("observed", globalConcurrency: 1)], queuePollInterval: .milliseconds(20),
                                          interceptors: [WorkflowTracing(tracer: tracer)],
                                          register: { $0.register(ObservedParent(failures: 1)) })
        _ = try await withRunning(runtime) { runtime in
            let output = try await runtime.run(ObservedParent.self, id: "p", input: 1)
            // The handle reads the committed outcome from the journal: wait for the parent's
            // execution (its span) to end before the runtime is stopped.
            let deadline = ContinuousClock.now + .seconds(10)
            while !tracer.finishedSpans.contains(where: { $0.operationName == "observed_parent" }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            return output
        }
        let spans = tracer.finishedSpans
        #expect(Set(spans.map(\.traceID)).count == 1, "one trace: \(Self.edges(spans))")
        let edges = Self.edges(spans)
        for edge in [
            "start observed_parent ← -", "observed_parent ← start observed_parent", "flaky ← observed_parent",
            "doubling_child ← observed_parent", "double ← doubling_child", "increment ← doubling_child",
        ] {
            #expect(edges.contains(edge), "\(edge) in \(edges)")
        }
        #expect(edges.filter { $0 == "doubling_child ← observed_parent" }.count == 2, "the inline and the queued child: \(edges)")
        let expectedCount = 1 + 1 + 2 + 2 * 3 // start, parent, 2 attempts of flaky, 2 children with 2 steps each
        #expect(spans.count == expectedCount, "\(edges)")
        let attempts = spans.filter { $0.operationName == "flaky" }.sorted { (Self.attribute($0, "step.attempt") ?? "") < (Self.attribute($1, "step.attempt") ?? "") }
        #expect(attempts.map { Self.attribute($0, "step.attempt") } == ["1", "2"])
        #expect(attempts.first?.status?.code == .error && attempts.first?.errors.count == 1)
        #expect(attempts.last?.status == nil)
        let parent = try #require(spans.first { $0.operationName == "observed_parent" })
        #expect(Self.attribute(parent, "workflow.id") == "p")
        #expect(Self.attribute(parent, "workflow.status") == "SUCCESS")
        #expect(Self.attribute(parent, "executor.id") == "local")
        let queued = try #require(spans.first { Self.attribute($0, "workflow.id") == "p-3" && $0.operationName == "doubling_child" })
        #expect(Self.attribute(queued, "workflow.origin") == "dequeued")
        let step = try #require(spans.first { $0.operationName == "double" })
        #expect(Self.attribute(step, "step.number") == "1")
    }

    @Test("a workflow recovered after a crash continues its original trace", arguments: JournalKind.available)
    func recoveredJoinsTrace(kind: JournalKind) async throws {
        let tracer = InMemoryTracer()
        let harness = try RuntimeHarness(kind)
        // Checkpoints: 1 the row, 2 and 3 the first two steps; after 3 is durable the process dies.
        let crashing = try harness.runtime(interceptors: [WorkflowTracing(tracer: tracer), CrashInjector(atCheckpoint: 3, moment: .afterCommit)])
        try await runUntilCrash(crashing) { runtime in
            _ = try await runtime.run(SequentialSteps.self, id: "s", input: 3)
        }
        let before = tracer.finishedSpans
        let original = try #require(before.first { $0.operationName == "sequential_steps" })
        tracer.clearFinishedSpans()

        let recovered = try harness.runtime(interceptors: [WorkflowTracing(tracer: tracer)])
        _ = try await withRunning(recovered) { try await $0.run(SequentialSteps.self, id: "s", input: 3) }
        let after = tracer.finishedSpans
        let resumed = try #require(after.first { $0.operationName == "sequential_steps" }, "\(Self.edges(after))")
        #expect(Self.attribute(resumed, "workflow.origin") == "recovered")
        #expect(resumed.traceID == original.traceID, "the recovered execution joins the original trace")
        #expect(resumed.parentSpanID == original.parentSpanID, "under the same root as the first execution")
        let step3 = try #require(after.first { $0.operationName == "step-3" })
        #expect(step3.traceID == original.traceID && step3.parentSpanID == resumed.spanID)
        #expect(!after.contains { $0.operationName == "step-1" }, "replayed steps are not attempted, so have no span")
    }
}

import DurableRuntime
import Foundation
import Instrumentation
import Tracing

/// Traces workflows and steps through swift-distributed-tracing, from the runtime's interceptor
/// seam: a span per workflow execution and per step attempt.
///
/// - A workflow span is named after the workflow (`elt_pipeline_workflow`) and carries
///   `workflow.id`, `workflow.name`, `workflow.origin` (started, recovered, dequeued),
///   `executor.id` and, at its end, `workflow.status`.
/// - A step span is named after the step (`fetch_users_from_api`) and carries `workflow.id`,
///   `workflow.name`, `step.name`, `step.number`, `step.attempt` and `executor.id`; a failed
///   attempt records its error and the error status.
/// - The trace context is stored with each workflow as the runtime inserts it
///   (``DurableRuntime/WorkflowRecord/traceContext``): a child, an enqueued workflow and a
///   workflow recovered by another process continue their creator's trace. A workflow created
///   outside any span (`elt run`'s root, a client's start) gets a short `start <name>` span as
///   its trace's root.
///
/// With no tracer bootstrapped (`InstrumentationSystem.tracer` is the no-op tracer) nothing is
/// recorded; leave the interceptor out then to pay nothing at all.
public struct WorkflowTracing<T: Tracer>: WorkflowInterceptor {
    /// Where spans go.
    public let tracer: T

    /// Traces through `tracer` (an OTLP exporter's, or `InMemoryTracer` in tests).
    public init(tracer: T) {
        self.tracer = tracer
    }

    public func interceptWorkflow(_ execution: WorkflowExecution, _ body: () async throws -> WorkflowRecord?) async throws -> WorkflowRecord? {
        let parent = execution.record.traceContext.flatMap(extract) ?? InstrumentationContext.current ?? .topLevel
        let span = tracer.startSpan(execution.workflowName, context: parent, ofKind: .internal)
        defer { span.end() }
        span.attributes["workflow.id"] = execution.workflowID
        span.attributes["workflow.name"] = execution.workflowName
        span.attributes["workflow.origin"] = execution.origin.rawValue
        span.attributes["executor.id"] = execution.executorID
        return try await InstrumentationContext.withValue(span.context) {
            do {
                let finished = try await body()
                span.attributes["workflow.status"] = finished?.status.rawValue ?? "unfinished"
                if finished?.status == .error { span.setStatus(SpanStatus(code: .error)) }
                return finished
            } catch {
                // Stopped without an outcome (shutdown, crash, takeover): it resumes elsewhere.
                span.attributes["workflow.status"] = "unfinished"
                throw error
            }
        }
    }

    public func interceptStep<V: Sendable>(_ attempt: StepAttempt, _ body: () async throws -> V) async throws -> V {
        let span = tracer.startSpan(attempt.stepName, context: InstrumentationContext.current ?? .topLevel, ofKind: .internal)
        defer { span.end() }
        span.attributes["workflow.id"] = attempt.workflowID
        span.attributes["workflow.name"] = attempt.workflowName
        span.attributes["step.name"] = attempt.stepName
        span.attributes["step.number"] = attempt.stepNumber
        span.attributes["step.attempt"] = attempt.attempt
        span.attributes["executor.id"] = attempt.executorID
        return try await InstrumentationContext.withValue(span.context) {
            do {
                return try await body()
            } catch {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error))
                throw error
            }
        }
    }

    public func traceContext(creating record: WorkflowRecord) -> String? {
        var carrier: [String: String] = [:]
        if let current = InstrumentationContext.current {
            tracer.inject(current, into: &carrier, using: DictionaryPropagation())
        }
        if carrier.isEmpty {
            // Created outside any span: this span is the root of the workflow's trace.
            let span = tracer.startSpan("start \(record.name)", context: .topLevel, ofKind: .producer)
            span.attributes["workflow.id"] = record.id
            span.attributes["workflow.name"] = record.name
            tracer.inject(span.context, into: &carrier, using: DictionaryPropagation())
            span.end()
        }
        guard !carrier.isEmpty, let data = try? JSONSerialization.data(withJSONObject: carrier, options: [.sortedKeys]) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The context stored as `json`, or nil if it holds nothing this tracer understands.
    private func extract(_ json: String) -> InstrumentationContext? {
        guard let carrier = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: String], !carrier.isEmpty else {
            return nil
        }
        var context = InstrumentationContext.topLevel
        tracer.extract(carrier, into: &context, using: DictionaryPropagation())
        return context
    }
}

/// Propagation fields in a `[String: String]` (what is stored as JSON in the journal).
struct DictionaryPropagation: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}

import DurableRuntime
import ELT
import Foundation
import Hummingbird
import NIOCore

/// The admin API: workflows (list, get, steps, cancel, resume, fork), recovery and queues. JSON
/// in and out; a bad request gets a 4xx saying what was wrong (as `{"error":{"message":…,
/// "request_id":…}}`, see ``ErrorResponseMiddleware``). Path ids are percent-decoded.
extension WorkflowView: ResponseEncodable {}

enum AdminRoutes {
    struct Workflows: ResponseEncodable {
        var workflows: [WorkflowView]
    }

    struct Steps: ResponseEncodable {
        var workflowID: String
        var steps: [StepView]
        enum CodingKeys: String, CodingKey { case workflowID = "workflow_id", steps }
    }

    struct ForkRequest: Decodable {
        var step: Int
        var newID: String?
        enum CodingKeys: String, CodingKey { case step, newID = "new_id" }
    }

    struct RecoverRequest: Decodable {
        var executorIDs: [String]
        enum CodingKeys: String, CodingKey { case executorIDs = "executor_ids" }
    }

    struct Recovered: ResponseEncodable {
        var resumed: [String]
        var requeued: [String]
        var deadLettered: [String]
        enum CodingKeys: String, CodingKey { case resumed, requeued, deadLettered = "dead_lettered" }
    }

    struct QueueView: ResponseEncodable {
        var name: String
        var globalConcurrency: Int?
        var workerConcurrency: Int?
        var depth: [String: Int]
        enum CodingKeys: String, CodingKey {
            case name, globalConcurrency = "global_concurrency", workerConcurrency = "worker_concurrency", depth
        }
    }

    struct Executors: ResponseEncodable {
        var executors: [ExecutorView]
    }

    struct Queues: ResponseEncodable {
        var queues: [QueueView]
    }

    /// The largest request body read: the bodies are a few bytes of JSON.
    static let maximumBodyBytes = 1 << 20

    static func add(to router: Router<ServerRequestContext>, runtime: WorkflowRuntime) {
        let api = router.group("api")
        // The same filters, and the same default, as `elt list`: top-level workflows unless
        // `all=true`, `parent=`, `name=`, `queue=` or `id_prefix=` (see WorkflowFilter).
        api.get("workflows") { request, _ -> Workflows in
            let pairs = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let query: WorkflowQuery
            do {
                query = try WorkflowFilter.query(pairs)
            } catch {
                throw HTTPError(.badRequest, message: String(describing: error))
            }
            return Workflows(workflows: try await runtime.listWorkflows(query).map(WorkflowView.init))
        }
        api.get("workflows/:id") { _, context -> WorkflowView in
            WorkflowView(try await existing(context, runtime))
        }
        api.get("workflows/:id/steps") { _, context -> Steps in
            let record = try await existing(context, runtime)
            return Steps(workflowID: record.id, steps: try await runtime.steps(workflowID: record.id).map(StepView.init))
        }
        api.post("workflows/:id/cancel") { _, context -> WorkflowView in
            let record = try await existing(context, runtime)
            return WorkflowView(try await runtime.cancel(id: record.id))
        }
        api.post("workflows/:id/resume") { _, context -> WorkflowView in
            let record = try await existing(context, runtime)
            return WorkflowView(try await managed { try await runtime.resume(id: record.id, queue: record.queueName ?? ELTPipeline.runQueueName) })
        }
        api.post("workflows/:id/fork") { request, context -> WorkflowView in
            let record = try await existing(context, runtime)
            let body = try await decode(ForkRequest.self, request, context, example: #"{"step": 3, "new_id": "optional-id"}"#)
            guard body.step >= 1 else { throw HTTPError(.badRequest, message: "step must be 1 or more (steps are numbered from 1)") }
            return WorkflowView(try await managed {
                try await runtime.fork(id: record.id, fromStep: body.step, newID: body.newID, queue: record.queueName ?? ELTPipeline.runQueueName)
            })
        }
        api.post("recover") { request, context -> Recovered in
            let body = try await decode(RecoverRequest.self, request, context, example: #"{"executor_ids": ["server-1"]}"#)
            guard !body.executorIDs.isEmpty else { throw HTTPError(.badRequest, message: "executor_ids is empty; name the dead executors") }
            let claim: RecoveryClaim
            do {
                claim = try await runtime.recover(executorIDs: body.executorIDs)
            } catch let error as WorkflowError {
                throw HTTPError(.badRequest, message: error.description)
            }
            return Recovered(resumed: claim.toRun.map(\.id), requeued: claim.requeued, deadLettered: claim.deadLettered)
        }
        api.get("executors") { _, _ -> Executors in
            let now = journalTimestamp()
            return Executors(executors: try await runtime.executors().map { ExecutorView($0, now: now) })
        }
        api.get("queues") { _, _ -> Queues in
            var views: [QueueView] = []
            for queue in runtime.configuration.queues {
                // Only what waits (ENQUEUED) or runs (PENDING): finished workflows are not depth.
                let depth = try await runtime.queueDepth(queue.name)
                views.append(QueueView(name: queue.name, globalConcurrency: queue.globalConcurrency, workerConcurrency: queue.workerConcurrency,
                                       depth: [WorkflowStatus.enqueued.rawValue: depth[.enqueued] ?? 0,
                                               WorkflowStatus.pending.rawValue: depth[.pending] ?? 0]))
            }
            return Queues(queues: views)
        }
    }

    private static func existing(_ context: ServerRequestContext, _ runtime: WorkflowRuntime) async throws -> WorkflowRecord {
        let id = try workflowID(context)
        guard let record = try await runtime.workflow(id: id) else {
            throw HTTPError(.notFound, message: "no workflow has the id '\(id)'")
        }
        return record
    }

    /// The `:id` path parameter, percent-decoded (a `/` in an id arrives as `%2F`, inside the one
    /// segment the route matched).
    static func workflowID(_ context: ServerRequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        do {
            return try PercentDecoding.decode(raw)
        } catch {
            throw HTTPError(.badRequest, message: "the workflow id in the path cannot be decoded: \(error.description)")
        }
    }

    /// Turns the runtime's refusals (wrong state, id taken) into 409s with their message.
    private static func managed(_ body: () async throws -> WorkflowRecord) async throws -> WorkflowRecord {
        do {
            return try await body()
        } catch let error as WorkflowError {
            switch error {
            case .invalidWorkflowID, .invalidExecutorIDs, .forkPastEnd: throw HTTPError(.badRequest, message: error.description)
            case .notFound: throw HTTPError(.notFound, message: error.description)
            default: throw HTTPError(.conflict, message: error.description)
            }
        }
    }

    static func decode<T: Decodable>(
        _ type: T.Type, _ request: Request, _ context: ServerRequestContext, example: String
    ) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: "the body is larger than \(maximumBodyBytes / 1024) KiB; send JSON like \(example)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw HTTPError(.badRequest, message: "the body must be JSON like \(example)")
        }
    }
}

import DurableRuntime
import ELT
import Foundation
import Hummingbird
import NIOCore

/// The admin API: workflows (list, start, get, steps, cancel, resume, fork), recovery, executors
/// and queues, each a call of the ``DurableClient`` (which holds every policy; the `elt` verbs
/// call the same methods). JSON in and out; a bad request gets a 4xx saying what was wrong (as
/// `{"error":{"message":…,"request_id":…}}`, see ``ErrorResponseMiddleware``: 400 bad input,
/// 404 unknown id, 409 a state that forbids it, 401 without the token). Path ids are
/// percent-decoded.
extension WorkflowView: ResponseEncodable {}
extension RecoveryView: ResponseEncodable {}

enum AdminRoutes {
    struct Workflows: ResponseEncodable {
        var workflows: [WorkflowView]
    }

    struct Steps: ResponseEncodable {
        var workflowID: String
        var steps: [StepView]
        enum CodingKeys: String, CodingKey { case workflowID = "workflow_id", steps }
    }

    struct ForkRequest: RequestBody {
        var step: Int
        var newID: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case step, newID = "new_id" }
    }

    struct RecoverRequest: RequestBody {
        var executorIDs: [String]
        enum CodingKeys: String, CodingKey, CaseIterable { case executorIDs = "executor_ids" }
    }

    /// `POST /api/workflows`: what `elt start` takes.
    struct StartRequest: RequestBody {
        var name: String
        /// The catalogue's parameters, as a JSON object of strings, numbers and booleans.
        var arguments: [String: CatalogValue]?
        var id: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case name, arguments, id }
    }

    /// A parameter's value in a start request.
    enum CatalogValue: Decodable {
        case text(String)
        case number(Double)
        case integer(Int)
        case boolean(Bool)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) { self = .boolean(value); return }
            if let value = try? container.decode(Int.self) { self = .integer(value); return }
            if let value = try? container.decode(Double.self) { self = .number(value); return }
            self = .text(try container.decode(String.self))
        }

        /// As `elt start` would take it on the command line.
        var argumentText: String {
            switch self {
            case .text(let text): text
            case .number(let number): "\(number)"
            case .integer(let integer): "\(integer)"
            case .boolean(let boolean): "\(boolean)"
            }
        }
    }

    struct Started: ResponseEncodable {
        var workflow: WorkflowView
        var existed: Bool
        var inputDiffers: Bool
        enum CodingKeys: String, CodingKey { case workflow, existed, inputDiffers = "input_differs" }
    }

    struct Executors: ResponseEncodable {
        var executors: [ExecutorView]
    }

    struct Queues: ResponseEncodable {
        var queues: [QueueView]
    }

    /// The largest request body read: the bodies are a few bytes of JSON.
    static let maximumBodyBytes = 1 << 20

    static func add(to router: Router<ServerRequestContext>, client: DurableClient) {
        let api = router.group("api")
        // The same filters, and the same default, as `elt list`: top-level workflows unless
        // `all=true`, `parent=`, `name=`, `queue=` or `id_prefix=` (see WorkflowFilter).
        api.get("workflows") { request, _ -> Workflows in
            let query = try listQuery(request)
            return Workflows(workflows: try await client.listWorkflows(query).map(WorkflowView.init))
        }
        api.post("workflows") { request, context -> EditedResponse<Started> in
            let body = try await decode(StartRequest.self, request, context, example: #"{"name": "root_orchestration_workflow", "arguments": {"num_batches": 5}, "id": "optional-id"}"#)
            let arguments = (body.arguments ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.argumentText)" }
            let started = try await client.start(catalogued: body.name, arguments: arguments, id: body.id)
            return EditedResponse(status: started.existed ? .ok : .created, response: Started(
                workflow: WorkflowView(started.record), existed: started.existed, inputDiffers: started.inputDiffers))
        }
        api.get("workflows/:id") { _, context -> WorkflowView in
            WorkflowView(try await client.existingWorkflow(id: try workflowID(context)))
        }
        api.get("workflows/:id/steps") { _, context -> Steps in
            let id = try workflowID(context)
            return Steps(workflowID: id, steps: try await StepView.steps(of: id, client: client))
        }
        api.post("workflows/:id/cancel") { request, context -> WorkflowView in
            let id = try workflowID(context)
            try await requireNoBody(request, action: "cancel")
            return WorkflowView(try await client.cancel(id: id).record)
        }
        api.post("workflows/:id/resume") { request, context -> WorkflowView in
            let id = try workflowID(context)
            try await requireNoBody(request, action: "resume")
            return WorkflowView(try await client.resume(id: id))
        }
        api.post("workflows/:id/fork") { request, context -> WorkflowView in
            let id = try workflowID(context)
            let body = try await decode(ForkRequest.self, request, context, example: #"{"step": 3, "new_id": "optional-id"}"#)
            guard body.step >= 1 else { throw HTTPError(.badRequest, message: "step must be 1 or more (steps are numbered from 1)") }
            return WorkflowView(try await client.fork(id: id, fromStep: body.step, newID: body.newID))
        }
        api.post("recover") { request, context -> RecoveryView in
            let body = try await decode(RecoverRequest.self, request, context, example: #"{"executor_ids": ["server-1"]}"#)
            return RecoveryView(try await client.recover(executorIDs: body.executorIDs))
        }
        api.get("executors") { _, _ -> Executors in
            let now = journalTimestamp()
            return Executors(executors: try await client.executors().map { ExecutorView($0, now: now) })
        }
        api.get("queues") { _, _ -> Queues in
            let now = journalTimestamp()
            return Queues(queues: try await client.queueStatistics().map { QueueView($0, now: now) })
        }
    }

    /// The listing query of `request`'s parameters (a 400 naming the bad one).
    static func listQuery(_ request: Request) throws -> WorkflowQuery {
        let pairs = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        do {
            return try WorkflowFilter.query(pairs)
        } catch {
            throw HTTPError(.badRequest, message: String(describing: error))
        }
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

    /// The status of a client's refusal: a bad request (400), an unknown id (404), or a state
    /// that forbids the action (409). Used by ``ErrorResponseMiddleware`` for every route.
    static func status(of error: WorkflowError) -> HTTPResponse.Status {
        switch error {
        case .invalidWorkflowID, .invalidExecutorIDs, .forkPastEnd: .badRequest
        case .notFound: .notFound
        default: .conflict
        }
    }

    /// The body of `request` as `T`. A body that is not JSON of that shape, or that has a key
    /// `T` does not take (a misspelt `"argumets"` would otherwise be dropped and the defaults
    /// run), is a 400 naming the problem; one over ``maximumBodyBytes`` is a 413.
    static func decode<T: RequestBody>(
        _ type: T.Type, _ request: Request, _ context: ServerRequestContext, example: String
    ) async throws -> T {
        let buffer = try await body(of: request, tooLarge: "the body is larger than \(maximumBodyBytes / 1024) KiB; send JSON like \(example)")
        let data = Data(buffer.readableBytesView)
        if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            let known = T.CodingKeys.allCases.map(\.stringValue)
            let unknown = object.keys.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty {
                let names = unknown.map { "'\($0)'" }.joined(separator: ", ")
                throw HTTPError(.badRequest, message: """
                    the body has \(unknown.count == 1 ? "a key" : "keys") this route does not take: \(names); \
                    it takes \(known.joined(separator: ", ")) (JSON like \(example))
                    """)
            }
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw HTTPError(.badRequest, message: Self.problem(error) + " (JSON like \(example))")
        } catch {
            throw HTTPError(.badRequest, message: "the body must be JSON like \(example)")
        }
    }

    /// The body of `request`, at most ``maximumBodyBytes``; a longer one is a 413 saying `tooLarge`.
    private static func body(of request: Request, tooLarge: String) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw HTTPError(.contentTooLarge, message: tooLarge)
        }
    }

    /// Refuses a body on a route that takes none (cancel, resume): a caller who sends options
    /// (`{"force": true}`, `{"step": 3}` meant for fork) must learn that none was applied. No
    /// body, whitespace, or `{}` is taken.
    static func requireNoBody(_ request: Request, action: String) async throws {
        let buffer = try await body(of: request, tooLarge: "\(action) takes no body; send none, or {}")
        let text = String(decoding: buffer.readableBytesView, as: UTF8.self).filter { !$0.isWhitespace }
        guard text.isEmpty || text == "{}" else {
            throw HTTPError(.badRequest, message: "\(action) takes no body (it has no options); send none, or {}")
        }
    }

    /// What is wrong with a body, naming the key: a missing one, or one of the wrong JSON type.
    static func problem(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ last: (any CodingKey)? = nil) -> String {
            let keys = (context.codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : "\"" + keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[") + "\""
        }
        func kind(_ type: Any.Type) -> String {
            switch type {
            case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
            case is Double.Type, is Float.Type: "a number"
            case is Bool.Type: "true or false"
            case is String.Type: "a string"
            case is [String: Any].Type, is [String: String].Type: "an object"
            default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
            }
        }
        switch error {
        case let .keyNotFound(key, context):
            return "the body lacks \(path(context, key))"
        case let .typeMismatch(type, context):
            return "\(path(context)) must be \(kind(type))"
        case let .valueNotFound(type, context):
            return "\(path(context)) is null; it must be \(kind(type))"
        case .dataCorrupted:
            return "the body is not JSON of the right shape"
        @unknown default:
            return "the body is not JSON of the right shape"
        }
    }
}

/// A request body of the admin API: its keys are its `CodingKeys`, and no other key is taken.
protocol RequestBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
}

import DurableRuntime

/// The pipeline's management policy, in one place: which queue a client's start, resume and
/// fork use, and which queues a client reports. Every `elt` verb, the admin API and the
/// dashboard get their ``DurableClient`` from here.
public enum ELTManagement {
    /// Where `elt start`, `POST /api/workflows`, a resume or a fork put a workflow that names no
    /// queue and has none of its own: `elt_run_queue`, which every `elt-server` works.
    public static let defaultQueue = ELTPipeline.runQueueName
    /// The pipeline's queues: `elt_queue` (the seed's, concurrency 5) and `elt_run_queue`.
    public static let queues = [ELTPipeline.queue, ELTPipeline.runQueue]

    /// The management client of a worker runtime's journal (`elt-server`'s).
    public static func client(of runtime: WorkflowRuntime) -> DurableClient {
        runtime.client(defaultQueue: defaultQueue)
    }

    /// Runs `body` with a client of `backend` alone, no worker (the `elt` verbs).
    public static func withClient<T: Sendable>(backend: any JournalBackend, _ body: @Sendable (DurableClient) async throws -> T) async throws -> T {
        try await DurableClient.withClient(backend: backend, defaultQueue: defaultQueue, queues: queues, body)
    }
}

extension DurableClient {
    /// Enqueues the catalogued workflow `name` (see ``WorkflowCatalog``) with `key=value`
    /// arguments, checked against its parameters first (a ``CatalogError`` says what is wrong,
    /// and nothing is enqueued), on the client's default queue.
    public func start(catalogued name: String, arguments: [String], id: String? = nil) async throws -> Enqueued {
        let inputJSON = try WorkflowCatalog.inputJSON(for: name, arguments: arguments)
        return try await enqueue(name: name, inputJSON: inputJSON, id: id)
    }
}

/// A named queue of workflows with concurrency limits.
///
/// Every runtime that shares a journal and declares the queue works it: the global limit holds
/// across all of them, the worker limit within each process.
public struct WorkflowQueue: Sendable, Hashable {
    /// The queue's name, such as `elt_queue`.
    public var name: String
    /// The most workflows of this queue running at once across every process (nil: no limit).
    public var globalConcurrency: Int?
    /// The most workflows of this queue running at once in one process (nil: no limit).
    public var workerConcurrency: Int?

    /// Declares a queue.
    public init(_ name: String, globalConcurrency: Int? = nil, workerConcurrency: Int? = nil) {
        precondition(globalConcurrency.map { $0 > 0 } ?? true, "globalConcurrency must be positive")
        precondition(workerConcurrency.map { $0 > 0 } ?? true, "workerConcurrency must be positive")
        self.name = name
        self.globalConcurrency = globalConcurrency
        self.workerConcurrency = workerConcurrency
    }
}

/// Options for enqueueing a workflow.
public struct EnqueueOptions: Sendable, Hashable {
    /// Lower runs first; default 0.
    public var priority: Int
    /// At most one active (enqueued or running) workflow per queue holds this id.
    public var deduplicationID: String?

    /// Creates enqueue options.
    public init(priority: Int = 0, deduplicationID: String? = nil) {
        self.priority = priority
        self.deduplicationID = deduplicationID
    }
}

import Logging

/// How a ``WorkflowRuntime`` behaves.
public struct RuntimeConfiguration: Sendable {
    /// This process's executor id; recovery at start resumes the workflows owned by it.
    public var executorID: String = "local"
    /// The queues this runtime works.
    public var queues: [WorkflowQueue] = []
    /// How often queues are polled when no wake-up arrives (a fallback only: enqueues wake
    /// workers through an in-process signal or Postgres NOTIFY).
    public var queuePollInterval: Duration = .seconds(1)
    /// How often a handle re-reads a workflow it waits for that runs elsewhere.
    public var resultPollInterval: Duration = .milliseconds(200)
    /// Where the runtime logs.
    public var logger = Logger(label: "durable.runtime")
    /// The executor's lease in the journal, for a worker (nil: none, the library's default).
    ///
    /// With a lease, the runtime registers its executor id at start (refusing to start while
    /// another live process holds it), renews the lease every ``leaseRenewInterval``, releases it
    /// at a graceful shutdown, and takes over the `PENDING` workflows of every executor whose
    /// lease has expired. `elt-server` uses 30 s.
    public var executorLease: Duration?
    /// How often the lease is renewed and expired executors are looked for; nil: a third of
    /// ``executorLease``.
    public var leaseRenewInterval: Duration?
    /// The application's version, shown in the executors table.
    public var applicationVersion = ""
    /// A one-shot process's own workflow: its workers take from the queues only that workflow,
    /// its descendants (ids extending it with `-`) and what the process recovered of its own
    /// executor's earlier work, and it takes over no other executor's work, so a run started
    /// beside servers on a shared journal runs its own tree, not theirs. Nil (a server): any
    /// queued workflow.
    public var treeRootID: String?
    /// What observes (and may wrap) executions, steps, checkpoints, queues and commits, in
    /// order, the first outermost (see ``WorkflowInterceptor``). None by default: then the
    /// runtime calls nothing.
    public var interceptors: [any WorkflowInterceptor] = []
    /// What this process holds its journal to: checked at start, after the journal opens and
    /// before any workflow is recovered or dequeued (see ``JournalBinding``). Empty: none.
    public var bindings: [BindingRequirement] = []

    /// The default configuration: executor `local`, no queues.
    public init(
        executorID: String = "local", queues: [WorkflowQueue] = [],
        queuePollInterval: Duration = .seconds(1), resultPollInterval: Duration = .milliseconds(200),
        logger: Logger = Logger(label: "durable.runtime"), executorLease: Duration? = nil, leaseRenewInterval: Duration? = nil,
        applicationVersion: String = "", interceptors: [any WorkflowInterceptor] = []
    ) {
        self.executorID = executorID
        self.queues = queues
        self.queuePollInterval = queuePollInterval
        self.resultPollInterval = resultPollInterval
        self.logger = logger
        self.executorLease = executorLease
        self.leaseRenewInterval = leaseRenewInterval
        self.applicationVersion = applicationVersion
        self.interceptors = interceptors
    }
}

/// The storage behind a journal: a SQLite file, a Postgres database, or anything else that can
/// apply ``JournalWrite``s atomically.
///
/// The runtime never talks to a backend directly for writes: the ``JournalActor`` serialises
/// and group-commits them. Backends live in their own modules (`JournalSQLite`,
/// `JournalPostgres`) so the runtime knows nothing of SQL drivers.
public protocol JournalBackend: Sendable {
    /// A short name for logs and reports: `sqlite` or `postgres`.
    var kind: String { get }

    /// Runs whatever the backend needs in the background (a connection pool, a LISTEN
    /// connection) until the task is cancelled. The runtime runs this inside its own task group.
    func run() async throws

    /// Checks that the database is reachable and applies pending schema migrations.
    /// Fails fast with a ``JournalError`` that says what to fix.
    func migrate() async throws

    /// Applies `writes` in one transaction and reports what each did. Either all of them are
    /// committed or none.
    func commit(_ writes: [JournalWrite]) async throws -> JournalCommitResult

    /// Reads one workflow.
    func workflow(id: String) async throws -> WorkflowRecord?

    /// Reads the recorded operations of a workflow, in step order.
    func steps(workflowID: String) async throws -> [StepRecord]

    /// Reads the recorded operations of workflow `workflowID`, in step order, if at the moment
    /// of the read its row is `PENDING` and held by `owner` (that executor, at that ownership
    /// generation); nil if the row is missing, finished, cancelled, enqueued, or claimed by
    /// another executor or another claim since. One read (one snapshot, one round trip).
    ///
    /// The runtime reads this as an execution begins: a row it read as `PENDING` a moment
    /// earlier may have finished, or been cancelled or taken over, before the execution was
    /// dispatched, and such an execution must not begin at all. The default reads the row and
    /// then the steps.
    func steps(workflowID: String, ifOwnedBy owner: WorkflowOwner) async throws -> [StepRecord]?

    /// Lists workflows matching `query`.
    func listWorkflows(_ query: WorkflowQuery) async throws -> [WorkflowRecord]

    /// Atomically moves up to `request.maxCount` enqueued workflows (lowest priority value first,
    /// then oldest) to `PENDING` on the requesting executor, never exceeding the queue's global
    /// or per-worker concurrency. On Postgres this uses `FOR UPDATE SKIP LOCKED`.
    func dequeue(_ request: DequeueRequest) async throws -> [WorkflowRecord]

    /// Claims the `PENDING` workflows of `executorIDs` for `newExecutorID`: increments each one's
    /// recovery attempts, dead-letters those past their limit, and puts queued ones back on their
    /// queue.
    func recover(executorIDs: [String], newExecutorID: String, now: Int64) async throws -> RecoveryClaim

    /// Every row of every table of the journal, as text: one line per row, `table: values`,
    /// tables in name order and rows sorted, values exactly as stored. For diagnostics, and for
    /// tests that compare the whole journal before and after a call (a refused call must leave
    /// it byte-identical).
    func dump() async throws -> [String]

    /// Registers `info` as the holder of its executor id, in one transaction: if no row exists,
    /// or the row's lease has expired at `now`, or the row is this incarnation's, or it is the
    /// incarnation `replacing` (a holder the caller knows is dead), the row becomes `info` and
    /// the result is ``LeaseAcquisition/acquired``; otherwise ``LeaseAcquisition/held(_:)``.
    /// In the same transaction, executors that stopped (released, or lease ended) more than
    /// ``ExecutorInfo/forgottenAfter`` before `now` and own no `PENDING` workflow are deleted.
    func acquireLease(_ info: ExecutorInfo, now: Int64, replacing: String?) async throws -> LeaseAcquisition

    /// Extends the lease of `executorID` held by `incarnation` to `until`; false if another
    /// incarnation holds the id now.
    func renewLease(executorID: String, incarnation: String, until: Int64) async throws -> Bool

    /// Ends the lease of `executorID` held by `incarnation` at `at` (a graceful shutdown passes
    /// 0, which shows as released): its `PENDING` workflows are taken over at once.
    func releaseLease(executorID: String, incarnation: String, at: Int64) async throws

    /// Every registered executor, by id.
    func executors() async throws -> [ExecutorInfo]

    /// Binds `binding.key` to `binding` (stamped with `now`) if nothing is bound to it, or if
    /// `replacing`; returns what is bound after the call (the binding before, when one differs
    /// and `replacing` is false). One transaction: processes binding at once agree on one.
    func bind(_ binding: JournalBinding, replacing: Bool, now: Int64) async throws -> JournalBinding

    /// The `PENDING` workflow whose last progress (its latest checkpoint, or its last status
    /// change when it has none since) is oldest and before `before` (milliseconds since 1970),
    /// leaving out workflows that wait on a `PENDING` or `ENQUEUED` child (their children are
    /// what moves). Nil when none has been still that long.
    func oldestStalledWorkflow(before: Int64) async throws -> StalledWorkflow?

    /// Counts a queue's workflows still waiting (`ENQUEUED`) or running (`PENDING`), per status
    /// (for queue metadata); finished workflows are not counted.
    func queueDepth(queueName: String) async throws -> [WorkflowStatus: Int]

    /// Waits until another process may have enqueued or finished queued work, or until
    /// `timeout` passes. Backends without cross-process notification just sleep.
    func waitForQueueActivity(timeout: Duration) async throws
}

extension JournalBackend {
    public func steps(workflowID: String, ifOwnedBy owner: WorkflowOwner) async throws -> [StepRecord]? {
        guard let row = try await workflow(id: workflowID), row.isPending(ownedBy: owner) else { return nil }
        return try await steps(workflowID: workflowID)
    }
}

extension WorkflowRecord {
    /// Whether the row is `PENDING` and held by `owner`: the condition for an execution of it
    /// to begin (see ``JournalBackend/steps(workflowID:ifOwnedBy:)``).
    public func isPending(ownedBy owner: WorkflowOwner) -> Bool {
        status == .pending && executorID == owner.executorID && ownerGeneration == owner.generation
    }
}

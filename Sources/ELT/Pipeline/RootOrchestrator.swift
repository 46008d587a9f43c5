import DurableRuntime

/// Runs `root_orchestration_workflow`: one pipeline per connected integration, on `elt_queue`.
///
/// The pipelines run in the queue's workers (at most 5 at once across every process sharing
/// the journal). The orchestrator reads the integrations a page at a time (one
/// `load_connected_integrations` step per page of ``RootInput/integrationPageSize``, keyset
/// paging) and keeps at most that many pipelines enqueued and not yet collected: it awaits the
/// oldest, adds its result to the totals, and enqueues the next. So its memory, its largest
/// checkpoint (one page of integrations) and its output (totals, bounded notes) stay the same
/// whatever the number of tenants. Awaiting in order costs one journal read per pipeline that
/// is already done, where awaiting all at once would re-read every pending one at each
/// completion. The order of its steps depends only on recorded outcomes, so a replay after a
/// crash takes the same path.
actor RootOrchestrator {
    private let context: WorkflowContext
    private let environment: PipelineEnvironment

    init(context: WorkflowContext, environment: PipelineEnvironment) {
        self.context = context
        self.environment = environment
    }

    /// Failed tenants named in the error; the rest are counted.
    static let maximumFailuresShown = 20

    func run(_ input: RootInput) async throws -> RootResult {
        try PipelineActor.checkStamps(dataStore: input.dataStore, syncTarget: input.syncTarget, runID: context.workflowID,
                                      environment: environment)
        // Reject bad parameters before enqueueing anything.
        _ = try BatchParameters.resolve(numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize)
        _ = try PipelineActor.resolveMaxDeleteFraction(input.maxDeleteFraction)
        let pageSize = try input.resolvedIntegrationPageSize()
        let store = environment.store
        var page = try await context.step("load_connected_integrations") { try await store.integrations(after: nil, limit: pageSize) }
        // Every pipeline reads the source the root started with, whichever process runs it.
        let source = try await PipelineActor.resolveSource(input.source, context: context, environment: environment)
        var waiting = page[...]
        var exhausted = page.count < pageSize
        var running = FIFO<(handle: WorkflowHandle<PipelineResult>, tenant: Tenant)>()
        var totals = RootResult()
        var failures: [String] = []
        var failed = 0
        while true {
            while running.count < pageSize {
                if waiting.isEmpty, !exhausted, let last = page.last {
                    page = try await context.step("load_connected_integrations") {
                        try await store.integrations(after: last, limit: pageSize)
                    }
                    waiting = page[...]
                    exhausted = page.count < pageSize
                }
                guard let integration = waiting.popFirst() else { break }
                let pipeline = PipelineInput(
                    organizationID: integration.organizationID, connectedIntegrationID: integration.id,
                    numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize, snapshot: input.snapshot,
                    source: source, maxDeleteFraction: input.maxDeleteFraction, dataStore: input.dataStore ?? environment.dataStoreStamp,
                    syncTarget: input.syncTarget ?? environment.syncTargetStamp)
                let handle = try await context.enqueue(ELTPipelineWorkflow.self, queue: ELTPipeline.queueName, input: pipeline)
                running.append((handle, integration.tenant))
            }
            guard let (handle, tenant) = running.popFirst() else { break }
            do {
                totals.add(try await handle.result())
            } catch let error as WorkflowError {
                failed += 1
                if failures.count < Self.maximumFailuresShown { failures.append("\(tenant) (\(handle.id)): \(error)") }
            }
        }
        if failed > 0 { throw PipelineError.pipelinesFailed(total: failed, shown: failures) }
        return totals
    }
}

/// A first-in, first-out queue on an array (amortised O(1) at both ends).
struct FIFO<Element> {
    private var elements: [Element] = []
    private var head = 0

    var count: Int { elements.count - head }

    mutating func append(_ element: Element) {
        elements.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < elements.count else { return nil }
        let element = elements[head]
        head += 1
        if head >= 1_024, head * 2 >= elements.count {
            elements.removeFirst(head)
            head = 0
        }
        return element
    }
}

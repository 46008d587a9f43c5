import AsyncAlgorithms
import DurableRuntime

/// Runs `extract_and_load_batch_workflow`: a producer task fetches the batch's pages (one
/// `fetch_users_from_api` step each) and hands them over a back-pressured `AsyncChannel`, which
/// suspends the producer until the batch has taken the page; the batch then stages all of them
/// in one `insert_users_to_staging` step and lets them go.
///
/// The producer fetches ``PipelineEnvironment/pageConcurrency`` pages at a time as concurrent
/// steps (numbered before they start, so the journal does not depend on scheduling, and
/// checkpointed together by group commit), then sends them in page order. Pages never run
/// ahead of the batch: a chunk is at most the batch's own pages. It stops at the first page
/// that says the source has no more. Records are counted in the environment's
/// ``LiveRecordGauge`` from fetch to release.
actor BatchActor {
    private let context: WorkflowContext
    private let environment: PipelineEnvironment
    private let input: BatchInput
    private var users: [SourceUser] = []
    private var rejected: [QuarantinedRecord] = []
    private var pages = 0
    private var hasMore = true

    init(context: WorkflowContext, environment: PipelineEnvironment, input: BatchInput) {
        self.context = context
        self.environment = environment
        self.input = input
    }

    func run() async throws -> BatchResult {
        let parameters = input.parameters
        users.reserveCapacity(parameters.batchSize * parameters.pageSize)
        let gauge = environment.gauge
        let runID = input.runID
        // Everything fetched is released once the batch is staged (or fails).
        defer { gauge.remove(gauge.live(pipeline: runID), pipeline: runID) }
        let channel = AsyncChannel<FetchedPage>()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [context, environment, input] in
                defer { channel.finish() }
                let firstPage = input.batchNumber * parameters.batchSize
                let chunk = max(1, min(environment.pageConcurrency, parameters.batchSize))
                var next = firstPage
                while next < firstPage + parameters.batchSize {
                    let count = min(chunk, firstPage + parameters.batchSize - next)
                    let pages = try await Self.fetch(pages: next, count: count, context: context, environment: environment, input: input)
                    gauge.add(pages.reduce(0) { $0 + $1.recordCount }, pipeline: runID)
                    for page in pages {
                        await channel.send(page)
                        if !page.hasMore { return }
                    }
                    next += count
                }
            }
            for await page in channel {
                take(page)
            }
            try await group.waitForAll()
        }
        let outcome = try await stage()
        return BatchResult(batchNumber: input.batchNumber, pages: pages, staged: outcome.staged,
                           quarantined: outcome.quarantined, hasMore: hasMore)
    }

    private func take(_ page: FetchedPage) {
        users.append(contentsOf: page.users)
        rejected.append(contentsOf: page.rejected)
        pages += 1
        hasMore = page.hasMore
    }

    private func stage() async throws -> StagingOutcome {
        let (store, failures) = (environment.store, environment.failures)
        let (users, rejected, input) = (self.users, self.rejected, self.input)
        return try await context.step("insert_users_to_staging", retry: environment.retries.database) {
            try await store.stageBatch(
                runID: input.runID, tenant: input.integration.tenant, batch: input.batchNumber, users: users,
                quarantined: rejected, simulateFailure: failures.occurs(failures.databaseFailureRate))
        }
    }

    /// `count` `fetch_users_from_api` steps from page `first`, concurrently (one step when 1).
    private static func fetch(
        pages first: Int, count: Int, context: WorkflowContext, environment: PipelineEnvironment, input: BatchInput
    ) async throws -> [FetchedPage] {
        if count == 1 {
            return [try await context.step("fetch_users_from_api", retry: environment.retries.api) {
                try await fetch(page: first, environment: environment, input: input)
            }]
        }
        return try await context.concurrentSteps("fetch_users_from_api", count: count, retry: environment.retries.api) { index in
            try await fetch(page: first + index, environment: environment, input: input)
        }
    }

    /// The body of one `fetch_users_from_api` step: fetch, then validate every record.
    private static func fetch(page pageNumber: Int, environment: PipelineEnvironment, input: BatchInput) async throws -> FetchedPage {
        let failures = environment.failures
        if failures.occurs(failures.apiFailureRate) { throw SimulatedFailure.api(page: pageNumber) }
        let page = try await environment.source.fetchPage(
            integration: input.integration, snapshot: input.snapshot, page: pageNumber, pageSize: input.parameters.pageSize)
        let (valid, rejected) = environment.validator.validate(page.records)
        return FetchedPage(
            page: pageNumber, users: valid,
            rejected: rejected.map { QuarantinedRecord(page: pageNumber, position: $0.position, rawJSON: $0.rawJSON, reason: $0.reason) },
            hasMore: page.hasMore)
    }
}

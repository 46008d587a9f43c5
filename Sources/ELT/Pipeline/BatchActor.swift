import DurableRuntime

/// Runs `extract_and_load_batch_workflow`: fetches the batch's pages (one
/// `fetch_users_from_api` step each), follows the snapshot's ``PageTrail`` page by page, then
/// stages the pages that belong to the snapshot in one `insert_users_to_staging` step and lets
/// them go.
///
/// Pages are fetched ``PipelineEnvironment/pageConcurrency`` at a time as concurrent steps
/// (numbered before they start, so the journal does not depend on scheduling, and checkpointed
/// together by group commit), and taken in page order. Pages never run ahead of the batch: a
/// chunk is at most the batch's own pages. Prefetching means asking past the end of a
/// snapshot, so a page after the end is ignored, failure and all; a failed page before the end
/// fails the batch. Records are counted in the environment's ``LiveRecordGauge`` from fetch to
/// release.
actor BatchActor {
    private let context: WorkflowContext
    private let environment: PipelineEnvironment
    private let input: BatchInput
    private var pages: [StagedPage] = []
    private var rejected: [QuarantinedRecord] = []
    private var trail: PageTrail
    private var fetched = 0
    private var ignored = 0

    init(context: WorkflowContext, environment: PipelineEnvironment, input: BatchInput) {
        self.context = context
        self.environment = environment
        self.input = input
        self.trail = input.trail ?? PageTrail()
    }

    func run() async throws -> BatchResult {
        try PipelineActor.checkStamps(dataStore: input.dataStore, runID: input.runID, environment: environment)
        let parameters = input.parameters
        let source = try environment.userSource(for: input.source, runID: input.runID)
        let gauge = environment.gauge
        let runID = input.runID
        // Everything fetched is released once the batch is staged (or fails).
        defer { gauge.remove(gauge.live(pipeline: runID), pipeline: runID) }
        let firstPage = input.batchNumber * parameters.batchSize
        let endPage = firstPage + parameters.batchSize
        let chunk = max(1, min(environment.pageConcurrency, parameters.batchSize))
        var next = firstPage
        while next < endPage, !trail.hasEnded {
            let count = min(chunk, endPage - next)
            let results = try await Self.fetch(pages: next, count: count, source: source, context: context,
                                               environment: environment, input: input)
            gauge.add(results.reduce(0) { $0 + ((try? $1.get())?.recordCount ?? 0) }, pipeline: runID)
            for (offset, result) in results.enumerated() {
                try take(result, page: next + offset, pageSize: parameters.pageSize)
            }
            next += count
        }
        let outcome = try await stage()
        return BatchResult(batchNumber: input.batchNumber, pages: fetched, staged: outcome.staged,
                           quarantined: outcome.quarantined, hasMore: !trail.hasEnded, trail: trail,
                           ignoredPages: ignored == 0 ? nil : ignored)
    }

    /// Takes the next page in order: past the end it is ignored; a failure before the end fails
    /// the batch; otherwise the trail decides whether its records belong to the snapshot.
    private func take(_ result: Result<FetchedPage, any Error>, page number: Int, pageSize: Int) throws {
        guard !trail.hasEnded else {
            ignored += 1
            return
        }
        let page = try result.get()
        fetched += 1
        if try trail.take(page: number, recordCount: page.recordCount, pageSize: pageSize, hasMore: page.hasMore,
                          missing: page.missing, digest: page.digest) {
            pages.append(StagedPage(page: number, users: page.users))
            rejected.append(contentsOf: page.rejected)
        }
        if trail.end == .repeatedPage {
            environment.logger.warning("source page repeats the previous page; the snapshot is taken as incomplete (no deletes)", metadata: [
                "run_id": "\(input.runID)", "page": "\(number)", "tenant": "\(input.integration.tenant)",
            ])
        }
    }

    private func stage() async throws -> StagingOutcome {
        let (store, failures) = (environment.store, environment.failures)
        let (pages, rejected, input) = (self.pages, self.rejected, self.input)
        return try await context.step("insert_users_to_staging", retry: environment.retries.database) {
            try await store.stageBatch(
                runID: input.runID, tenant: input.integration.tenant, batch: input.batchNumber, pages: pages,
                quarantined: rejected, simulateFailure: failures.occurs(failures.databaseFailureRate))
        }
    }

    /// `count` `fetch_users_from_api` steps from page `first`, concurrently; each page's outcome.
    private static func fetch(
        pages first: Int, count: Int, source: any UserSource, context: WorkflowContext, environment: PipelineEnvironment,
        input: BatchInput
    ) async throws -> [Result<FetchedPage, any Error>] {
        try await context.concurrentStepResults("fetch_users_from_api", count: count, retry: environment.retries.api) { index in
            try await fetch(page: first + index, source: source, environment: environment, input: input)
        }
    }

    /// The body of one `fetch_users_from_api` step: fetch, then validate every record.
    private static func fetch(
        page pageNumber: Int, source: any UserSource, environment: PipelineEnvironment, input: BatchInput
    ) async throws -> FetchedPage {
        let failures = environment.failures
        if failures.occurs(failures.apiFailureRate) { throw SimulatedFailure.api(page: pageNumber) }
        let pageSize = input.parameters.pageSize
        let page = try await source.fetchPage(integration: input.integration, snapshot: input.snapshot, page: pageNumber, pageSize: pageSize)
        if let missing = page.missing {
            return FetchedPage(page: pageNumber, users: [], rejected: [], hasMore: nil, missing: missing)
        }
        guard page.records.count <= pageSize else {
            throw SourcePageError.tooManyRecords(page: pageNumber, count: page.records.count, pageSize: pageSize)
        }
        let (valid, rejected) = environment.validator.validate(page.records)
        return FetchedPage(
            page: pageNumber, users: valid,
            rejected: rejected.map {
                QuarantinedRecord(page: pageNumber, position: $0.position, rawJSON: $0.rawJSON, reason: $0.reason, userID: $0.userID)
            },
            hasMore: page.hasMore)
    }
}

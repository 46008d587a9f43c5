import DurableRuntime
import Foundation

/// Runs one tenant's pipeline: `elt_pipeline_workflow` (the four stages as child workflows)
/// and `extract_and_load_workflow` (its batches, strictly one after another, so one batch of
/// the tenant is in memory at a time).
actor PipelineActor {
    private let context: WorkflowContext
    private let environment: PipelineEnvironment

    init(context: WorkflowContext, environment: PipelineEnvironment) {
        self.context = context
        self.environment = environment
    }

    /// Extract and load, CDC, apply, sync. The pipeline's id is the run id of every row it writes.
    ///
    /// The run records what determines its output before it reads anything: the integration
    /// (with its endpoint) and the source (in the input, or a `resolve_source` step), and
    /// registers its sequence among the tenant's runs (`register_run`), so runs of a tenant
    /// apply in start order. A run superseded by a newer applied run stops after CDC or apply
    /// with ``PipelineResult/supersededBy`` set. A run whose deletes were withheld by the
    /// mass-delete guard applies and syncs the rest, then fails with
    /// ``PipelineError/massDeleteWithheld(tenant:runID:deletes:latest:maxFraction:)``.
    func runPipeline(_ input: PipelineInput) async throws -> PipelineResult {
        try Self.checkStamps(dataStore: input.dataStore, syncTarget: input.syncTarget, runID: input.runID ?? context.workflowID,
                             environment: environment)
        _ = try BatchParameters.resolve(numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize)
        let maxDeleteFraction = try Self.resolveMaxDeleteFraction(input.maxDeleteFraction)
        let integration = try await loadIntegration(input)
        let proposedRunID = input.runID ?? context.workflowID
        let source = try await Self.resolveSource(input.source, context: context, environment: environment)
        _ = try environment.userSource(for: source, runID: proposedRunID)
        let tenant = integration.tenant
        let store = environment.store
        // The run id is recorded with the registration: a fork that reuses this step (forked
        // from a later one) goes on with the run it copied, whose rows were staged and whose
        // sequence was registered under that id, not under the fork's own id.
        let registered = try await context.step("register_run", retry: environment.retries.database) {
            RegisteredRun(runID: proposedRunID, sequence: try await store.registerRun(runID: proposedRunID, tenant: tenant))
        }
        let sequence = registered.sequence
        var extractInput = input
        extractInput.runID = registered.runID ?? proposedRunID
        extractInput.snapshot = input.snapshot ?? integration.providerData.snapshot ?? 0
        extractInput.source = source
        let extract = try await context.runChild(ExtractAndLoadWorkflow.self, input: extractInput)
        // The stages read the rows the extraction staged, under its run id: the registered one,
        // or for a fork of a run recorded before register_run kept its id, the copied run's.
        let runID = extract.runID
        let stage = StageInput(tenant: tenant, runID: runID, snapshotComplete: extract.snapshotComplete, sequence: sequence,
                               maxDeleteFraction: maxDeleteFraction, dataStore: input.dataStore, syncTarget: input.syncTarget)
        let cdc = try await context.runChild(CDCDetectionWorkflow.self, input: stage)
        if cdc.supersededBy != nil {
            return PipelineResult(tenant: tenant, runID: runID, extract: extract, cdc: cdc, apply: nil, sync: nil, latest: cdc.latestBefore)
        }
        let apply = try await context.runChild(ApplyToLatestWorkflow.self, input: stage)
        if apply.supersededBy != nil {
            return PipelineResult(tenant: tenant, runID: runID, extract: extract, cdc: cdc, apply: apply, sync: nil)
        }
        let sync = try await context.runChild(SyncToPostgresWorkflow.self, input: stage)
        let detected = apply.redetected ?? cdc
        if detected.withheldDeletes > 0 {
            throw PipelineError.massDeleteWithheld(
                tenant: "\(tenant)", runID: runID, deletes: detected.withheldDeletes, latest: detected.latestBefore, maxFraction: maxDeleteFraction)
        }
        return PipelineResult(tenant: tenant, runID: runID, extract: extract, cdc: cdc, apply: apply, sync: sync)
    }

    /// The batches of one extraction, until the source's snapshot ends or `num_batches` are done.
    ///
    /// Without `num_batches` the extraction reads until the snapshot ends (at most
    /// ``BatchParameters/maxBatches``): the seed's fixed 10 would leave a grown snapshot unread,
    /// unproven complete, and its deletes never inferred, on every path that starts a run
    /// (`elt run`, `elt start`, the schedule, the admin API) alike.
    func extractAndLoad(_ input: PipelineInput) async throws -> ExtractResult {
        try Self.checkStamps(dataStore: input.dataStore, runID: input.runID ?? context.workflowID, environment: environment)
        let parameters = try BatchParameters.resolve(numBatches: input.numBatches, batchSize: input.batchSize, pageSize: input.pageSize)
        let batchLimit = input.numBatches == nil ? BatchParameters.maxBatches : parameters.numBatches
        let integration = try await loadIntegration(input)
        let runID = input.runID ?? context.workflowID
        let snapshot = input.snapshot ?? integration.providerData.snapshot ?? 0
        let failures = environment.failures
        var result = ExtractResult(runID: runID, batches: 0, pages: 0, usersStaged: 0, quarantined: 0, snapshotComplete: false)
        var trail: PageTrail?
        for batchNumber in 0..<batchLimit {
            let batch = try await context.runChild(
                ExtractAndLoadBatchWorkflow.self,
                input: BatchInput(integration: integration, runID: runID, batchNumber: batchNumber, parameters: parameters,
                                  snapshot: snapshot, source: input.source, trail: trail, dataStore: input.dataStore))
            result.batches += 1
            result.pages += batch.pages
            result.usersStaged += batch.staged
            result.quarantined += batch.quarantined
            trail = batch.trail
            if !batch.hasMore {
                // A batch recorded before trails ended only on the source's own has_more: false.
                result.snapshotComplete = batch.trail?.end?.isComplete ?? true
                result.end = batch.trail?.end?.rawValue ?? PageTrail.End.declared.rawValue
                break
            }
            if batchNumber + 1 > failures.outOfMemoryAfterBatch, failures.outOfMemoryKillOccurs() {
                try await simulateOutOfMemory(after: batchNumber + 1)
            }
        }
        if result.end == nil { result.end = ExtractResult.batchesExhausted }
        return result
    }

    /// Refuses a run recorded with another data store
    /// (``PipelineError/foreignDataStore(runID:recorded:here:)``) or another sync target
    /// (``PipelineError/foreignSyncTarget(runID:recorded:here:)``) than this process's; a stamp
    /// not recorded (runs from before stamps, or a workflow that does not write there), or a
    /// process without one, passes. The root, the pipeline, its extraction, each batch and each
    /// stage check before their first step, so a workflow recovered alone by a process with
    /// another store or target fails instead of writing there.
    static func checkStamps(
        dataStore: DataStoreStamp?, syncTarget: DataStoreStamp? = nil, runID: String, environment: PipelineEnvironment
    ) throws {
        if let recorded = dataStore, let here = environment.dataStoreStamp, recorded.id != here.id {
            throw PipelineError.foreignDataStore(runID: runID, recorded: recorded.location, here: here.location)
        }
        if let recorded = syncTarget, let here = environment.syncTargetStamp, recorded.id != here.id {
            throw PipelineError.foreignSyncTarget(runID: runID, recorded: recorded.location, here: here.location)
        }
    }

    /// The recorded source, or this process's source recorded now (a `resolve_source` step) as
    /// the run's: what the root and a pipeline started without one both do.
    static func resolveSource(_ recorded: SourceDescriptor?, context: WorkflowContext, environment: PipelineEnvironment)
        async throws -> SourceDescriptor {
        if let recorded { return recorded }
        let descriptor = environment.source.descriptor
        return try await context.step("resolve_source") { descriptor }
    }

    /// `max_delete_fraction`, checked (0…1), or the default.
    static func resolveMaxDeleteFraction(_ value: Double?) throws -> Double {
        guard let value else { return DataStoreDefaults.maxDeleteFraction }
        guard value.isFinite, (0...1).contains(value) else {
            throw PipelineError.invalidParameter(name: "max_delete_fraction", value: "\(value)", expected: "a fraction from 0 to 1 (1 allows any deletes)")
        }
        return value
    }

    private func loadIntegration(_ input: PipelineInput) async throws -> ConnectedIntegration {
        let store = environment.store
        return try await context.step("load_connected_integration") {
            if let integration = try await store.integration(id: input.connectedIntegrationID),
               integration.organizationID == input.organizationID {
                return integration
            }
            let known = try await store.integrations(after: nil, limit: 21).map { "\($0.organizationID) \($0.id) (\($0.provider))" }
            throw PipelineError.unknownIntegration(id: input.connectedIntegrationID, organizationID: input.organizationID, known: known)
        }
    }

    private func simulateOutOfMemory(after batch: Int) async throws {
        switch environment.outOfMemory {
        case .crashRuntime:
            try await context.simulateProcessCrash()
        case .exitProcess:
            FileHandle.standardError.write(Data(
                "simulated out-of-memory kill of \(context.workflowID) after batch \(batch): exiting with status 137\n".utf8))
            exit(137)
        }
    }
}

/// The output of `register_run`: the run id it registered and the run's sequence. Recorded
/// before the id was (a bare sequence), ``runID`` is nil.
struct RegisteredRun: Codable, Sendable, Equatable {
    var runID: String?
    var sequence: Int

    init(runID: String, sequence: Int) {
        self.runID = runID
        self.sequence = sequence
    }

    init(from decoder: any Decoder) throws {
        if let sequence = try? decoder.singleValueContainer().decode(Int.self) {
            (runID, self.sequence) = (nil, sequence)
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        runID = try container.decodeIfPresent(String.self, forKey: .runID)
        sequence = try container.decode(Int.self, forKey: .sequence)
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", sequence
    }
}

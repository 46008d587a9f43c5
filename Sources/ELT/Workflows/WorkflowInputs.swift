/// Input of `root_orchestration_workflow`: every value is optional (the seed starts it with none).
public struct RootInput: Codable, Sendable, Equatable {
    /// The most batches per extraction (default: until the source's snapshot ends, at most
    /// ``BatchParameters/maxBatches``; the seed reads a fixed 10).
    public var numBatches: Int?
    /// Pages per batch (default 10).
    public var batchSize: Int?
    /// Users per page (default 10).
    public var pageSize: Int?
    /// The source snapshot to read (default: each integration's `provider_data.snapshot`, else 0).
    public var snapshot: Int?
    /// The source every pipeline reads (default: the running process's source, recorded when
    /// the root starts).
    public var source: SourceDescriptor?
    /// The most of a tenant's `users_latest` rows one run may delete (0…1, default 0.2); more
    /// are withheld and the pipeline fails with a clear error.
    public var maxDeleteFraction: Double?
    /// Integrations the root reads per `load_connected_integrations` step, and the most
    /// pipelines it has enqueued and not yet collected (1…100,000, default 1,000): what bounds
    /// its memory and its largest checkpoint, whatever the number of tenants.
    public var integrationPageSize: Int?
    /// The data store the run writes to (default: the one of the process that starts it, set
    /// by `elt run`, a server's schedule and admin API). A process whose data store is another
    /// one refuses the run's workflows (``PipelineError/foreignDataStore(runID:recorded:here:)``).
    public var dataStore: DataStoreStamp?
    /// The sync target the run writes to (default: the one of the process that starts it, as
    /// for ``dataStore``). A process whose sync target is another one refuses the run's
    /// workflows (``PipelineError/foreignSyncTarget(runID:recorded:here:)``).
    public var syncTarget: DataStoreStamp?

    /// The default of ``integrationPageSize``.
    public static let defaultIntegrationPageSize = 1_000

    /// Creates an input.
    public init(numBatches: Int? = nil, batchSize: Int? = nil, pageSize: Int? = nil, snapshot: Int? = nil,
                source: SourceDescriptor? = nil, maxDeleteFraction: Double? = nil, integrationPageSize: Int? = nil) {
        self.numBatches = numBatches
        self.batchSize = batchSize
        self.pageSize = pageSize
        self.snapshot = snapshot
        self.source = source
        self.maxDeleteFraction = maxDeleteFraction
        self.integrationPageSize = integrationPageSize
    }

    /// ``integrationPageSize`` or its default; out of range is
    /// ``PipelineError/invalidParameter(name:value:expected:)``.
    func resolvedIntegrationPageSize() throws -> Int {
        let value = integrationPageSize ?? Self.defaultIntegrationPageSize
        guard (1...100_000).contains(value) else {
            throw PipelineError.invalidParameter(name: "integration_page_size", value: "\(value)", expected: "a whole number from 1 to 100000")
        }
        return value
    }

    enum CodingKeys: String, CodingKey {
        case numBatches = "num_batches", batchSize = "batch_size", pageSize = "page_size", snapshot, source
        case maxDeleteFraction = "max_delete_fraction", integrationPageSize = "integration_page_size"
        case dataStore = "data_store", syncTarget = "sync_target"
    }
}

/// Input of `elt_pipeline_workflow` and `extract_and_load_workflow`: one tenant.
public struct PipelineInput: Codable, Sendable, Equatable {
    /// The organization, e.g. `org-001`.
    public var organizationID: String
    /// The connected integration's id.
    public var connectedIntegrationID: String
    /// The most batches per extraction (default: until the source's snapshot ends, at most
    /// ``BatchParameters/maxBatches``; the seed reads a fixed 10).
    public var numBatches: Int?
    /// Pages per batch (default 10).
    public var batchSize: Int?
    /// Users per page (default 10).
    public var pageSize: Int?
    /// The source snapshot to read (default: `provider_data.snapshot`, else 0).
    public var snapshot: Int?
    /// The run whose rows this writes (staging `workflow_id`); defaults to the workflow's own id.
    public var runID: String?
    /// The source to read (default: the running process's source, recorded when the run starts).
    public var source: SourceDescriptor?
    /// The most of the tenant's `users_latest` rows this run may delete (0…1, default 0.2).
    public var maxDeleteFraction: Double?
    /// The data store the run writes to (recorded by the root); nil in runs recorded before it.
    public var dataStore: DataStoreStamp?
    /// The sync target the run writes to (recorded by the root); nil in runs recorded before it.
    public var syncTarget: DataStoreStamp?

    /// Creates an input.
    public init(organizationID: String, connectedIntegrationID: String, numBatches: Int? = nil, batchSize: Int? = nil,
                pageSize: Int? = nil, snapshot: Int? = nil, runID: String? = nil, source: SourceDescriptor? = nil,
                maxDeleteFraction: Double? = nil, dataStore: DataStoreStamp? = nil, syncTarget: DataStoreStamp? = nil) {
        self.dataStore = dataStore
        self.syncTarget = syncTarget
        self.organizationID = organizationID
        self.connectedIntegrationID = connectedIntegrationID
        self.numBatches = numBatches
        self.batchSize = batchSize
        self.pageSize = pageSize
        self.snapshot = snapshot
        self.runID = runID
        self.source = source
        self.maxDeleteFraction = maxDeleteFraction
    }

    /// The tenant.
    public var tenant: Tenant { Tenant(organizationID: organizationID, connectedIntegrationID: connectedIntegrationID) }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id", connectedIntegrationID = "connected_integration_id"
        case numBatches = "num_batches", batchSize = "batch_size", pageSize = "page_size", snapshot
        case runID = "run_id", source, maxDeleteFraction = "max_delete_fraction", dataStore = "data_store"
        case syncTarget = "sync_target"
    }
}

/// Input of `extract_and_load_batch_workflow`: one batch of one run.
public struct BatchInput: Codable, Sendable, Equatable {
    /// The integration whose source the batch reads.
    public var integration: ConnectedIntegration
    /// The run whose staging rows this writes.
    public var runID: String
    /// The batch, from 0.
    public var batchNumber: Int
    /// The batch cut.
    public var parameters: BatchParameters
    /// The source snapshot.
    public var snapshot: Int
    /// The source the run started with (nil in runs recorded before sources were).
    public var source: SourceDescriptor?
    /// Where the snapshot stood after the previous batch (nil before batch 0).
    public var trail: PageTrail?
    /// The data store the run writes to (from the pipeline's input); nil in runs recorded
    /// before batches carried it.
    public var dataStore: DataStoreStamp?

    /// Creates an input.
    public init(integration: ConnectedIntegration, runID: String, batchNumber: Int, parameters: BatchParameters, snapshot: Int,
                source: SourceDescriptor? = nil, trail: PageTrail? = nil, dataStore: DataStoreStamp? = nil) {
        self.dataStore = dataStore
        self.integration = integration
        self.runID = runID
        self.batchNumber = batchNumber
        self.parameters = parameters
        self.snapshot = snapshot
        self.source = source
        self.trail = trail
    }

    enum CodingKeys: String, CodingKey {
        case integration, runID = "run_id", batchNumber = "batch_number", parameters, snapshot, source, trail
        case dataStore = "data_store"
    }
}

/// Input of the stages after extraction (`cdc_detection_workflow`, `apply_to_latest_workflow`,
/// `sync_to_postgres_workflow`): one tenant's run.
public struct StageInput: Codable, Sendable, Equatable {
    /// The organization.
    public var organizationID: String
    /// The connected integration's id.
    public var connectedIntegrationID: String
    /// The run (the pipeline workflow's id) whose rows to process.
    public var runID: String
    /// Whether the run's snapshot is complete, so absent users are deletes (CDC only).
    public var snapshotComplete: Bool?
    /// The run's start order among the tenant's runs (nil in runs from before sequences).
    public var sequence: Int?
    /// The most of the tenant's latest rows the run may delete (default 0.2).
    public var maxDeleteFraction: Double?
    /// The data store the run writes to (from the pipeline's input); nil in runs recorded
    /// before stages carried it.
    public var dataStore: DataStoreStamp?
    /// The sync target the run writes to (from the pipeline's input); nil in runs recorded
    /// before stages carried it.
    public var syncTarget: DataStoreStamp?

    /// Creates an input.
    public init(tenant: Tenant, runID: String, snapshotComplete: Bool? = nil, sequence: Int? = nil, maxDeleteFraction: Double? = nil,
                dataStore: DataStoreStamp? = nil, syncTarget: DataStoreStamp? = nil) {
        self.dataStore = dataStore
        self.syncTarget = syncTarget
        self.organizationID = tenant.organizationID
        self.connectedIntegrationID = tenant.connectedIntegrationID
        self.runID = runID
        self.snapshotComplete = snapshotComplete
        self.sequence = sequence
        self.maxDeleteFraction = maxDeleteFraction
    }

    /// The tenant.
    public var tenant: Tenant { Tenant(organizationID: organizationID, connectedIntegrationID: connectedIntegrationID) }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id", connectedIntegrationID = "connected_integration_id"
        case runID = "run_id", snapshotComplete = "snapshot_complete", sequence, maxDeleteFraction = "max_delete_fraction"
        case dataStore = "data_store", syncTarget = "sync_target"
    }
}

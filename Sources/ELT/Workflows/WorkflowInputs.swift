/// Input of `root_orchestration_workflow`: every value is optional (the seed starts it with none).
public struct RootInput: Codable, Sendable, Equatable {
    /// Batches per extraction (default 10).
    public var numBatches: Int?
    /// Pages per batch (default 10).
    public var batchSize: Int?
    /// Users per page (default 10).
    public var pageSize: Int?
    /// The source snapshot to read (default: each integration's `provider_data.snapshot`, else 0).
    public var snapshot: Int?

    /// Creates an input.
    public init(numBatches: Int? = nil, batchSize: Int? = nil, pageSize: Int? = nil, snapshot: Int? = nil) {
        self.numBatches = numBatches
        self.batchSize = batchSize
        self.pageSize = pageSize
        self.snapshot = snapshot
    }

    enum CodingKeys: String, CodingKey {
        case numBatches = "num_batches", batchSize = "batch_size", pageSize = "page_size", snapshot
    }
}

/// Input of `elt_pipeline_workflow` and `extract_and_load_workflow`: one tenant.
public struct PipelineInput: Codable, Sendable, Equatable {
    /// The organization, e.g. `org-001`.
    public var organizationID: String
    /// The connected integration's id.
    public var connectedIntegrationID: String
    /// Batches per extraction (default 10).
    public var numBatches: Int?
    /// Pages per batch (default 10).
    public var batchSize: Int?
    /// Users per page (default 10).
    public var pageSize: Int?
    /// The source snapshot to read (default: `provider_data.snapshot`, else 0).
    public var snapshot: Int?
    /// The run whose rows this writes (staging `workflow_id`); defaults to the workflow's own id.
    public var runID: String?

    /// Creates an input.
    public init(organizationID: String, connectedIntegrationID: String, numBatches: Int? = nil, batchSize: Int? = nil,
                pageSize: Int? = nil, snapshot: Int? = nil, runID: String? = nil) {
        self.organizationID = organizationID
        self.connectedIntegrationID = connectedIntegrationID
        self.numBatches = numBatches
        self.batchSize = batchSize
        self.pageSize = pageSize
        self.snapshot = snapshot
        self.runID = runID
    }

    /// The tenant.
    public var tenant: Tenant { Tenant(organizationID: organizationID, connectedIntegrationID: connectedIntegrationID) }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id", connectedIntegrationID = "connected_integration_id"
        case numBatches = "num_batches", batchSize = "batch_size", pageSize = "page_size", snapshot
        case runID = "run_id"
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

    /// Creates an input.
    public init(integration: ConnectedIntegration, runID: String, batchNumber: Int, parameters: BatchParameters, snapshot: Int) {
        self.integration = integration
        self.runID = runID
        self.batchNumber = batchNumber
        self.parameters = parameters
        self.snapshot = snapshot
    }

    enum CodingKeys: String, CodingKey {
        case integration, runID = "run_id", batchNumber = "batch_number", parameters, snapshot
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

    /// Creates an input.
    public init(tenant: Tenant, runID: String, snapshotComplete: Bool? = nil) {
        self.organizationID = tenant.organizationID
        self.connectedIntegrationID = tenant.connectedIntegrationID
        self.runID = runID
        self.snapshotComplete = snapshotComplete
    }

    /// The tenant.
    public var tenant: Tenant { Tenant(organizationID: organizationID, connectedIntegrationID: connectedIntegrationID) }

    enum CodingKeys: String, CodingKey {
        case organizationID = "organization_id", connectedIntegrationID = "connected_integration_id"
        case runID = "run_id", snapshotComplete = "snapshot_complete"
    }
}

import DurableRuntime
import Foundation
import Logging

/// Everything the pipeline's workflows use besides their context: the data store, the source,
/// the sync target, the failure simulation, retry policies and the memory gauge.
public struct PipelineEnvironment: Sendable {
    /// What a simulated out-of-memory kill does.
    public enum OutOfMemoryAction: Sendable {
        /// The runtime dies as a killed process would (its journal refuses writes and `run()`
        /// throws `JournalError.crashed`); a new runtime on the same journal recovers.
        case crashRuntime
        /// The process exits with status 137, as the kernel's OOM killer would leave it.
        case exitProcess
    }

    /// The SQLite data database.
    public var store: any DataStore
    /// Where users come from.
    public var source: any UserSource
    /// Where changes are synced to.
    public var syncTarget: any SyncTarget
    /// Injected failures (none by default).
    public var failures: FailureSimulation
    /// Step retry policies (the seed's by default).
    public var retries: PipelineRetries
    /// Counts the records each pipeline holds in memory.
    public var gauge: LiveRecordGauge
    /// Checks every source record.
    public var validator: RecordValidator
    /// What a simulated out-of-memory kill does.
    public var outOfMemory: OutOfMemoryAction
    /// How many pages of a batch are fetched at once (as concurrent steps); at most the batch's
    /// `batch_size`. 1 fetches page by page, as the seed does.
    public var pageConcurrency: Int
    /// How long a sync waits out an unreachable sync target (15 minutes by default).
    public var syncRetry: SyncRetryPolicy
    /// Where the pipeline logs retries and waits.
    public var logger: Logger
    /// This process's data store's stamp: runs recorded with another are refused. Nil (tests
    /// that build an environment by hand) checks nothing.
    public var dataStoreStamp: DataStoreStamp?
    /// This process's sync target's stamp: runs recorded with another are refused. Nil checks
    /// nothing.
    public var syncTargetStamp: DataStoreStamp?

    /// Sets ``dataStoreStamp`` and ``syncTargetStamp`` from ``store`` and ``syncTarget`` (whose
    /// `prepare()` has run): what `elt run` and `elt-server` do before running anything.
    public mutating func stampStores() async throws {
        dataStoreStamp = try await DataStoreStamp.of(store)
        syncTargetStamp = try await DataStoreStamp.of(syncTarget)
    }

    /// The journal key of the data store every process sharing a journal must use.
    public static let dataStoreBindingKey = "elt.data_store"
    /// The journal key of the sync target every process sharing a journal must use.
    public static let syncTargetBindingKey = "elt.sync_target"

    /// The journal bindings of ``dataStoreStamp`` and ``syncTargetStamp`` (after
    /// ``stampStores()``): a process whose data store or sync target is not the one the
    /// journal's first process used does not start, so it takes no run of the fleet's queue and
    /// loads nothing into its own tables (see `JournalBinding`). `replacing` rebinds them: an
    /// operator who moved the fleet for good (`--rebind-stores`).
    public func storeBindings(replacing: Bool = false) -> [BindingRequirement] {
        let stores: [(String, DataStoreStamp?, String, String)] = [
            (Self.dataStoreBindingKey, dataStoreStamp, "the data store", "use its data store: start this one with the fleet's (--data-database-url and --data-schema"),
            (Self.syncTargetBindingKey, syncTargetStamp, "the sync target", "sync to its target: start this one with the fleet's (--sync-database-url and --sync-schema"),
        ]
        return stores.compactMap { key, stamp, noun, what in
            stamp.map { stamp in
                BindingRequirement(
                    JournalBinding(key: key, value: stamp.id, detail: "\(noun) \(stamp.location)"), replacing: replacing,
                    advice: "Every process sharing a journal must \(what), or the same --data-path on one machine). If the fleet has "
                        + "moved to this one for good, start one process with --rebind-stores (runs recorded with the old one are then refused).")
            }
        }
    }

    /// Creates an environment.
    public init(
        store: any DataStore, source: any UserSource = GeneratorUserSource(), syncTarget: any SyncTarget,
        failures: FailureSimulation = .none, retries: PipelineRetries = PipelineRetries(),
        gauge: LiveRecordGauge = LiveRecordGauge(), validator: RecordValidator = RecordValidator(),
        outOfMemory: OutOfMemoryAction = .crashRuntime, pageConcurrency: Int = 10,
        syncRetry: SyncRetryPolicy = .default, logger: Logger = Logger(label: "elt.pipeline")
    ) {
        self.syncRetry = syncRetry
        self.logger = logger
        self.pageConcurrency = pageConcurrency
        self.store = store
        self.source = source
        self.syncTarget = syncTarget
        self.failures = failures
        self.retries = retries
        self.gauge = gauge
        self.validator = validator
        self.outOfMemory = outOfMemory
    }
}

extension PipelineEnvironment {
    /// The source a run recorded, as this process provides it.
    ///
    /// The configured source if it is the recorded one; otherwise the generator is rebuilt
    /// from its recorded parameters, and the HTTP source is always available (the endpoint
    /// comes from the run's recorded integration). A run recorded before sources were
    /// (`descriptor` nil) reads the configured source.
    ///
    /// - Throws: ``PipelineError/sourceUnavailable(runID:recorded:available:)`` for a custom
    ///   source this process was not configured with. It never substitutes another source.
    func userSource(for descriptor: SourceDescriptor?, runID: String) throws -> any UserSource {
        guard let descriptor else { return source }
        if source.descriptor == descriptor { return source }
        switch descriptor.kind {
        case SourceDescriptor.generatorKind:
            return GeneratorUserSource(descriptor: descriptor)
        case SourceDescriptor.httpKind:
            return source as? HTTPUserSource ?? HTTPUserSource(logger: logger)
        default:
            throw PipelineError.sourceUnavailable(runID: runID, recorded: descriptor.description, available: source.descriptor.description)
        }
    }
}

import ELT
import DurableRuntime
import Foundation
import JournalPostgres
import Logging

/// Runs `root_orchestration_workflow` once, start to finish, in this process: what
/// `elt run` does.
///
/// It opens the data store, seeds demo integrations if it has none (see ``seedIfEmpty(_:)``), prepares the sync target, then runs a
/// runtime until the root workflow has its result. A simulated out-of-memory kill crashes the
/// runtime; the runner then starts a new runtime on the same journal, whose recovery resumes
/// the run where it stopped, as a supervisor restarting a killed process would.
public struct ELTRunner: Sendable {
    /// The outcome of a run.
    public struct Outcome: Sendable {
        /// The root workflow's id.
        public var workflowID: String
        /// Its result.
        public var result: RootResult
        /// Seconds from starting the root workflow to its result (seeding not included); when
        /// ``alreadyFinished``, the original run's: its last status change minus its creation,
        /// as the journal recorded them.
        public var seconds: Double
        /// How many times the runtime was restarted after a simulated crash.
        public var restarts: Int
        /// Workflows outside this run that the run recovered (an earlier run's, left unfinished
        /// on this executor) and finished before it returned.
        public var alsoFinished: [String] = []
        /// Whether the workflow id named had already finished successfully before this run:
        /// nothing ran, and the result is the recorded one.
        public var alreadyFinished = false
    }

    /// What a run found already recorded under the workflow id it was given, before it ran.
    public struct ExistingRun: Sendable, Equatable {
        /// The recorded workflow's status: `SUCCESS` returns its result, `ERROR` its error,
        /// anything else is resumed where it stopped.
        public var status: WorkflowStatus
        /// The recorded input, when the input given differs from it: the recorded one is what
        /// runs (the journal replays a workflow with the input it started with), the given one
        /// is ignored. Nil when they are the same.
        public var differingInputJSON: String?

        /// Creates the finding.
        public init(status: WorkflowStatus, differingInputJSON: String?) {
            self.status = status
            self.differingInputJSON = differingInputJSON
        }
    }

    /// The configuration.
    public let configuration: ELTConfiguration
    /// The source of users.
    public let source: any UserSource
    /// Injected failures (from the configuration by default).
    public let failures: FailureSimulation
    /// Step retry policies (the seed's by default).
    public let retries: PipelineRetries
    /// Counts the records each pipeline holds.
    public let gauge: LiveRecordGauge
    /// The most restarts before giving up.
    public var maximumRestarts = 100
    /// Interceptors every runtime of the run gets besides the configuration's (a progress
    /// display's ``PipelineObserver``, say).
    public var interceptors: [any WorkflowInterceptor] = []

    /// A runner for `configuration` reading users from `source` (the generator by default).
    public init(configuration: ELTConfiguration, source: (any UserSource)? = nil, failures: FailureSimulation? = nil,
                retries: PipelineRetries = PipelineRetries(), gauge: LiveRecordGauge = LiveRecordGauge()) {
        self.configuration = configuration
        self.source = source ?? configuration.makeGeneratorSource()
        self.failures = failures ?? configuration.makeFailureSimulation()
        self.retries = retries
        self.gauge = gauge
    }

    /// Runs the root workflow with `input` under `workflowID` (a new id if nil); a finished
    /// id returns its recorded result without running anything. `onStart` is called once the
    /// data store and the sync target are open and the journal's URL and `workflowID` are valid
    /// (the configuration works), before the run. `onExisting` is called, before anything runs,
    /// when `workflowID` names a workflow the journal holds already (see ``ExistingRun``).
    /// `onRecorded` is called once the run's row is in the journal: from then on a failure
    /// leaves it resumable (`--workflow-id`).
    public func run(
        input: RootInput = RootInput(), workflowID: String? = nil, onStart: @Sendable () -> Void = {},
        onExisting: @escaping @Sendable (ExistingRun) -> Void = { _ in }, onRecorded: @escaping @Sendable () -> Void = {}
    ) async throws -> Outcome {
        let store = try await configuration.makeDataStore()
        do {
            try await seedIfEmpty(store)
            if let http = source as? HTTPUserSource { try await Self.checkCredentials(http, store) }
            return try await run(input: input, workflowID: workflowID, store: store, onStart: onStart,
                                 onExisting: onExisting, onRecorded: onRecorded)
        } catch {
            await store.close()
            throw error
        }
    }

    /// Seeds ``ELTConfiguration/integrations`` demo integrations (`org-001`, …) only when the
    /// data database has no integration at all and the source is the generator: a database
    /// with integrations of its own (`elt integrations add`) never gets demo tenants beside
    /// them, and the HTTP source never gets tenants whose `example.com` endpoints cannot answer.
    /// Returns how many were seeded.
    @discardableResult
    public func seedIfEmpty(_ store: any DataStore) async throws -> Int {
        guard configuration.integrations > 0, source.descriptor.kind == SourceDescriptor.generatorKind,
              try await store.integrations(after: nil, limit: 1).isEmpty
        else { return 0 }
        return try await store.seedIntegrations(count: configuration.integrations)
    }

    /// Refuses to start an HTTP run while an integration names an auth header variable that is
    /// unset here: the error names the integration and the variable, before anything is written.
    static func checkCredentials(_ source: HTTPUserSource, _ store: any DataStore) async throws {
        var after: ConnectedIntegration?
        while true {
            let page = try await store.integrations(after: after, limit: 1_000)
            for integration in page { _ = try source.authorizationHeader(of: integration) }
            guard page.count == 1_000 else { return }
            after = page.last
        }
    }

    private func run(
        input: RootInput, workflowID: String?, store: any DataStore, onStart: @Sendable () -> Void,
        onExisting: @escaping @Sendable (ExistingRun) -> Void, onRecorded: @escaping @Sendable () -> Void
    ) async throws -> Outcome {
        let target = try configuration.makeSyncTarget()
        try await target.prepare()
        // The journal's URL, and the id, before the banner: a configuration that does not work
        // gets its error alone.
        if let url = configuration.systemDatabaseURL { _ = try PostgresJournal.redacted(url: url) }
        if let workflowID { try WorkflowID.validate(workflowID) }
        onStart()
        var environment = PipelineEnvironment(
            store: store, source: source, syncTarget: target, failures: failures, retries: retries, gauge: gauge,
            outOfMemory: .crashRuntime, syncRetry: configuration.syncRetry, logger: configuration.logger)
        // The run records its data store and sync target: a process with another one refuses its workflows.
        try await environment.stampStores()
        var input = input
        if input.dataStore == nil { input.dataStore = environment.dataStoreStamp }
        if input.syncTarget == nil { input.syncTarget = environment.syncTargetStamp }
        do {
            let outcome = try await run(input: input, workflowID: workflowID, environment: environment,
                                        onExisting: onExisting, onRecorded: onRecorded)
            await target.close()
            await store.close()
            return outcome
        } catch {
            await target.close()
            throw error
        }
    }

    private func run(
        input: RootInput, workflowID: String?, environment: PipelineEnvironment,
        onExisting: @escaping @Sendable (ExistingRun) -> Void, onRecorded: @escaping @Sendable () -> Void
    ) async throws -> Outcome {
        let id = workflowID ?? "elt-run-" + UUID().uuidString.lowercased()
        let clock = ContinuousClock()
        let started = clock.now
        var restarts = 0
        while true {
            var runtimeConfiguration = configuration.runtimeConfiguration()
            runtimeConfiguration.interceptors += interceptors
            // A journal shared with servers is bound to their data store and sync target.
            runtimeConfiguration.bindings = environment.storeBindings(replacing: configuration.rebindStores && restarts == 0)
            // Its own tree only: queued work of servers sharing the journal is theirs to run.
            runtimeConfiguration.treeRootID = id
            let runtime = WorkflowRuntime(backend: try configuration.makeJournal(), configuration: runtimeConfiguration)
            ELTPipeline.register(on: runtime, environment: environment)
            let firstAttempt = restarts == 0
            if let (result, seconds, others, earlier) = try await runtime.withRunningUnlessCrashed({ runtime in
                // An id the journal holds: said once, before it runs. One that already finished:
                // the result is the recorded one, and so is the time.
                let existing = try await workflowID == nil ? nil : runtime.workflow(id: id)
                if let existing, firstAttempt {
                    onExisting(ExistingRun(status: existing.status,
                                           differingInputJSON: Self.sameInput(existing.inputJSON, input) ? nil : existing.inputJSON))
                }
                let earlier = existing.flatMap { $0.status == .success ? $0 : nil }
                let handle = try await runtime.start(RootOrchestrationWorkflow.self, id: id, input: input)
                onRecorded()
                let result = try await handle.result()
                let elapsed = clock.now - started
                // Finish what this process picked up at start (an earlier run's workflows on
                // this executor) before exiting, rather than leave it half-advanced.
                let finished = try await runtime.waitForRecoveredWorkflows().filter { $0 != id && !$0.hasPrefix(id + "-") }
                // The tops of what was finished (a child's id extends its parent's).
                let others = finished.filter { other in !finished.contains { other.hasPrefix($0 + "-") } }
                return (result, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, others, earlier)
            }) {
                if let earlier {
                    return Outcome(workflowID: id, result: result, seconds: Double(earlier.updatedAt - earlier.createdAt) / 1_000,
                                   restarts: restarts, alsoFinished: others, alreadyFinished: true)
                }
                return Outcome(workflowID: id, result: result, seconds: seconds, restarts: restarts, alsoFinished: others)
            }
            restarts += 1
            guard restarts <= maximumRestarts else {
                throw RunnerError(description: "the runtime crashed \(restarts) times; giving up (workflow \(id) stays PENDING for recovery)")
            }
            configuration.logger.warning("simulated out-of-memory kill: restarting the runtime; recovery resumes \(id)")
        }
    }
}

extension ELTRunner {
    /// Whether `recordedJSON` (a root workflow's recorded input) is `input`: compared as
    /// values, so key order and spacing do not count, nor the recorded data store and sync
    /// target. A recorded input that does not decode differs.
    static func sameInput(_ recordedJSON: String, _ input: RootInput) -> Bool {
        // The data store and sync target are not options: different ones are refused by the run itself.
        guard var recorded = try? JSONDecoder().decode(RootInput.self, from: Data(recordedJSON.utf8)) else { return false }
        var given = input
        (recorded.dataStore, given.dataStore) = (nil, nil)
        (recorded.syncTarget, given.syncTarget) = (nil, nil)
        return recorded == given
    }
}

extension ELTRunner.ExistingRun {
    /// What `elt run --workflow-id ID` says, before it runs, when the journal holds `ID`
    /// already: what running it again does, and that the recorded input is the one that runs.
    public func note(id: String) -> String {
        var note: String
        switch status {
        case .success:
            note = "note: workflow \(id) finished already; its recorded result is shown and nothing runs again. "
                + "Use another --workflow-id for a new run."
        case .error, .maxRecoveryAttemptsExceeded:
            note = "note: workflow \(id) ended already (\(status.rawValue)); running it again returns its recorded error. "
                + "After fixing the cause, run anew with another --workflow-id, or fork it from the failed step "
                + "(elt steps \(ShellWord.quoted(id)) numbers them; elt fork \(ShellWord.quoted(id)) --step N, run by an elt-server on this journal)."
        case .cancelled:
            note = "note: workflow \(id) was cancelled; running it again returns that. Resume it with elt resume \(ShellWord.quoted(id)) "
                + "(an elt-server on this journal runs it), or run anew with another --workflow-id."
        case .enqueued, .pending:
            note = "note: workflow \(id) is \(status.rawValue) in the journal; this run resumes it from its checkpoints."
        }
        if let recorded = differingInputJSON {
            note += "\nnote: the options given differ from the input workflow \(id) was started with, and are ignored: "
                + "a workflow always runs with its recorded input (\(recorded)). Use another --workflow-id to run with these options."
        }
        return note + "\n"
    }
}

/// Why a one-shot run gave up.
public struct RunnerError: Error, CustomStringConvertible {
    /// What happened.
    public var description: String
}

import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

@Suite("ELT pipeline")
struct PipelineTests {
    @Test("one integration: staging 1,000, CDC 1,000 inserts, applied 1,000, latest 1,000, synced 1,000", arguments: JournalKind.available)
    func oneIntegration(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let integration = try await harness.integrations()[0]
        let result = try await harness.withRuntime { runtime in
            try await runtime.run(ELTPipelineWorkflow.self, id: "pipeline-1", input: PipelineHarness.pipelineInput(integration))
        }
        #expect(result.usersStaged == 1_000)
        #expect(result.cdc.counts == [1_000, 0, 0])
        #expect(result.applied == 1_000)
        #expect(result.latest == 1_000)
        #expect(result.synced == 1_000)
        #expect(result.quarantined == 0)
        #expect(result.snapshotComplete)
        let tenant = integration.tenant
        #expect(try await harness.store.count(.staging, tenant: tenant) == 1_000)
        #expect(try await harness.store.count(.cdc, tenant: tenant) == 1_000)
        #expect(try await harness.store.count(.latest, tenant: tenant) == 1_000)
        #expect(try await harness.target.users(tenant: tenant) == harness.store.latestUsers(tenant: tenant))
        // The other tenant saw nothing.
        let other = try await harness.integrations()[1].tenant
        #expect(try await harness.snapshotCounts(other).values.allSatisfy { $0 == 0 })
    }

    @Test("the workflows form the seed's hierarchy, with its step names", arguments: JournalKind.available)
    func hierarchy(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let integration = try await harness.integrations()[0]
        try await harness.withRuntime { runtime in
            _ = try await runtime.run(ELTPipelineWorkflow.self, id: "p", input: PipelineHarness.pipelineInput(integration))
            let children = try await runtime.listWorkflows(WorkflowQuery(parentID: "p", order: .ascending))
            #expect(children.map(\.name) == [ExtractAndLoadWorkflow.name, CDCDetectionWorkflow.name,
                                             ApplyToLatestWorkflow.name, SyncToPostgresWorkflow.name])
            let extractID = children[0].id
            let batches = try await runtime.listWorkflows(WorkflowQuery(parentID: extractID))
            #expect(batches.count == 10)
            #expect(batches.allSatisfy { $0.name == ExtractAndLoadBatchWorkflow.name && $0.status == .success })
            let steps = try await runtime.steps(workflowID: batches[0].id).map(\.name)
            #expect(steps == Array(repeating: "fetch_users_from_api", count: 10) + ["insert_users_to_staging"])
        }
    }

    @Test("rerunning with the same workflow id returns the same result and adds no rows", arguments: JournalKind.available)
    func rerunSameID(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let integration = try await harness.integrations()[0]
        let input = PipelineHarness.pipelineInput(integration)
        let first = try await harness.withRuntime { try await $0.run(ELTPipelineWorkflow.self, id: "same", input: input) }
        let before = try await harness.snapshotCounts(integration.tenant)
        let second = try await harness.withRuntime { try await $0.run(ELTPipelineWorkflow.self, id: "same", input: input) }
        #expect(second == first)
        #expect(try await harness.snapshotCounts(integration.tenant) == before)
        #expect(try await harness.store.duplicateStagingRows() == 0)
    }

    @Test("a new run of an unchanged snapshot detects no changes and syncs nothing", arguments: JournalKind.available)
    func unchangedSnapshot(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let integration = try await harness.integrations()[0]
        let input = PipelineHarness.pipelineInput(integration)
        let second = try await harness.withRuntime { runtime in
            _ = try await runtime.run(ELTPipelineWorkflow.self, id: "run-1", input: input)
            return try await runtime.run(ELTPipelineWorkflow.self, id: "run-2", input: input)
        }
        #expect(second.usersStaged == 1_000)
        #expect(second.cdc.counts == [0, 0, 0])
        #expect(second.latest == 1_000)
        #expect(second.synced == 0)
    }

    @Test("a second, grown snapshot with churn is read to its end without num_batches: the expected inserts, updates and deletes; latest equals the sync target",
          arguments: JournalKind.available)
    func churn(kind: JournalKind) async throws {
        let churn = ChurnModel(insertRate: 0.05, updateRate: 0.1, deleteRate: 0.04)
        let harness = try await PipelineHarness(kind, source: GeneratorUserSource(churn: churn))
        let integration = try await harness.integrations()[0]
        let generator = UserGenerator(integrationID: integration.id, organizationID: integration.organizationID, churn: churn)
        let expected = generator.expectedChanges(from: 0, to: 1, baseCount: 1_000)
        #expect(expected.inserts == 50 && expected.updates > 0 && expected.deletes > 0)
        // No num_batches, as elt start, the schedule and the admin API start it: the grown
        // snapshot (1,050 users, 11 batches) is read to its end, so it is complete.
        let (first, second) = try await harness.withRuntime { runtime in
            (try await runtime.run(ELTPipelineWorkflow.self, id: "s0", input: PipelineHarness.pipelineInput(integration, snapshot: 0)),
             try await runtime.run(ELTPipelineWorkflow.self, id: "s1", input: PipelineHarness.pipelineInput(integration, snapshot: 1)))
        }
        #expect(first.cdc.inserts == 1_000)
        #expect(second.usersStaged == 1_050 - expected.deletes && second.snapshotEnd == PageTrail.End.declared.rawValue)
        #expect(second.snapshotComplete)
        #expect(second.cdc.counts == [expected.inserts, expected.updates, expected.deletes])
        #expect(second.synced == expected.inserts + expected.updates + expected.deletes)
        let tenant = integration.tenant
        let latest = try await harness.store.latestUsers(tenant: tenant)
        let snapshotOne = (0..<200).flatMap { generator.page(snapshot: 1, page: $0, pageSize: 10) }.sorted { $0.id < $1.id }
        #expect(latest == snapshotOne)
        #expect(second.latest == snapshotOne.count)
        #expect(try await harness.target.users(tenant: tenant) == latest)
    }

    @Test("an incomplete snapshot detects no deletes", arguments: JournalKind.available)
    func incompleteSnapshot(kind: JournalKind) async throws {
        let churn = ChurnModel(insertRate: 0, updateRate: 0, deleteRate: 0.5)
        let harness = try await PipelineHarness(kind, source: GeneratorUserSource(churn: churn))
        let integration = try await harness.integrations()[0]
        let result = try await harness.withRuntime { runtime in
            _ = try await runtime.run(ELTPipelineWorkflow.self, id: "full", input: PipelineHarness.pipelineInput(integration, snapshot: 0))
            // Only 2 batches of the shrunken snapshot: its end is never seen.
            return try await runtime.run(ELTPipelineWorkflow.self, id: "part", input: PipelineHarness.pipelineInput(integration, snapshot: 1, numBatches: 2))
        }
        #expect(!result.snapshotComplete)
        #expect(result.cdc.deletes == 0)
        #expect(result.latest == 1_000)
    }

    @Test("the root reads integrations a page at a time and keeps a page of pipelines in flight; its output is totals only",
          arguments: JournalKind.available)
    func pagedRoot(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind, integrations: 7)
        let (result, steps) = try await harness.withRuntime { runtime in
            let result = try await runtime.run(
                RootOrchestrationWorkflow.self, id: "root", input: RootInput(numBatches: 1, integrationPageSize: 3))
            return (result, try await runtime.steps(workflowID: "root"))
        }
        #expect(result.integrations == 7)
        #expect(result.usersStaged == 700 && result.latest == 700)
        let pages = steps.filter { $0.name == "load_connected_integrations" }
        let sizes = try pages.map { try JSONDecoder().decode([ConnectedIntegration].self, from: Data(($0.outputJSON ?? "[]").utf8)).count }
        #expect(sizes == [3, 3, 1], "pages of 3 integrations, keyset-paged")
        let loaded = try pages.flatMap { try JSONDecoder().decode([ConnectedIntegration].self, from: Data(($0.outputJSON ?? "[]").utf8)) }
        let all: [String] = try await harness.integrations().map(\.id)
        #expect(loaded.map(\.id) == all, "every integration once, in order")
        // The second page is read only once the first pipeline has been collected.
        let secondPage = try #require(pages.dropFirst().first?.stepNumber)
        #expect(steps.filter { $0.stepNumber < secondPage && $0.name == ELTPipelineWorkflow.name }.count >= 3)
        let root = try await harness.withRuntime { try await $0.existingWorkflow(id: "root") }
        #expect(!(root.outputJSON ?? "").contains("pipelines"), "no per-tenant list in the root's output")
        for integration in try await harness.integrations() {
            #expect(try await harness.store.count(.latest, tenant: integration.tenant) == 100)
        }
    }

    @Test("a root result recorded by an earlier version, with every pipeline's result, still decodes to its totals")
    func legacyRootResult() throws {
        let pipeline = PipelineResult(
            tenant: Tenant(organizationID: "org-001", connectedIntegrationID: "i"), runID: "r",
            extract: ExtractResult(runID: "r", batches: 1, pages: 1, usersStaged: 10, quarantined: 1, snapshotComplete: false),
            cdc: CDCOutcome(inserts: 10, updates: 0, deletes: 0, duplicates: 2), apply: ApplyOutcome(applied: 10, latest: 10), sync: nil)
        var legacy = try JSONSerialization.jsonObject(with: JSONEncoder().encode(RootResult(pipelines: [pipeline]))) as! [String: Any]
        for key in ["duplicates", "superseded", "incomplete_snapshots", "notes", "notes_omitted"] { legacy.removeValue(forKey: key) }
        legacy["pipelines"] = [try JSONSerialization.jsonObject(with: JSONEncoder().encode(pipeline))]
        let decoded = try JSONDecoder().decode(RootResult.self, from: JSONSerialization.data(withJSONObject: legacy))
        #expect(decoded == RootResult(pipelines: [pipeline]))
        #expect(decoded.duplicates == 2 && decoded.incompleteSnapshots == 1 && decoded.notes.count == 1)
    }

    @Test("tenants whose user ids collide never see each other's rows", arguments: JournalKind.available)
    func tenantIsolation(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind, source: CollidingSource())
        let result = try await harness.withRuntime { runtime in
            try await runtime.run(RootOrchestrationWorkflow.self, id: "root", input: RootInput())
        }
        #expect(result.integrations == 2)
        let totals: [Int] = [result.cdcInserts, result.cdcUpdates, result.cdcDeletes, result.latest]
        #expect(totals == [2_000, 0, 0, 2_000])
        for integration in try await harness.integrations() {
            let latest = try await harness.store.latestUsers(tenant: integration.tenant)
            #expect(latest.count == 1_000)
            #expect(latest.allSatisfy { $0.name.hasSuffix(integration.organizationID) })
            #expect(try await harness.target.users(tenant: integration.tenant) == latest)
        }
        // The same 1,000 ids in both tenants.
        let integrations = try await harness.integrations()
        let firstIDs = try await harness.store.latestUsers(tenant: integrations[0].tenant).map(\.id)
        let secondIDs = try await harness.store.latestUsers(tenant: integrations[1].tenant).map(\.id)
        #expect(firstIDs == secondIDs)
    }

    @Test("bad records are quarantined with their reasons and the run goes on", arguments: JournalKind.available)
    func quarantine(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind, integrations: 1, source: FlawedSource())
        let integration = try await harness.integrations()[0]
        let result = try await harness.withRuntime { runtime in
            try await runtime.run(ELTPipelineWorkflow.self, id: "q", input: PipelineHarness.pipelineInput(integration))
        }
        // Page 3 has a record without an email, page 5 a bad email; page 7 repeats its first
        // user, which is a duplicate for the dedup, not a rejection.
        #expect(result.quarantined == 2)
        #expect(result.usersStaged == 998)
        #expect(result.cdc.duplicates == 1)
        #expect(result.latest == 997)
        let quarantined = try await harness.store.quarantined(tenant: integration.tenant)
        #expect(quarantined.map(\.page) == [3, 5])
        #expect(quarantined[0].reason.contains("email is missing"))
        #expect(quarantined[1].reason.contains("not a valid address"))
    }

    @Test("a malformed page fails its fetch step with a message that says what is wrong", arguments: JournalKind.available)
    func malformedPage(kind: JournalKind) async throws {
        let source = MalformedSource()
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        let integration = try await harness.integrations()[0]
        let error = try await harness.withRuntime { runtime in
            do {
                _ = try await runtime.run(ELTPipelineWorkflow.self, id: "bad", input: PipelineHarness.pipelineInput(integration))
                return ""
            } catch {
                return String(describing: error)
            }
        }
        #expect(error.contains("not JSON"), "\(error)")
        // The first batch's 10 pages are fetched at once, each once: a malformed page is not retried.
        #expect(source.calls.load(ordering: .relaxed) == 10, "a malformed page is not retried")
    }

    @Test("an unknown integration is refused with the known ones listed", arguments: JournalKind.available)
    func unknownIntegration(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let message = try await harness.withRuntime { runtime in
            do {
                _ = try await runtime.run(ELTPipelineWorkflow.self, input: PipelineInput(organizationID: "org-001", connectedIntegrationID: "nope"))
                return ""
            } catch {
                return String(describing: error)
            }
        }
        #expect(message.contains("no connected integration 'nope'"), "\(message)")
        #expect(message.contains("org-002"), "\(message)")
    }

    @Test("a run recorded with another data store is refused by the root, the pipeline, a batch and each stage before anything is read or written",
          arguments: JournalKind.available)
    func foreignDataStore(kind: JournalKind) async throws {
        var harness = try await PipelineHarness(kind)
        let here = try await DataStoreStamp.of(harness.store)
        #expect(try await DataStoreStamp.of(harness.store) == here, "a store's identity is stable")
        harness.dataStoreStamp = here
        let other = try await TestDataStores.make(kind)
        let elsewhere = try await DataStoreStamp.of(other)
        #expect(here.id != elsewhere.id, "two stores have two identities")
        let integration = try #require(try await harness.integrations().first)
        var foreign = PipelineHarness.pipelineInput(integration)
        foreign.dataStore = elsewhere
        var foreignRoot = RootInput()
        foreignRoot.dataStore = elsewhere
        var own = foreign
        own.dataStore = here
        let (pipeline, root, batch, stages) = try await harness.withRuntime { [foreign, foreignRoot, own, integration] runtime in
            func failure(_ body: () async throws -> Void) async -> String {
                do { try await body(); return "" } catch { return String(describing: error) }
            }
            let pipeline = await failure { _ = try await runtime.run(ELTPipelineWorkflow.self, id: "foreign", input: foreign) }
            let root = await failure { _ = try await runtime.run(RootOrchestrationWorkflow.self, id: "foreign-root", input: foreignRoot) }
            // A batch and a stage recovered alone (their parent ran elsewhere) carry the stamp too.
            let batch = await failure {
                _ = try await runtime.run(ExtractAndLoadBatchWorkflow.self, id: "foreign-batch", input: BatchInput(
                    integration: integration, runID: "foreign", batchNumber: 0, parameters: .default, snapshot: 0, dataStore: elsewhere))
            }
            let stages = [
                await failure { _ = try await runtime.run(CDCDetectionWorkflow.self, id: "foreign-cdc", input: StageInput(
                    tenant: integration.tenant, runID: "foreign", snapshotComplete: true, dataStore: elsewhere)) },
                await failure { _ = try await runtime.run(ApplyToLatestWorkflow.self, id: "foreign-apply", input: StageInput(
                    tenant: integration.tenant, runID: "foreign", dataStore: elsewhere)) },
                await failure { _ = try await runtime.run(SyncToPostgresWorkflow.self, id: "foreign-sync", input: StageInput(
                    tenant: integration.tenant, runID: "foreign", dataStore: elsewhere)) },
            ]
            _ = try await runtime.run(ELTPipelineWorkflow.self, id: "own", input: own)
            return (pipeline, root, batch, stages)
        }
        for message in [pipeline, root, batch] + stages {
            #expect(message.contains("writes to the data store \(elsewhere.location), and this process's is another one (\(here.location))"),
                    "\(message)")
            #expect(message.contains("must share its data store"), "\(message)")
        }
        // Only the run recorded with this store wrote here; nothing was written to the other.
        #expect(try await harness.store.count(.staging) == 1_000)
        #expect(try await other.count(.staging) == 0)
        #expect(try await harness.store.count(.cdc, tenant: nil, runID: "foreign") == 0)
        await other.close()
    }

    @Test("a run recorded with another sync target is refused by the root, the pipeline and the sync stage; nothing is synced to either",
          arguments: JournalKind.available)
    func foreignSyncTarget(kind: JournalKind) async throws {
        var harness = try await PipelineHarness(kind)
        let here = try await DataStoreStamp.of(harness.target)
        harness.syncTargetStamp = here
        let other = try SQLiteSyncTarget(path: ELTProcess.temporaryDirectory() + "/other-main.sqlite")
        try await other.prepare()
        let elsewhere = try await DataStoreStamp.of(other)
        #expect(here.id != elsewhere.id)
        let integration = try #require(try await harness.integrations().first)
        var foreign = PipelineHarness.pipelineInput(integration)
        foreign.syncTarget = elsewhere
        var foreignRoot = RootInput()
        foreignRoot.syncTarget = elsewhere
        var own = foreign
        own.syncTarget = here
        let messages = try await harness.withRuntime { [foreign, foreignRoot, own, integration] runtime in
            func failure(_ body: () async throws -> Void) async -> String {
                do { try await body(); return "" } catch { return String(describing: error) }
            }
            let messages = [
                await failure { _ = try await runtime.run(ELTPipelineWorkflow.self, id: "foreign", input: foreign) },
                await failure { _ = try await runtime.run(RootOrchestrationWorkflow.self, id: "foreign-root", input: foreignRoot) },
                await failure { _ = try await runtime.run(SyncToPostgresWorkflow.self, id: "foreign-sync", input: StageInput(
                    tenant: integration.tenant, runID: "foreign", syncTarget: elsewhere)) },
            ]
            _ = try await runtime.run(ELTPipelineWorkflow.self, id: "own", input: own)
            return messages
        }
        for message in messages {
            #expect(message.contains("syncs to \(elsewhere.location), and this process's sync target is another one (\(here.location))"),
                    "\(message)")
            #expect(message.contains("must share its sync target"), "\(message)")
        }
        // Only the run recorded with this target was staged and synced here; nothing reached the other.
        #expect(try await harness.store.count(.staging) == 1_000)
        #expect(try await harness.target.users(tenant: integration.tenant).count == 1_000)
        #expect(try await other.users(tenant: integration.tenant).isEmpty)
    }

    @Test("bad batch parameters are refused before anything runs", arguments: JournalKind.available)
    func badParameters(kind: JournalKind) async throws {
        let harness = try await PipelineHarness(kind)
        let message = try await harness.withRuntime { runtime in
            do {
                _ = try await runtime.run(RootOrchestrationWorkflow.self, input: RootInput(pageSize: 0))
                return ""
            } catch {
                return String(describing: error)
            }
        }
        #expect(message.contains("page_size = 0 is invalid"), "\(message)")
        #expect(try await harness.store.count(.staging) == 0)
    }
}

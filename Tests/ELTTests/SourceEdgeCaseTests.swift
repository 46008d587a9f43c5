import DurableRuntime
import DurableTesting
import ELT
import ELTApp
import ELTPostgres
import ELTSQLite
import Foundation
import Testing

/// The kinds of fault from `cases/` (real API behaviour that deleted or altered users), each
/// pinned with its right outcome on both journals (and their sync targets), with neighbours.
@Suite("Source edge cases: nothing lost on real API behaviour")
struct SourceEdgeCaseTests {
    /// Runs one pipeline of the harness's only integration as `id`, returning its result or error.
    static func run(_ harness: PipelineHarness, id: String, snapshot: Int = 0, batchSize: Int? = nil,
                    maxDeleteFraction: Double? = nil) async throws -> Result<PipelineResult, any Error> {
        let integration = try await harness.integrations()[0]
        var input = PipelineHarness.pipelineInput(integration, snapshot: snapshot, batchSize: batchSize)
        input.maxDeleteFraction = maxDeleteFraction
        return try await harness.withRuntime { [input] runtime in
            do {
                return .success(try await runtime.run(ELTPipelineWorkflow.self, id: id, input: input))
            } catch {
                return .failure(error)
            }
        }
    }

    /// The tenant's users in latest and in the sync target, which must agree.
    static func users(_ harness: PipelineHarness) async throws -> [SourceUser] {
        let tenant = try await harness.integrations()[0].tenant
        let latest = try await harness.store.latestUsers(tenant: tenant)
        #expect(try await harness.target.users(tenant: tenant) == latest, "the sync target must equal users_latest")
        return latest
    }

    // MARK: - Deletes only from proof

    @Test("a page shorter than asked for does not end the snapshot: capped pages keep every user", arguments: JournalKind.available)
    func shortPagesDeleteNothing(kind: JournalKind) async throws {
        let source = ScriptedSource([0: ScriptedSource.pages(0..<25, pageSize: 10), 1: ScriptedSource.pages(0..<25, pageSize: 5)])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        let first = try await Self.run(harness, id: "r0").get()
        #expect(first.usersStaged == 25 && first.latest == 25 && first.synced == 25)
        #expect(first.snapshotComplete && first.snapshotEnd == "two_empty_pages")
        let capped = try await Self.run(harness, id: "r1", snapshot: 1).get()
        #expect(capped.usersStaged == 25, "pages 1-4 of 5 users each must still be read")
        #expect(capped.cdc.counts == [0, 0, 0])
        #expect(try await Self.users(harness).count == 25)
    }

    @Test("one empty page in the middle is not the end: the users after it are read and kept", arguments: JournalKind.available)
    func emptyPageInTheMiddle(kind: JournalKind) async throws {
        var gap = ScriptedSource.pages(0..<10, pageSize: 10)
        gap[1] = .records([])
        gap[2] = .records((10..<20).map { ScriptedSource.user($0) })
        let source = ScriptedSource([0: ScriptedSource.pages(0..<20, pageSize: 10), 1: gap])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        _ = try await Self.run(harness, id: "r0").get()
        let second = try await Self.run(harness, id: "r1", snapshot: 1).get()
        #expect(second.usersStaged == 20)
        #expect(second.cdc.counts == [0, 0, 0])
        #expect(try await Self.users(harness).count == 20)
    }

    @Test("a quarantined record is present: its user keeps the last good row; records without a usable id infer no deletes at all",
          arguments: JournalKind.available)
    func quarantinedIsPresent(kind: JournalKind) async throws {
        let good = (0..<3).map { ScriptedSource.user($0) }
        let malformed: [JSONValue] = [ScriptedSource.user(0), ScriptedSource.user(1, email: "bob(at)example.com"),
                                      .object(["id": .string("u-00002"), "external_id": .string("ext-2"), "name": .number(123),
                                               "email": .string("user2@example.com")])]
        let numericIDs: [JSONValue] = (0..<3).map {
            .object(["id": .number(Double($0 + 1)), "external_id": .string("ext-\($0)"), "name": .string("User \($0)"),
                     "email": .string("user\($0)@example.com")])
        }
        let source = ScriptedSource([0: [0: .records(good)], 1: [0: .records(malformed)], 2: [0: .records(numericIDs)]])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        _ = try await Self.run(harness, id: "r0").get()
        let second = try await Self.run(harness, id: "r1", snapshot: 1).get()
        #expect(second.quarantined == 2)
        #expect(second.cdc.counts == [0, 0, 0])
        #expect(try await Self.users(harness) == good.map { try! Self.sourceUser($0) })
        let third = try await Self.run(harness, id: "r2", snapshot: 2).get()
        #expect(third.quarantined == 3)
        #expect(third.cdc.deletes == 0 && third.cdc.withheldDeletes == 0)
        #expect(third.cdc.deletesNotInferred?.contains("3 quarantined records have no usable id") == true)
        #expect(try await Self.users(harness).count == 3)
    }

    @Test("mass-delete guard: a run that would delete more than the limit applies its other changes, withholds the deletes and fails clearly; allowed explicitly, it deletes",
          arguments: JournalKind.available)
    func massDeleteGuard(kind: JournalKind) async throws {
        var shrunk = ScriptedSource.pages(0..<4, pageSize: 10)
        shrunk[0] = .records((0..<4).map { ScriptedSource.user($0, name: $0 == 0 ? "Renamed" : nil) } + [ScriptedSource.user(50)], hasMore: false)
        let source = ScriptedSource([0: ScriptedSource.pages(0..<10, pageSize: 10), 1: shrunk])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        _ = try await Self.run(harness, id: "r0").get()
        let refused = try await Self.run(harness, id: "r1", snapshot: 1)
        guard case .failure(let error) = refused else {
            Issue.record("a run deleting 6 of 10 users must fail under the 20% limit")
            return
        }
        let message = "\(error)"
        #expect(message.contains("would delete 6 of the tenant's 10 users (60%), more than the limit of 20%"), "\(message)")
        #expect(message.contains("--max-delete-fraction"))
        let kept = try await Self.users(harness)
        #expect(kept.count == 11, "the deletes are withheld; the insert is applied")
        #expect(kept.first { $0.id == "u-00000" }?.name == "Renamed", "the update is applied")
        let allowed = try await Self.run(harness, id: "r2", snapshot: 1, maxDeleteFraction: 1).get()
        #expect(allowed.cdc.counts == [0, 0, 6])
        #expect(try await Self.users(harness).count == 5)
    }

    // MARK: - Duplicates never fail a run

    @Test("the same user on two pages of a batch, in two batches, or twice in a page: loaded once, the last occurrence wins, duplicates counted",
          arguments: JournalKind.available)
    func duplicates(kind: JournalKind) async throws {
        // Page 0: users 0-9; page 1: users 9-18 (an offset page that shifted), user 9 renamed there.
        var shifted: [Int: ScriptedSource.Page] = [
            0: .records((0..<10).map { ScriptedSource.user($0) }),
            1: .records((9..<19).map { ScriptedSource.user($0, name: $0 == 9 ? "Nine, later" : nil) }),
        ]
        // Page 2 lists user 20 twice.
        shifted[2] = .records([ScriptedSource.user(20, name: "First"), ScriptedSource.user(20, name: "Second")])
        let source = ScriptedSource([0: shifted])
        for batchSize in [10, 1] {
            let harness = try await PipelineHarness(kind, integrations: 1, source: source)
            let result = try await Self.run(harness, id: "dup", batchSize: batchSize).get()
            #expect(result.usersStaged == 22)
            #expect(result.cdc.duplicates == 2)
            #expect(result.cdc.inserts == 20 && result.latest == 20)
            let users = try await Self.users(harness)
            #expect(users.first { $0.id == "u-00009" }?.name == "Nine, later")
            #expect(users.first { $0.id == "u-00020" }?.name == "Second")
        }
    }

    @Test("a page that repeats the previous one ends the snapshot as incomplete and infers no deletes", arguments: JournalKind.available)
    func repeatedPage(kind: JournalKind) async throws {
        var repeating: [Int: ScriptedSource.Page] = [:]
        for page in 0..<20 { repeating[page] = .records((0..<10).map { ScriptedSource.user($0) }) }
        let source = ScriptedSource([0: ScriptedSource.pages(0..<30, pageSize: 10), 1: repeating])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        _ = try await Self.run(harness, id: "r0").get()
        let second = try await Self.run(harness, id: "r1", snapshot: 1).get()
        #expect(!second.snapshotComplete && second.snapshotEnd == "repeated_page")
        #expect(second.usersStaged == 10)
        #expect(second.cdc.deletes == 0)
        #expect(try await Self.users(harness).count == 30)
    }

    // MARK: - Past the end is not an error

    @Test("404s (and failures) for pages prefetched past the end are ignored; the run loads everything", arguments: JournalKind.available)
    func pastTheEnd(kind: JournalKind) async throws {
        var after404 = ScriptedSource.pages(0..<25, pageSize: 10)
        for page in 3..<10 { after404[page] = .missing }
        var afterEmpty = ScriptedSource.pages(0..<25, pageSize: 10)
        for page in 5..<10 { afterEmpty[page] = .failure("HTTP 500 for a page nobody needed") }
        let source = ScriptedSource([0: after404, 1: afterEmpty])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        let first = try await Self.run(harness, id: "r0").get()
        #expect(first.usersStaged == 25 && first.latest == 25)
        #expect(!first.snapshotComplete && first.snapshotEnd == "missing_page_after_short_page", "a 404 ends the snapshot but proves nothing")
        let second = try await Self.run(harness, id: "r1", snapshot: 1).get()
        #expect(second.usersStaged == 25 && second.snapshotComplete)
        #expect(try await Self.users(harness).count == 25)
    }

    @Test("a missing page where the snapshot cannot have ended (page 0, or after a full page) fails the run with the source's explanation",
          arguments: JournalKind.available)
    func missingTooEarly(kind: JournalKind) async throws {
        var afterFull = ScriptedSource.pages(0..<20, pageSize: 10)
        afterFull[2] = .missing
        let source = ScriptedSource([0: [0: .missing], 1: afterFull])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        for snapshot in [0, 1] {
            let outcome = try await Self.run(harness, id: "s\(snapshot)", snapshot: snapshot)
            guard case .failure(let error) = outcome else {
                Issue.record("snapshot \(snapshot) must fail")
                continue
            }
            #expect("\(error)".contains("does not exist"), "\(error)")
            #expect("\(error)".contains("404 Not Found"), "\(error)")
            // Page 0 has no page before it: it is said so, with what to check.
            #expect("\(error)".contains("the page before it was full") == (snapshot == 1), "\(error)")
            #expect("\(error)".contains("the first page (page 0) does not exist") == (snapshot == 0), "\(error)")
        }
        #expect(try await Self.users(harness).isEmpty)
    }

    @Test("a page with more records than page_size is refused with what to do, not held whole", arguments: JournalKind.available)
    func oversizedPage(kind: JournalKind) async throws {
        let source = ScriptedSource([0: [0: .records((0..<25).map { ScriptedSource.user($0) })]])
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        guard case .failure(let error) = try await Self.run(harness, id: "big") else {
            Issue.record("an oversized page must fail the run")
            return
        }
        #expect("\(error)".contains("holds 25 records, more than the page_size of 10"), "\(error)")
    }

    // MARK: - Values round-trip exactly or are quarantined

    @Test("a NUL inside a name quarantines that record, on both sync targets; the page's other users are loaded exactly",
          arguments: JournalKind.available)
    func nulQuarantined(kind: JournalKind) async throws {
        let page: [JSONValue] = [ScriptedSource.user(0), ScriptedSource.user(1, name: "Ann\u{0}Lee"), ScriptedSource.user(2, name: "Zoë 😀")]
        let harness = try await PipelineHarness(kind, integrations: 1, source: ScriptedSource([0: [0: .records(page)]]))
        let result = try await Self.run(harness, id: "nul").get()
        #expect(result.quarantined == 1 && result.usersStaged == 2)
        let users = try await Self.users(harness)
        #expect(users.map(\.id) == ["u-00000", "u-00002"])
        #expect(users[1].name == "Zoë 😀")
        let quarantined = try await harness.store.quarantined(tenant: harness.integrations()[0].tenant)
        #expect(quarantined.first?.reason.contains("contains NUL") == true)
    }

    // MARK: - A run resumes with what it started with

    @Test("a run older than one already applied for its tenant applies nothing and says which run superseded it",
          arguments: JournalKind.available)
    func staleRunSuperseded(kind: JournalKind) async throws {
        let source = ScriptedSource([0: ScriptedSource.pages(0..<30, pageSize: 10) { "User \($0) s0" },
                                     1: ScriptedSource.pages(0..<30, pageSize: 10) { "User \($0) s1" }], gatedSnapshot: 0)
        let harness = try await PipelineHarness(kind, integrations: 1, source: source)
        let integration = try await harness.integrations()[0]
        try await harness.withRuntime { runtime in
            let old = try await runtime.start(ELTPipelineWorkflow.self, id: "old",
                                              input: PipelineHarness.pipelineInput(integration, snapshot: 0))
            // "old" has registered and is waiting for its first pages.
            while source.requests.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
            let new = try await runtime.run(ELTPipelineWorkflow.self, id: "new", input: PipelineHarness.pipelineInput(integration, snapshot: 1))
            #expect(new.supersededBy == nil && new.latest == 30)
            source.gate.open()
            let stale = try await old.result()
            #expect(stale.supersededBy == "new")
            #expect(stale.applied == 0 && stale.synced == 0)
        }
        #expect(try await Self.users(harness).allSatisfy { $0.name.hasSuffix(" s1") })
    }

    @Test("a run resumes with the source recorded in its input, not the process's own")
    func recordedSourceWins() async throws {
        let churn = ChurnModel(insertRate: 0.2, updateRate: 0.1, deleteRate: 0.1)
        // The process is configured with a plain generator; the run recorded a churning one of 30 users.
        let harness = try await PipelineHarness(.sqlite, integrations: 1, source: GeneratorUserSource())
        let integration = try await harness.integrations()[0]
        var input = PipelineHarness.pipelineInput(integration, snapshot: 1)
        input.source = GeneratorUserSource(churn: churn, baseCount: 30).descriptor
        let result = try await harness.withRuntime { [input] in try await $0.run(ELTPipelineWorkflow.self, id: "p", input: input) }
        let generator = UserGenerator(integrationID: integration.id, organizationID: integration.organizationID, churn: churn, baseCount: 30)
        #expect(result.usersStaged == generator.totalUsers(snapshot: 1, baseCount: 30))
    }

    @Test("a process without the run's custom source refuses the run and never substitutes another")
    func unknownSourceRefused() async throws {
        let harness = try await PipelineHarness(.sqlite, integrations: 1, source: GeneratorUserSource())
        let integration = try await harness.integrations()[0]
        var input = PipelineHarness.pipelineInput(integration)
        input.source = CollidingSource().descriptor
        let error = try await harness.withRuntime { [input] runtime in
            await #expect(throws: (any Error).self) { try await runtime.run(ELTPipelineWorkflow.self, id: "p", input: input) }
            return try await runtime.workflow(id: "p")?.errorJSON ?? ""
        }
        #expect(error.contains("which this process does not provide"), "\(error)")
        #expect(try await harness.store.count(.staging) == 0, "nothing may be read from another source")
    }

    // MARK: - Helpers

    static func sourceUser(_ json: JSONValue) throws -> SourceUser {
        let result = RecordValidator().validate([RawSourceRecord(json: json)])
        return try #require(result.valid.first)
    }
}

import DurableRuntime
import DurableTesting
import Foundation
import JournalPostgres
import Testing

@Suite("A journal that fails")
struct JournalFailureTests {
    /// Postgres only: the SQLite journal has no connection to lose.
    static var postgresOnly: [JournalKind] { JournalKind.available.filter { $0 == .postgres } }

    // Disabled: about one run in five hangs after the second cut. Diagnosis so far: the step
    // commit's lease from postgres-nio's pool never returns after pg_terminate_backend killed the
    // pooled connections (the server shows no active query; reads on other connections go on).
    // The backend-level test "a commit succeeds after the journal's connections are terminated"
    // (one cut) passes reliably. Re-enable once the pool lease hang is understood.
    @Test("a workflow whose journal connections are cut mid-run continues, with every step run once",
          arguments: postgresOnly)
    func connectionLostMidRun(kind: JournalKind) async throws {
        let harness = try RuntimeHarness(kind)
        let schema = harness.journal.location
        struct CutsItsOwnJournal: Workflow {
            static let name = "cuts_its_own_journal"
            let effects: SideEffects
            let schema: String
            func run(context: WorkflowContext, input: Nothing) async throws -> Int {
                var sum = 0
                for index in 1...12 {
                    sum += try await context.step("step-\(index)") {
                        effects.record("step-\(index)")
                        if index == 5 || index == 9 {
                            let cut = try await PostgresFaults.terminateJournalConnections(schema: schema)
                            effects.record("cut-\(cut > 0)")
                        }
                        return index
                    }
                }
                return sum
            }
        }
        let output = try await withRunning(try harness.runtime(register: {
            $0.register(CutsItsOwnJournal(effects: harness.effects, schema: schema))
        })) { runtime in
            let output = try await runtime.run(CutsItsOwnJournal.self, id: "cut", input: Nothing())
            #expect(try await runtime.steps(workflowID: "cut").count == 12)
            return output
        }
        #expect(output == 78)
        #expect(harness.effects.count("cut-true") == 2, "the journal's connections were really terminated twice")
        for index in 1...12 { #expect(harness.effects.count("step-\(index)") == 1, "step-\(index)") }
    }

    @Test("a Postgres journal that is down fails start-up within seconds with a clear error")
    func downServer() async throws {
        let journal = try PostgresJournal(url: "postgres://postgres:x@127.0.0.1:1/postgres", schema: "down")
        let runtime = WorkflowRuntime(backend: journal)
        let started = Date()
        let error = await #expect(throws: JournalError.self) {
            try await runtime.withRunning { _ in }
        }
        // Far below the 300 s reconnect timeout (a loose bound: a loaded CI machine).
        #expect(Date().timeIntervalSince(started) < 30)
        guard case .unreachable(let database, _) = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(database.contains("127.0.0.1:1") && !database.contains(":x@"), "names the server, hides the password: \(database)")
    }
}

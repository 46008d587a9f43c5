import DurableTesting
import ELT
import Foundation
import Testing

/// What `elt start` and `elt cancel` say when the outcome is not the plain one (issue 14):
/// an existing id, a wait that timed out, nothing to cancel. On the embedded journal, with no
/// server running.
@Suite("Client messages")
struct ClientMessagesTests {
    @Test("starting an existing id says so; with a different input it names the recorded one, and --strict makes it an error")
    func existingID() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let first = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "r1", "--data-path", directory])
        #expect(first.status == 0 && first.stdout.contains("Enqueued root_orchestration_workflow as r1"), "\(first.stdout)\(first.stderr)")
        #expect(!first.stderr.contains("exists already"))

        let same = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "r1", "--data-path", directory])
        #expect(same.status == 0)
        #expect(same.stdout.contains("Existing root_orchestration_workflow as r1"), "\(same.stdout)")
        #expect(same.stderr.contains("workflow r1 exists already (status ENQUEUED); nothing was enqueued") && !same.stderr.contains("differs"))

        let different = try await ELTProcess.run(["start", "root_orchestration_workflow", "num_batches=5", "--id", "r1", "--data-path", directory])
        #expect(different.status == 0)
        #expect(different.stderr.contains("Its input differs from the one given, which is ignored: recorded {}"), "\(different.stderr)")

        let strict = try await ELTProcess.run(["start", "root_orchestration_workflow", "num_batches=5", "--id", "r1", "--strict", "--data-path", directory])
        #expect(strict.status != 0, "--strict refuses a different input")
        #expect(strict.stderr.hasPrefix("error: workflow r1 exists already (status ENQUEUED) with another input: recorded {}"), "\(strict.stderr)")
        #expect(!strict.stderr.contains("note:"), "a refusal is one error line: \(strict.stderr)")
    }

    @Test("a suggested command quotes an id the shell would split or run, and leaves a plain one as it is")
    func suggestedCommandsQuoteIDs() async throws {
        #expect(ShellWord.quoted("elt-run-2026-12-02_a.b:c@d") == "elt-run-2026-12-02_a.b:c@d")
        #expect(ShellWord.quoted("a b") == "'a b'")
        #expect(ShellWord.quoted("<script>alert(1)</script>") == "'<script>alert(1)</script>'")
        #expect(ShellWord.quoted("it's $HOME; rm") == #"'it'\''s $HOME; rm'"#)
        #expect(ShellWord.quoted("") == "''")
        let directory = ELTProcess.temporaryDirectory()
        let started = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "nightly run's 2nd", "--data-path", directory])
        #expect(started.status == 0 && started.stdout.contains(#"Follow it with: elt status 'nightly run'\''s 2nd'"#), "\(started.stdout)")
        // What it prints is what finds the workflow when pasted into a shell.
        let pasted = try await ELTProcess.run(["-c", #"\#(ELTProcess.executable.path) status 'nightly run'\''s 2nd' --data-path \#(directory)"#],
                                              executable: "/bin/sh")
        #expect(pasted.status == 0 && pasted.stdout.contains("nightly run's 2nd"), "\(pasted.stdout)\(pasted.stderr)")
    }

    @Test("a command about existing workflows pointed at a journal that does not exist says so and creates nothing; start still creates it")
    func missingJournal() async throws {
        let directory = ELTProcess.temporaryDirectory()
        for arguments in [["list"], ["status", "r1"], ["steps", "r1"], ["cancel", "r1"], ["fork", "r1", "--step", "1"], ["executors"], ["queues"]] {
            let run = try await ELTProcess.run(arguments + ["--data-path", directory])
            #expect(run.status == 1, "\(arguments): \(run)")
            #expect(run.stderr == "error: no journal at \(directory)/system.sqlite: check --data-path (or ELT_DATA_PATH), which must be the "
                + "directory an elt-server or elt run uses; nothing was created\n", "\(arguments): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory), "nothing was created")
        let start = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "r1", "--data-path", directory])
        #expect(start.status == 0, "a start enqueues for a server to come: \(start.stderr)")
        #expect(try await ELTProcess.run(["list", "--data-path", directory]).stdout.contains("r1"))
        if TestEnvironment.postgresURL != nil || TestEnvironment.isCI {
            let database = try await TestDatabase.create()
            let typo = try await ELTProcess.run(["list", "--system-database-url", database, "--journal-schema", "durabel"])
            #expect(typo.status == 1 && typo.stderr.contains(" (schema durabel): check --journal-schema"), "\(typo.stderr)")
            #expect(try await TestDatabase.scalar(url: database, "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'durabel'") == 0)
        }
    }

    @Test("recovering an executor id nobody registered, with nothing pending, says to check the id")
    func recoverUnknownExecutor() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let server = try ServerProcess(["--data-path", directory, "--schedule", "off", "--integrations", "0"])
        try await server.waitUntilHealthy()
        let run = try await ELTProcess.run(["recover", "ghost", "--data-path", directory])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Resumed on a live executor: 0"), "\(run.stdout)")
        #expect(run.stderr.contains("note: no executor 'ghost' is registered in this journal"), "\(run.stderr)")
        let known = try await ELTProcess.run(["recover", "local", "--data-path", directory])
        #expect(known.status != 0 && known.stderr.contains("live lease"), "a registered, live id is refused as before: \(known.stderr)")
        await server.stop()
    }

    @Test("negative numbers reach the option's own check instead of being taken for flags", arguments: [
        (["fork", "x", "--step", "-1"], "elt", "--step must be 1 or more (steps are numbered from 1), got -1"),
        (["start", "root_orchestration_workflow", "--wait", "--timeout", "-5"], "elt", "--timeout must be 1 or more seconds, got -5"),
        (["--executor-lease", "-1"], "elt-server", "--executor-lease must be 0 (off) or more seconds, got -1"),
        (["--port", "-80"], "elt-server", "--port -80 is not a port (0-65535)"),
    ])
    func negativeNumbers(arguments: [String], executable: String, says expected: String) async throws {
        let run = try await ELTProcess.run(arguments + ["--data-path", ELTProcess.temporaryDirectory()], executable: executable)
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
        #expect(!run.stderr.contains("Missing value"), "\(run.stderr)")
    }

    @Test("--wait that times out says so, with the status and whether a server took the workflow")
    func waitTimesOut() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "w", "--wait", "--timeout", "1", "--data-path", directory])
        #expect(run.status != 0)
        #expect(run.stderr.contains("timed out after 1 s; status ENQUEUED: no server has taken it: is an elt-server running on this journal"),
                "\(run.stderr)")
        #expect(run.stderr.contains(directory + "/system.sqlite"), "names the journal: \(run.stderr)")
    }

    @Test("cancelling a finished workflow says there was nothing to cancel")
    func cancelFinished() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let run = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--workflow-id", "done", "--data-path", directory])
        #expect(run.status == 0, "\(run.stderr)")
        let cancel = try await ELTProcess.run(["cancel", "done", "--data-path", directory])
        #expect(cancel.status == 0)
        #expect(cancel.stdout.contains("done: already SUCCESS; nothing to cancel"), "\(cancel.stdout)\(cancel.stderr)")
        let enqueued = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "queued", "--data-path", directory])
        #expect(enqueued.status == 0)
        let cancelQueued = try await ELTProcess.run(["cancel", "queued", "--data-path", directory])
        #expect(cancelQueued.stdout.contains("queued: CANCELLED"), "\(cancelQueued.stdout)\(cancelQueued.stderr)")
    }
}

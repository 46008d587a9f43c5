import ELTApp
import Foundation
import Testing

/// `elt run --progress` (issue 15, item 5).
@Suite("elt run progress")
struct ProgressTests {
    /// The result block as `elt run` prints it, without the lines that differ from run to run.
    static func resultBlock(_ text: String) -> [String] {
        let cleaned = text.replacingOccurrences(of: "\r", with: "")
        guard let start = cleaned.range(of: "✅ ELT Pipeline Completed Successfully!") else { return [] }
        return cleaned[start.lowerBound...].split(separator: "\n").map(String.init)
            .filter { !$0.contains("Workflow id:") && !$0.contains("Seconds:") && !$0.hasPrefix("Script done") && !$0.isEmpty }
    }

    @Test("under a pseudo-terminal the live line is redrawn in place and erased; the result block is the same as without progress")
    func liveLineOnATerminal() async throws {
        let directory = ELTProcess.temporaryDirectory()
        let transcript = directory + ".typescript"
        let elt = ELTProcess.executable.path
        // script(1) runs elt on a pseudo-terminal and copies what it writes into the transcript.
        let command = "\(elt) run --integrations 8 --source-latency-ms 100 --data-path \(directory)"
        let run = try await ELTProcess.run(["-q", "-e", "-c", command, transcript], executable: "/usr/bin/script")
        #expect(run.status == 0, "\(run.stderr)")
        let screen = try String(contentsOfFile: transcript, encoding: .utf8)
        let redraws = screen.components(separatedBy: "\r\u{1B}[2K⏳ tenants ").count - 1
        #expect(redraws >= 2, "the line is redrawn in place (at least 2 redraws in a run of 2 s or more): \(screen)")
        #expect(screen.contains(" done, ") && screen.contains(" staged (") && screen.contains("/s, ETA ") && screen.contains("CDC +"))
        #expect(screen.contains("quarantined ") && screen.contains("retries ") && screen.contains("recoveries ") && screen.contains("RSS "))
        #expect(screen.contains("\r\u{1B}[2K✅ ELT Pipeline Completed Successfully!") || screen.contains("\r\u{1B}[2K\r\n✅"),
                "the live line is erased before the result block: \(screen)")

        let plain = try await ELTProcess.run(["run", "--integrations", "8", "--progress", "never", "--data-path", ELTProcess.temporaryDirectory()])
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(!plain.stderr.contains("tenants "), "--progress never shows nothing")
        let block = Self.resultBlock(screen)
        #expect(block.count == 10 && block == Self.resultBlock(plain.stdout), "\(block)\n\(plain.stdout)")
    }

    @Test("not on a terminal: plain lines on standard error every 5 s, and --json's standard output stays one JSON line")
    func plainLinesOffATerminal() async throws {
        // 3 tenants × 10 batches × 700 ms: about 7 s, so at least one plain line.
        let run = try await ELTProcess.run(["run", "--json", "--integrations", "3", "--source-latency-ms", "700",
                                            "--data-path", ELTProcess.temporaryDirectory()])
        #expect(run.status == 0, "\(run.stderr)")
        let progress = run.stderr.split(separator: "\n").filter { $0.hasPrefix("progress: tenants ") }
        #expect(!progress.isEmpty, "\(run.stderr)")
        #expect(!run.stderr.contains("\u{1B}["), "no terminal codes off a terminal")
        #expect(run.stdout.split(separator: "\n").count == 1)
        #expect((try? JSONSerialization.jsonObject(with: Data(run.stdout.utf8))) != nil, "\(run.stdout)")
    }

    @Test("with --log-format json off a terminal, the progress is a JSON log record like every other stderr line")
    func jsonProgressOffATerminal() async throws {
        let run = try await ELTProcess.run(["run", "--json", "--log-format", "json", "--integrations", "3", "--source-latency-ms", "700",
                                            "--data-path", ELTProcess.temporaryDirectory()])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stderr.split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(objects.count == lines.count, "every stderr line is JSON: \(run.stderr)")
        let progress = try #require(objects.first { $0["message"] as? String == "progress" }, "\(run.stderr)")
        #expect(progress["level"] as? String == "notice" && progress["tenants_done"] != nil && progress["users_staged"] != nil)
        #expect((progress["summary"] as? String)?.hasPrefix("tenants ") == true)
    }

    @Test("the line's ETA comes from the expected users when known, else from the tenants' rate")
    func lineContents() {
        var tally = PipelineTally()
        tally.tenantsEnqueued = 10; tally.tenantsStarted = 6; tally.tenantsFinished = 4; tally.tenantsFailed = 1
        tally.usersStaged = 5_000; tally.cdcInserts = 4_000; tally.cdcUpdates = 12; tally.cdcDeletes = 3; tally.quarantined = 7
        tally.retries = 2; tally.recoveries = 1
        let known = ProgressDisplay.line(tally, elapsed: .seconds(5), expectedUsers: 10_000, residentBytes: 50 * 1_048_576)
        #expect(known == "tenants 4/10 done, 2 running, 4 queued, 1 failed │ users 5,000 staged (1,000/s, ETA 5s) │ CDC +4,000 ~12 -3 │ quarantined 7 │ retries 2, recoveries 1 │ RSS 50 MB")
        var recovering = PipelineTally()
        recovering.tenantsEnqueued = 1; recovering.tenantsStarted = 2; recovering.tenantsFinished = 1
        #expect(ProgressDisplay.line(recovering, elapsed: .seconds(1), expectedUsers: nil, residentBytes: nil)
            .hasPrefix("tenants 1/2 done, 1 running, 0 queued"), "a recovered tenant, enqueued by an earlier process, counts in the total")
        let unknown = ProgressDisplay.line(tally, elapsed: .seconds(8), expectedUsers: nil, residentBytes: nil)
        #expect(unknown.contains("(625/s, ETA 12s)") && !unknown.contains("RSS"), "4 of 10 tenants in 8 s: 6 more take 12 s: \(unknown)")
    }
}

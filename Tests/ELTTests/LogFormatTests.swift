import ELT
import ELTApp
import Foundation
import Logging
import Testing

/// Workflow-scoped log metadata and `--log-format json` (issue 15, item 4).
@Suite("Log format")
struct LogFormatTests {
    @Test("a JSON log line is one object: fixed keys first, metadata after, colliding keys renamed, control characters escaped")
    func jsonLine() throws {
        let line = JSONLogHandler.line(
            timestamp: Date(timeIntervalSince1970: 0), level: .notice, label: "elt", message: "two\nlines \"quoted\"\u{1}", source: "ELT",
            metadata: ["workflow_id": "w-1", "message": "clash", "nested": .dictionary(["a": .array(["1", .stringConvertible(2)])])])
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["timestamp"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(object["level"] as? String == "notice" && object["label"] as? String == "elt" && object["source"] as? String == "ELT")
        #expect(object["message"] as? String == "two\nlines \"quoted\"\u{1}")
        #expect(object["workflow_id"] as? String == "w-1")
        #expect(object["meta.message"] as? String == "clash")
        #expect((object["nested"] as? [String: Any])?["a"] as? [String] == ["1", "2"])
        #expect(line.hasPrefix(#"{"timestamp":"#))
    }

    @Test("elt run --log-format json: every stderr line is one JSON object, and a retry wait inside a fetch step names its workflow and step")
    func runLogsJSONWithWorkflowMetadata() async throws {
        try await TestUserAPI.withRunning(baseCount: 25) { api in
            let data = ["--data-path", ELTProcess.temporaryDirectory()]
            let add = try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta",
                                                "--endpoint", "http://127.0.0.1:\(api.port)/users"] + data)
            #expect(add.status == 0, "\(add.stderr)")
            api.script(.status(503, body: "busy"))
            let run = try await ELTProcess.run(["run", "--source", "http", "--json", "--log-format", "json"] + data)
            #expect(run.status == 0, "\(run.stderr)")
            let lines = run.stderr.split(separator: "\n")
            #expect(!lines.isEmpty)
            let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(objects.count == lines.count, "every line is a JSON object: \(run.stderr)")
            let wait = try #require(objects.first { ($0["message"] as? String)?.contains("waiting before trying again") == true }, "\(run.stderr)")
            #expect(wait["level"] as? String == "notice")
            #expect((wait["workflow_id"] as? String)?.hasPrefix("elt-run-") == true, "\(wait)")
            #expect(wait["workflow_name"] as? String == ExtractAndLoadBatchWorkflow.name, "\(wait)")
            #expect(wait["step"] as? String == "fetch_users_from_api", "\(wait)")
            #expect(wait["executor_id"] as? String == "local", "\(wait)")
            // stdout stays the one result line.
            #expect(run.stdout.split(separator: "\n").count == 1)
        }
    }

    @Test("--log-format json: a failure that ends the process is a JSON line too (elt-server that cannot listen, elt run that cannot start)")
    func failuresAreJSON() async throws {
        let holder = try ListeningSocket()
        defer { holder.close() }
        let server = try await ELTProcess.run(
            ["--data-path", ELTProcess.temporaryDirectory(), "--port", "\(holder.port)", "--admin-port", "0", "--schedule", "off",
             "--log-format", "json"], executable: "elt-server")
        #expect(server.status != 0)
        let lines = server.stderr.split(separator: "\n")
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!lines.isEmpty && objects.count == lines.count, "every line is a JSON object: \(server.stderr)")
        let failure = try #require(objects.last)
        #expect(failure["level"] as? String == "error")
        #expect((failure["message"] as? String)?.contains("cannot listen on 127.0.0.1:\(holder.port) (--port)") == true, "\(failure)")

        let run = try await ELTProcess.run(["run", "--log-format", "json", "--data-path", ELTProcess.temporaryDirectory(),
                                            "--system-database-url", "postgres://someone:pw@127.0.0.1:1/nowhere"])
        #expect(run.status != 0)
        let runLines = run.stderr.split(separator: "\n")
        let runObjects = runLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!runLines.isEmpty && runObjects.count == runLines.count, "every line is a JSON object: \(run.stderr)")
        #expect(runObjects.last?["level"] as? String == "error", "\(run.stderr)")
    }
}

import Foundation
import Hummingbird
import Synchronization
import Testing

/// `elt-server` exporting traces over OTLP/HTTP (issue 15, item 3).
@Suite("OTLP export")
struct OTLPExportTests {
    /// Runs `body` with a fake OTLP/HTTP collector's port; returns what was posted to `/v1/traces`.
    static func collecting(_ body: (Int) async throws -> Void) async throws -> String {
        let received = Mutex<[UInt8]>([])
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 26)
            received.withLock { $0 += Array(buffer: body) }
            return Response(status: .ok)
        }
        try await withTestServer(router: router, body)
        // The export is protobuf: names and attribute values appear as UTF-8 strings in it.
        return String(decoding: received.withLock { $0 }, as: UTF8.self)
    }

    static let spanNames = ["root_orchestration_workflow", "elt_pipeline_workflow", "extract_and_load_batch_workflow", "fetch_users_from_api",
                            "insert_users_to_staging", "sync_changes", "workflow.id", "step.attempt"]

    @Test("with OTEL_EXPORTER_OTLP_ENDPOINT set, elt-server posts the workflows' and steps' spans to the collector's /v1/traces")
    func serverExportsSpans() async throws {
        let body = try await Self.collecting { port in
            let data = ELTProcess.temporaryDirectory()
            let server = try ServerProcess(["--data-path", data, "--schedule", "off", "--integrations", "1"],
                                           environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)"])
            try await server.waitUntilHealthy()
            let run = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "traced-root", "--wait", "--data-path", data])
            #expect(run.status == 0, "\(run.stderr)\n\(server.log)")
            // A graceful stop flushes the exporter's batch after the runtime has stopped.
            #expect(await server.stop() == 0, "\(server.log)")
            #expect(server.log.contains("exporting traces over OTLP/HTTP"), "\(server.log)")
        }
        for name in Self.spanNames + ["traced-root", "elt-server"] {
            #expect(body.contains(name), "\(name) exported")
        }
    }

    @Test("elt run exports its spans too, and flushes them before it exits")
    func runExportsSpans() async throws {
        let body = try await Self.collecting { port in
            let run = try await ELTProcess.run(["run", "--json", "--integrations", "1", "--workflow-id", "traced-run",
                                                "--data-path", ELTProcess.temporaryDirectory()],
                                               environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_SERVICE_NAME": "elt-test"])
            #expect(run.status == 0, "\(run.stderr)")
        }
        for name in Self.spanNames + ["traced-run", "elt-test"] {
            #expect(body.contains(name), "\(name) exported")
        }
    }
}

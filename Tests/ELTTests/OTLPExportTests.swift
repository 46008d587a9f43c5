import Foundation
import Hummingbird
import Synchronization
import Testing

/// `elt-server` exporting traces over OTLP/HTTP (issue 15, item 3).
@Suite("OTLP export")
struct OTLPExportTests {
    @Test("with OTEL_EXPORTER_OTLP_ENDPOINT set, elt-server posts the workflows' and steps' spans to the collector's /v1/traces")
    func exportsSpans() async throws {
        let received = Mutex<[UInt8]>([])
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 26)
            received.withLock { $0 += Array(buffer: body) }
            return Response(status: .ok)
        }
        try await withTestServer(router: router) { port in
            let data = ELTProcess.temporaryDirectory()
            let server = try ServerProcess(["--data-path", data, "--schedule", "off", "--integrations", "1"],
                                           environment: ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)",
                                                         "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"])
            try await server.waitUntilHealthy()
            let run = try await ELTProcess.run(["start", "root_orchestration_workflow", "--id", "traced-root", "--wait", "--data-path", data])
            #expect(run.status == 0, "\(run.stderr)\n\(server.log)")
            // A graceful stop flushes the exporter's batch after the runtime has stopped.
            #expect(await server.stop() == 0, "\(server.log)")
            #expect(server.log.contains("exporting traces over OTLP/HTTP"), "\(server.log)")
        }
        // The export is protobuf: names and attribute values appear as UTF-8 strings in it.
        let body = String(decoding: received.withLock { $0 }, as: UTF8.self)
        for name in ["root_orchestration_workflow", "elt_pipeline_workflow", "extract_and_load_batch_workflow", "fetch_users_from_api",
                     "insert_users_to_staging", "sync_changes", "workflow.id", "traced-root", "step.attempt", "elt-server"] {
            #expect(body.contains(name), "\(name) exported")
        }
    }
}

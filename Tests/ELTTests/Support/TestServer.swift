import Hummingbird
import Logging
import ServiceLifecycle

/// Runs `body` with `router` served by Hummingbird on a free loopback port, then stops the server.
func withTestServer<T: Sendable>(router: Router<BasicRequestContext>, _ body: (Int) async throws -> T) async throws -> T {
    var logger = Logger(label: "TestServer")
    // Cancelling the server at the end of a test logs errors about its closing channels.
    logger.logLevel = .critical
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        },
        logger: logger)
    // Stopped by a graceful shutdown, never by cancellation: cancelling a Hummingbird server
    // while a connection is being accepted trips a NIOAsyncWriter assertion and kills the process.
    let services = ServiceGroup(configuration: .init(services: [app], logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            // Ends the port stream if the server fails to start, so the test does not hang.
            defer { portContinuation.finish() }
            try await services.run()
        }
        guard let port = await ports.first(where: { _ in true }), port > 0 else {
            _ = try await group.next()
            throw TestServerDidNotStart()
        }
        let result: Result<T, any Error>
        do {
            result = .success(try await body(port))
        } catch {
            result = .failure(error)
        }
        await services.triggerGracefulShutdown()
        try await group.waitForAll()
        return try result.get()
    }
}

/// The test server did not start listening.
struct TestServerDidNotStart: Error, CustomStringConvertible {
    var description: String { "the test HTTP server did not start" }
}

import DurableRuntime
import NIOCore
import ServiceLifecycle

/// One of `elt-server`'s HTTP servers (health, admin), run as a service that starts listening
/// only once the runtime has started: its journal is open, its executor lease held and its
/// pending workflows recovered. A server refused at start (an executor id another process
/// holds, a journal that cannot be opened) thus never says it is listening, and the refusal is
/// the only thing it prints. A graceful shutdown before then ends it without listening.
///
/// A bind that fails after ``PortCheck`` passed (another process took the port in between) is
/// reported as ``ServerError/cannotListen(option:address:reason:fix:)``, not as NIO's
/// `bind(descriptor:ptr:bytes:)` error.
struct ListeningService: Service {
    let server: any Service
    let runtime: WorkflowRuntime
    /// The options that set the address, for the error.
    let options: PortCheck.Options
    let host: String
    let port: Int

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await runtime.waitUntilStarted() }
        } catch is CancellationError {
            return
        }
        do {
            try await server.run()
        } catch let error as IOError where PortCheck.isBindFailure(error.errnoCode) {
            throw PortCheck.failure(errno: error.errnoCode, host: host, port: port, options: options)
        }
    }
}

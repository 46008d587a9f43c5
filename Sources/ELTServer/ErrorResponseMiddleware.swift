import DurableRuntime
import ELT
import Hummingbird
import NIOCore

/// Answers every error of the routes and middleware after it as
/// `{"error":{"message":…,"request_id":…}}`, so no error is an empty response.
///
/// An `HTTPError` keeps its status and message. Any other error is unexpected: it is logged at
/// error level with the request id, and the client gets a 500 whose message only points at that
/// log line — the error's own text may hold SQL, bound values or a framework's dump.
/// Add it to a router first, so that it wraps everything else.
struct ErrorResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    struct Body: Encodable {
        struct Detail: Encodable {
            var message: String
            var requestID: String
            enum CodingKeys: String, CodingKey { case message, requestID = "request_id" }
        }

        var error: Detail
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return try Self.response(to: error, request: request, context: context)
        }
    }

    /// The JSON answer to `error`, logged first if it is unexpected.
    static func response(to error: any Error, request: Request, context: Context) throws -> Response {
        let requestID = context.id
        let status: HTTPResponse.Status
        let message: String
        var headers: HTTPFields = [:]
        switch error {
        case let error as HTTPError:
            (status, headers) = (error.status, error.headers)
            message = error.body ?? Self.defaultMessage(error.status, request)
        case let error as WorkflowError:
            (status, message) = (AdminRoutes.status(of: error), error.description)
        case let error as CatalogError:
            (status, message) = (.badRequest, error.description)
        case is NIOTooManyBytesError:
            (status, message) = (.contentTooLarge, "the request body is too large")
        case let error as any HTTPResponseError:
            (status, message) = (error.status, Self.defaultMessage(error.status, request))
        default:
            context.logger.error("unhandled error in a route", metadata: [
                "request_id": "\(requestID)", "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
            ])
            (status, message) = (.internalServerError, "internal error; see the server log for request \(requestID)")
        }
        var response = try context.responseEncoder.encode(
            Body(error: .init(message: message, requestID: requestID)), from: request, context: context)
        response.status = status
        response.headers.append(contentsOf: headers)
        return response
    }

    /// A message for an error that has none of its own, such as the router's 404.
    static func defaultMessage(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: "no route for \(request.method) \(request.uri.path)"
        case .methodNotAllowed: "\(request.method) is not allowed on \(request.uri.path)"
        default: status.reasonPhrase.lowercased()
        }
    }
}

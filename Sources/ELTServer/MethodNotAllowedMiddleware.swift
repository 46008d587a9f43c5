import Hummingbird
import Synchronization

/// Turns the router's 404 for a path that exists under other methods into 405 Method Not
/// Allowed with an `Allow` header (RFC 9110 §15.5.6): `DELETE /api/workflows/x` is not a
/// missing route but a method the route does not take. (`HEAD` of a `GET` route is the
/// router's: both routers are built with `.autoGenerateHeadEndpoints`.)
///
/// Add it after ``ErrorResponseMiddleware`` (which renders the 405 as JSON) and before the
/// routes; call ``RouteTable/record(_:)`` once every route is added. Only the router's own 404
/// (an `HTTPError` without a message) is looked at: a route's "no such workflow" stays 404.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The routes the middleware checks a path against, filled in once the router is built.
    final class RouteTable: Sendable {
        private let routes = Mutex<[(path: RouterPath, method: HTTPRequest.Method)]>([])

        /// Takes `router`'s routes.
        func record(_ router: Router<Context>) {
            let described = router.routes.map { (path: $0.path, method: $0.method) }
            routes.withLock { $0 = described }
        }

        /// The methods the routes take at `path`, sorted, without duplicates: `HEAD` wherever
        /// `GET` is (the router answers it, though it lists no `HEAD` route).
        func methods(at path: String) -> [String] {
            let segments = path.split(separator: "/", omittingEmptySubsequences: true)
            var methods = Set(routes.withLock { routes in
                routes.filter { Self.matches($0.path, segments) }.map(\.method.rawValue)
            })
            if methods.contains(HTTPRequest.Method.get.rawValue) { methods.insert(HTTPRequest.Method.head.rawValue) }
            return methods.sorted()
        }

        /// Whether `route` matches the path `segments`, component by component (`**` takes the rest).
        static func matches(_ route: RouterPath, _ segments: [Substring]) -> Bool {
            var index = 0
            for element in route.components {
                if element.description == "**" { return true }
                guard index < segments.count, element ~= segments[index] else { return false }
                index += 1
            }
            return index == segments.count
        }
    }

    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            let allowed = table.methods(at: request.uri.path)
            guard !allowed.isEmpty else { throw error }
            throw HTTPError(
                .methodNotAllowed, headers: [.allow: allowed.joined(separator: ", ")],
                message: "\(request.method) is not allowed on \(request.uri.path); it takes \(allowed.joined(separator: ", "))")
        }
    }
}

import Hummingbird

/// Refuses requests without `Authorization: Bearer <token>`.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
              constantTimeEquals(String(header.dropFirst("Bearer ".count)), token) else {
            throw HTTPError(.unauthorized, message: "missing or wrong bearer token: send 'Authorization: Bearer <ELT_ADMIN_TOKEN>'")
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing says nothing about the token.
    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

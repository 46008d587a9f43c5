import Hummingbird

/// Refuses requests without `Authorization: Bearer <token>`.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.authorizes(request, token: token) else {
            throw HTTPError(.unauthorized, message: "missing or wrong bearer token: send 'Authorization: Bearer <ELT_ADMIN_TOKEN>'")
        }
        return try await next(request, context)
    }

    /// Whether `request` carries `Authorization: Bearer <token>`, compared in constant time.
    static func authorizes(_ request: Request, token: String) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        return constantTimeEquals(String(header.dropFirst("Bearer ".count)), token)
    }

    /// Compares `presented` with `expected` in time that depends only on the expected token's
    /// length: no early return at the first difference, nor on a length mismatch, so timing
    /// says nothing about the token, not even its length.
    static func constantTimeEquals(_ presented: String, _ expected: String) -> Bool {
        let (x, y) = (Array(presented.utf8), Array(expected.utf8))
        var difference: UInt8 = x.count == y.count ? 0 : 1
        for index in 0..<y.count {
            difference |= (index < x.count ? x[index] : 0) ^ y[index]
        }
        return difference == 0
    }
}

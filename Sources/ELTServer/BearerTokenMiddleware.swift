import HTTPTypes
import Hummingbird

/// Refuses requests without `Authorization: Bearer <token>`, or, with `sessions`, without the
/// dashboard's session cookie either (the login form and assets pass; a page gets a redirect to
/// `/login`, the API a 401).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// The dashboard's sessions, whose cookie is accepted too (nil: the bearer token only).
    var sessions: DashboardSessions? = nil

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.authorizes(request, token: token) { return try await next(request, context) }
        guard let sessions, sessions.admits(request) else {
            if sessions != nil, DashboardSessions.isPage(request.uri.path) { return DashboardSessions.loginRedirect }
            throw HTTPError(.unauthorized, message: "missing or wrong bearer token: send 'Authorization: Bearer <ELT_ADMIN_TOKEN>'")
        }
        // A change made with the session cookie must come from the dashboard's own script: a
        // cross-site form cannot set this header, and a cross-site fetch that sets it needs a
        // CORS preflight, which this server never grants (beside SameSite=Strict on the cookie).
        // (Logging out needs no proof: a forged logout only ends a session.)
        if request.method != .get, request.method != .head, !DashboardSessions.isPublic(request.uri.path), request.uri.path != "/logout",
           request.headers[Self.dashboardHeader] != "1" {
            throw HTTPError(.forbidden, message: "a change with the session cookie must come from the dashboard (header X-ELT-Dashboard: 1)")
        }
        return try await next(request, context)
    }

    /// The header the dashboard's script sends with every change it makes.
    static var dashboardHeader: HTTPField.Name { HTTPField.Name("X-ELT-Dashboard")! }

    /// Whether `request` carries `Authorization: Bearer <token>`, the token compared in constant
    /// time. The scheme is case-insensitive (`bearer`, `BEARER`: RFC 9110 §11.1), and spaces
    /// after it are skipped.
    static func authorizes(_ request: Request, token: String) -> Bool {
        guard let header = request.headers[.authorization], let space = header.firstIndex(of: " "),
              header[..<space].lowercased() == "bearer" else { return false }
        return constantTimeEquals(String(header[space...].drop { $0 == " " }), token)
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

import Foundation
import Hummingbird
import Synchronization

/// The dashboard's logins when the admin port has a token: `POST /login` with the token opens a
/// session whose random id travels in the `elt_session` cookie (HttpOnly, SameSite=Strict), held
/// in memory until it expires or `POST /logout` closes it. ``BearerTokenMiddleware`` accepts the
/// cookie as well as the bearer token; a restart forgets every session (log in again).
final class DashboardSessions: Sendable {
    /// The cookie's name.
    static let cookieName = "elt_session"
    /// How long a session lasts after its login.
    static let lifetime: Duration = .seconds(12 * 3600)
    /// The most sessions held; the oldest goes first beyond it.
    static let maximumSessions = 1_000

    private let token: String
    private let clock = ContinuousClock()
    /// Session id → when it expires.
    private let sessions = Mutex<[String: ContinuousClock.Instant]>([:])

    init(token: String) {
        self.token = token
    }

    /// A new session's id if `presented` is the admin token (compared in constant time), else nil.
    func login(presented: String) -> String? {
        guard BearerTokenMiddleware<BasicRequestContext>.constantTimeEquals(presented, token) else { return nil }
        var generator = SystemRandomNumberGenerator()
        let id = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        let now = clock.now
        sessions.withLock { sessions in
            sessions = sessions.filter { $0.value > now }
            if sessions.count >= Self.maximumSessions, let oldest = sessions.min(by: { $0.value < $1.value }) {
                sessions[oldest.key] = nil
            }
            sessions[id] = now + Self.lifetime
        }
        return id
    }

    /// Forgets session `id`.
    func logout(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Whether `id` is an open, unexpired session.
    func isValid(_ id: String) -> Bool {
        let now = clock.now
        return sessions.withLock { sessions in
            guard let expiry = sessions[id] else { return false }
            if expiry <= now { sessions[id] = nil; return false }
            return true
        }
    }

    /// The session id `request`'s cookie names, if it is open.
    func session(of request: Request) -> String? {
        guard let value = request.cookies[Self.cookieName]?.value, isValid(value) else { return nil }
        return value
    }

    /// Whether `request` may pass without the bearer token: a path anyone may see (the login
    /// form, the assets) or a valid session cookie.
    func admits(_ request: Request) -> Bool {
        Self.isPublic(request.uri.path) || session(of: request) != nil
    }

    /// The login form and the static assets need no authorization.
    static func isPublic(_ path: String) -> Bool {
        path == "/login" || path.hasPrefix("/assets/")
    }

    /// Whether an unauthorized request for `path` gets the login page (a dashboard page)
    /// rather than a 401 JSON error (the API, `/health`).
    static func isPage(_ path: String) -> Bool {
        !(path == "/api" || path.hasPrefix("/api/") || path == "/health" || path == "/metrics")
    }

    /// The redirect an unauthorized page request gets.
    static var loginRedirect: Response {
        Response(status: .found, headers: [.location: "/login", .cacheControl: "no-store"])
    }

    /// The cookie that carries session `id` (or, with `id` empty and `maxAge` 0, removes it).
    static func cookie(_ id: String, maxAge: Int = Int(lifetime.components.seconds)) -> Cookie {
        Cookie(name: cookieName, value: id, maxAge: maxAge, path: "/", httpOnly: true, sameSite: .strict)
    }
}

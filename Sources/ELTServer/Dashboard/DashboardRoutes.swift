import DurableRuntime
import ELT
import Foundation
import Hummingbird
import NIOCore

/// The web dashboard on the admin port: server-rendered pages over the same ``DurableClient`` as
/// the admin API (workflows, one workflow with its steps, children and timeline, queues,
/// executors, tenants), the login form when the port has a token, and the two assets. The
/// pages' buttons call the admin API's own POST routes. Every page answers HTML, errors too
/// (a 404 page for an unknown workflow).
enum DashboardRoutes {
    /// Mounts the dashboard on `router`. `sessions` is there when the admin port has a token.
    static func add(to router: Router<ServerRequestContext>, client: DurableClient, store: (any DataStore)?, sessions: DashboardSessions?) {
        let pages = DashboardPages(client: client, store: store)
        DashboardAssets.add(to: router)
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/workflows"]) }
        router.get("workflows") { request, context in
            try await html(request, context, sessions, nav: .workflows) {
                let parameters = formValues(request.uri.query ?? "")
                let list = try await pages.workflows(parameters)
                if parameters.contains(where: { $0.0 == "fragment" && $0.1 == "rows" }) {
                    return .fragment(DashboardTemplates.render(list, "rows"))
                }
                return .page(title: "Workflows", body: DashboardTemplates.render(list, "workflows"))
            }
        }
        router.get("workflows/:id") { request, context in
            try await html(request, context, sessions, nav: .workflows) {
                let id = try AdminRoutes.workflowID(context)
                let page = try await pages.workflow(id: id)
                return .page(title: id, body: DashboardTemplates.render(page, "workflow"))
            }
        }
        router.get("queues") { request, context in
            try await html(request, context, sessions, nav: .queues) {
                .page(title: "Queues", body: DashboardTemplates.render(try await pages.queues(), "queues"))
            }
        }
        router.get("executors") { request, context in
            try await html(request, context, sessions, nav: .executors) {
                .page(title: "Executors", body: DashboardTemplates.render(try await pages.executors(), "executors"))
            }
        }
        router.get("tenants") { request, context in
            try await html(request, context, sessions, nav: .tenants) {
                .page(title: "Tenants", body: DashboardTemplates.render(try await pages.tenants(), "tenants"))
            }
        }
        addLogin(to: router, sessions: sessions)
    }

    /// `GET /login`, `POST /login`, `POST /logout`. Without a token there is nothing to log in
    /// to: the form says so and both posts lead to the dashboard.
    static func addLogin(to router: Router<ServerRequestContext>, sessions: DashboardSessions?) {
        router.get("login") { request, _ in
            guard sessions != nil else { return Response(status: .found, headers: [.location: "/workflows"]) }
            return layout(request, sessions, nav: nil, title: "Log in", body: DashboardTemplates.render(["failed": false], "login"))
        }
        router.post("login") { request, _ in
            guard let sessions else { return Response(status: .found, headers: [.location: "/workflows"]) }
            let body = try await request.body.collect(upTo: 64 * 1024)
            let token = formValues(String(buffer: body)).first { $0.0 == "token" }?.1 ?? ""
            guard let session = sessions.login(presented: token) else {
                return layout(request, sessions, nav: nil, title: "Log in", body: DashboardTemplates.render(["failed": true], "login"),
                              status: .unauthorized)
            }
            var response = Response(status: .found, headers: [.location: "/workflows", .cacheControl: "no-store"])
            response.setCookie(DashboardSessions.cookie(session))
            return response
        }
        router.post("logout") { request, _ in
            guard let sessions else { return Response(status: .found, headers: [.location: "/workflows"]) }
            if let session = sessions.session(of: request) { sessions.logout(session) }
            var response = Response(status: .found, headers: [.location: "/login", .cacheControl: "no-store"])
            response.setCookie(DashboardSessions.cookie("", maxAge: 0))
            return response
        }
    }

    // MARK: Rendering

    /// The nav entry a page belongs to.
    enum Nav { case workflows, queues, executors, tenants }

    /// What a page handler produced.
    enum Rendered {
        /// A whole page in the layout.
        case page(title: String, body: String)
        /// A bare piece of HTML (the workflows list's rows).
        case fragment(String)
    }

    /// The layout's values.
    struct Layout {
        var title: String
        var body: String
        var assetVersion = DashboardAssets.version
        var navWorkflows = false
        var navQueues = false
        var navExecutors = false
        var navTenants = false
        var loggedIn: Bool
    }

    /// Runs a page handler and answers its HTML; an error becomes an HTML page with the status
    /// the admin API would give (404 unknown workflow, 400 bad filter, 409, or 500 logged).
    static func html(
        _ request: Request, _ context: ServerRequestContext, _ sessions: DashboardSessions?, nav: Nav,
        _ handler: () async throws -> Rendered
    ) async throws -> Response {
        do {
            switch try await handler() {
            case .page(let title, let body):
                return layout(request, sessions, nav: nav, title: title, body: body)
            case .fragment(let fragment):
                return response(fragment, status: .ok)
            }
        } catch {
            let (status, heading, text) = describe(error, request, context)
            return layout(request, sessions, nav: nav, title: heading,
                          body: DashboardTemplates.render(["heading": heading, "text": text], "message"), status: status)
        }
    }

    /// The status, heading and text of the page that answers `error`.
    static func describe(_ error: any Error, _ request: Request, _ context: ServerRequestContext) -> (HTTPResponse.Status, String, String) {
        switch error {
        case let error as WorkflowError:
            if case .notFound(let id) = error { return (.notFound, "Not found", "There is no workflow with the id \(id).") }
            return (AdminRoutes.status(of: error), "Refused", error.description)
        case let error as FilterError:
            return (.badRequest, "Bad filter", error.description)
        case let error as HTTPError:
            return (error.status, error.status.reasonPhrase, error.body ?? error.status.reasonPhrase)
        default:
            context.logger.error("unhandled error in a dashboard page", metadata: [
                "request_id": "\(context.id)", "path": "\(request.uri.path)", "error": "\(error)",
            ])
            return (.internalServerError, "Internal error", "See the server log for request \(context.id).")
        }
    }

    /// `body` in the layout.
    static func layout(
        _ request: Request, _ sessions: DashboardSessions?, nav: Nav?, title: String, body: String, status: HTTPResponse.Status = .ok
    ) -> Response {
        let layout = Layout(
            title: title, body: body, navWorkflows: nav == .workflows, navQueues: nav == .queues, navExecutors: nav == .executors,
            navTenants: nav == .tenants, loggedIn: sessions?.session(of: request) != nil)
        return response(DashboardTemplates.render(layout, "layout"), status: status)
    }

    /// The security headers every page carries: no script but the dashboard's own file, so
    /// even markup that slipped through escaping could not run.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func response(_ html: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentSecurityPolicy: contentSecurityPolicy,
            .init("X-Content-Type-Options")!: "nosniff", .init("Referrer-Policy")!: "same-origin",
        ], body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    // MARK: Encoding

    /// The `key=value` pairs of a query string or form body, `+` as a space, percent-decoded.
    static func formValues(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// The characters left as they are in a path segment or a query value.
    static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")

    /// `id` as one path segment: every byte but the unreserved ones as `%XX` (a `/` or `?`
    /// in an id stays inside the segment).
    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? id
    }

    /// `pairs` as a query string, each key and value encoded like a path segment.
    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { pathSegment($0.0) + "=" + pathSegment($0.1) }.joined(separator: "&")
    }
}

import DurableRuntime
import ELT
import Hummingbird
import Prometheus

extension ELTServer {
    /// The health port's router: `GET /health`, and `GET /metrics` when `metrics` is given.
    /// Built apart from ``run()`` so that tests run the routes in-process around a runtime of
    /// their own.
    static func healthRouter(
        runtime: WorkflowRuntime, journal: String, adminToken: String?, stalledAfter: Duration = HealthRoutes.defaultStalledAfter,
        metrics: PrometheusCollectorRegistry? = nil
    ) -> Router<ServerRequestContext> {
        // HEAD of every GET route (RFC 9110 §9.3.2): a load balancer's `HEAD /health`.
        let router = Router(context: ServerRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorResponseMiddleware())
        let routes = MethodNotAllowedMiddleware<ServerRequestContext>.RouteTable()
        router.add(middleware: MethodNotAllowedMiddleware(table: routes))
        HealthRoutes.add(to: router, runtime: runtime, journal: journal, adminToken: adminToken, stalledAfter: stalledAfter)
        if let metrics { MetricsRoute.add(to: router, runtime: runtime, registry: metrics) }
        routes.record(router)
        return router
    }

    /// The admin port's router: the admin API and `GET /health`, all behind the bearer token
    /// when one is set. The admin API calls `client` (default: the runtime's, with the
    /// pipeline's policy, ``ELTManagement``).
    /// `store` serves `/api/integrations`; without one those routes are not there.
    static func adminRouter(
        runtime: WorkflowRuntime, client: DurableClient? = nil, journal: String, adminToken: String?, stalledAfter: Duration = HealthRoutes.defaultStalledAfter,
        store: (any DataStore)? = nil
    ) -> Router<ServerRequestContext> {
        // HEAD of every GET route (RFC 9110 §9.3.2): a load balancer's `HEAD /health`.
        let router = Router(context: ServerRequestContext.self, options: .autoGenerateHeadEndpoints)
        // First, so that it also answers the token middleware's 401 and the router's 404.
        router.add(middleware: ErrorResponseMiddleware())
        let sessions = adminToken.map(DashboardSessions.init)
        if let adminToken { router.add(middleware: BearerTokenMiddleware(token: adminToken, sessions: sessions)) }
        // After the token check: a caller without the token learns nothing of the routes.
        let routes = MethodNotAllowedMiddleware<ServerRequestContext>.RouteTable()
        router.add(middleware: MethodNotAllowedMiddleware(table: routes))
        let client = client ?? ELTManagement.client(of: runtime)
        AdminRoutes.add(to: router, client: client)
        DashboardRoutes.add(to: router, client: client, store: store, sessions: sessions)
        if let store { IntegrationRoutes.add(to: router, registry: IntegrationRegistry(store: store)) }
        HealthRoutes.add(to: router, runtime: runtime, journal: journal, adminToken: adminToken, stalledAfter: stalledAfter)
        routes.record(router)
        return router
    }
}

import Foundation

/// An integration's `api_endpoint`, checked, and the page URLs built from it.
struct HTTPSourceEndpoint: Sendable, Equatable {
    /// The endpoint as parsed, fragment removed.
    let components: URLComponents

    /// The query parameters every page request sets (``pageURL(snapshot:page:pageSize:)``):
    /// an endpoint may not set them itself.
    static let pageParameters = ["page", "page_size", "snapshot"]

    /// Names of query parameters whose values are never shown in messages.
    static let secretParameterHints = ["token", "key", "secret", "password", "passwd", "signature", "sig", "auth", "credential"]

    /// The endpoint of `integration`, or the error that explains why it has none usable.
    init(of integration: ConnectedIntegration) throws(HTTPSourceError) {
        guard let endpoint = integration.providerData.apiEndpoint?.trimmingCharacters(in: .whitespaces),
              !endpoint.isEmpty
        else {
            throw .missingEndpoint(integrationID: integration.id, provider: integration.provider)
        }
        try self.init(endpoint: endpoint)
    }

    /// `endpoint` checked: an absolute http(s) URL with a host (what `elt integrations add`
    /// accepts, and what a page fetch needs).
    init(endpoint: String) throws(HTTPSourceError) {
        guard var components = URLComponents(string: endpoint) else {
            throw .invalidEndpoint(endpoint: Self.shortened(endpoint), reason: "it cannot be parsed as a URL")
        }
        components.fragment = nil
        let shown = Self.redacted(components)
        guard let scheme = components.scheme?.lowercased() else {
            throw .invalidEndpoint(endpoint: shown, reason: "it has no scheme")
        }
        guard scheme == "http" || scheme == "https" else {
            throw .invalidEndpoint(endpoint: shown, reason: "its scheme is '\(scheme)', not http or https")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidEndpoint(endpoint: shown, reason: "it has no host")
        }
        // A page request adds page, page_size and snapshot: the endpoint's own would come first
        // and most servers read the first, so every page would fetch the same one.
        let reserved = Set((components.queryItems ?? []).map(\.name)).intersection(Self.pageParameters)
        if !reserved.isEmpty {
            throw .invalidEndpoint(endpoint: shown, reason: "its query sets \(Self.pageParameters.filter(reserved.contains).joined(separator: ", ")), "
                + "which the pipeline sets on every page request; remove it from the URL (the page size is --page-size, "
                + "the snapshot provider_data.snapshot or --snapshot)")
        }
        self.components = components
    }

    /// The URL of one page: the endpoint with `page`, `page_size` and `snapshot` added to its query.
    func pageURL(snapshot: Int, page: Int, pageSize: Int) -> URLComponents {
        var url = components
        let added = "page=\(page)&page_size=\(pageSize)&snapshot=\(snapshot)"
        if let existing = url.percentEncodedQuery, !existing.isEmpty {
            url.percentEncodedQuery = existing.hasSuffix("&") ? existing + added : existing + "&" + added
        } else {
            url.percentEncodedQuery = added
        }
        return url
    }

    /// `url` as text for messages: no user or password, secret-looking query values replaced.
    static func redacted(_ url: URLComponents) -> String {
        var shown = url
        shown.user = nil
        shown.password = nil
        if let items = shown.percentEncodedQueryItems, !items.isEmpty {
            shown.percentEncodedQueryItems = items.map { item in
                let name = item.name.lowercased()
                guard item.value != nil, secretParameterHints.contains(where: name.contains) else { return item }
                return URLQueryItem(name: item.name, value: "REDACTED")
            }
        }
        return shown.string ?? "(unprintable URL)"
    }

    /// At most 200 characters of an unparsable endpoint, without anything before an '@'.
    private static func shortened(_ endpoint: String) -> String {
        // An unparsable URL may still hold `user:password@`; show only what follows it.
        let visible = endpoint.split(separator: "@", omittingEmptySubsequences: false).last.map(String.init) ?? endpoint
        return visible.count <= 200 ? visible : visible.prefix(200) + "…"
    }
}

/// What the client shows of an `api_endpoint` whose query may hold a credential.
public enum EndpointSecrets {
    /// The names of `endpoint`'s query parameters that look like credentials (`api_key`,
    /// `token`, …) and have a value; empty for an endpoint that does not parse.
    public static func parameters(in endpoint: String) -> [String] {
        guard let items = URLComponents(string: endpoint)?.percentEncodedQueryItems else { return [] }
        return items.filter { item in
            guard let value = item.value, !value.isEmpty else { return false }
            let name = item.name.lowercased()
            return HTTPSourceEndpoint.secretParameterHints.contains(where: name.contains)
        }.map(\.name)
    }

    /// `endpoint` with those values replaced by `REDACTED` (and no user or password), as
    /// messages show it. One with nothing to hide, or that does not parse, is returned exactly
    /// as given (not re-encoded: `users dir/é` stays so, not `users%20dir/%C3%A9`).
    public static func redacted(_ endpoint: String) -> String {
        guard let components = URLComponents(string: endpoint),
              components.user != nil || components.password != nil || !parameters(in: endpoint).isEmpty
        else { return endpoint }
        return HTTPSourceEndpoint.redacted(components)
    }

    /// A note for `elt integrations add` and `set` when `endpoint` holds such values: they are
    /// stored as given, where only messages redact them.
    public static func note(for endpoint: String?) -> String? {
        guard let endpoint else { return nil }
        let names = parameters(in: endpoint)
        guard !names.isEmpty else { return nil }
        return "Note: the endpoint's query holds a credential-like value (\(names.joined(separator: ", "))). It is stored as given, in the "
            + "data database and in the journal of every run (messages and listings show it REDACTED, --json shows it). If the API "
            + "takes the credential as a header instead, keep it out of both: --auth-header-env names a variable holding it."
    }
}

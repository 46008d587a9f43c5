/// The default source: a deterministic ``UserGenerator`` per integration, no network.
///
/// Snapshot *s* of an integration is the generator's snapshot *s* under ``churn``; an optional
/// latency per page imitates a remote API.
public struct GeneratorUserSource: UserSource {
    /// How the population changes between snapshots.
    public var churn: ChurnModel
    /// The size of snapshot 0 of every integration.
    public var baseCount: Int
    /// A pause before every page, as a remote API would take.
    public var latency: Duration

    /// Creates a generator source.
    public init(churn: ChurnModel = .none, baseCount: Int = UserGenerator.defaultBaseCount, latency: Duration = .zero) {
        self.churn = churn
        self.baseCount = baseCount
        self.latency = latency
    }

    /// The generator's page, as raw records.
    public func fetchPage(integration: ConnectedIntegration, snapshot: Int, page: Int, pageSize: Int) async throws -> SourcePage {
        if latency > .zero { try await Task.sleep(for: latency) }
        let generator = UserGenerator(
            integrationID: integration.id, organizationID: integration.organizationID, churn: churn, baseCount: baseCount)
        // One more than asked tells whether the snapshot goes on after this page.
        let users = generator.page(snapshot: snapshot, page: page, pageSize: pageSize)
        let hasMore: Bool
        if users.count < pageSize {
            hasMore = false
        } else {
            hasMore = !generator.page(snapshot: snapshot, page: (page + 1) * pageSize, pageSize: 1).isEmpty
        }
        return SourcePage(records: users.map(RawSourceRecord.init(user:)), hasMore: hasMore)
    }

    /// `generator` with the churn, base count and latency: all a process needs to read the
    /// same pages again.
    public var descriptor: SourceDescriptor {
        SourceDescriptor(kind: SourceDescriptor.generatorKind, churn: churn, baseCount: baseCount,
                         latencyMilliseconds: latency > .zero ? Int(latency.components.seconds * 1000 + latency.components.attoseconds / 1_000_000_000_000_000) : nil)
    }

    /// The generator a descriptor of kind `generator` describes.
    public init(descriptor: SourceDescriptor) {
        self.init(churn: descriptor.churn ?? .none, baseCount: descriptor.baseCount ?? UserGenerator.defaultBaseCount,
                  latency: .milliseconds(descriptor.latencyMilliseconds ?? 0))
    }
}

extension RawSourceRecord {
    /// The record a source would send for `user`.
    public init(user: SourceUser) {
        self.init(json: .object([
            "id": .string(user.id), "external_id": .string(user.externalID),
            "name": .string(user.name), "email": .string(user.email),
        ]))
    }
}

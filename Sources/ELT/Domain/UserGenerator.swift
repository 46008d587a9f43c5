import Foundation

/// A deterministic source of fake users for one connected integration, snapshot by snapshot.
///
/// ## The model
/// Users are numbered 1, 2, 3, …; user *n* has external id `ext-<n, six digits>` and id
/// UUIDv5(integration, external id), so a person keeps one id in every snapshot.
/// - Snapshot 0 holds users 1…`baseCount`.
/// - Snapshot *s* > 0 derives from snapshot *s* − 1: each user alive in *s* − 1 is deleted with
///   probability `deleteRate`; each survivor has its name or its email changed with probability
///   `updateRate`; then exactly round(`insertRate` × `baseCount`) new users appear, numbered after
///   the highest so far. A user born at snapshot *k* is alive at *s* if no snapshot in (*k*, *s*]
///   deleted it; its name and email versions count the updates it received.
/// - Every decision is drawn from a ``SplitMix64`` seeded by (integration id, snapshot, user
///   number), so any user's record at any snapshot is computed on its own, without state:
///   a page costs O(page size) memory, and O(page size) time while nobody has been deleted
///   (snapshot 0, or no delete churn), else O(users before it) time to skip the earlier ones.
///
/// Pages are numbered from 0 and list the live users in ascending number, so the pages of one
/// snapshot concatenated form the whole snapshot with no duplicates; the page after the last is empty.
public struct UserGenerator: Sendable {
    /// The default base population: 10 batches × 10 pages × 10 users.
    public static let defaultBaseCount = 1_000

    /// The integration whose users these are.
    public let integrationID: String
    /// The organization that owns the integration; it names the email domain.
    public let organizationID: String
    /// How the population changes between snapshots.
    public let churn: ChurnModel
    /// The size of snapshot 0, used by ``page(snapshot:page:pageSize:)``.
    public let baseCount: Int
    /// The email domain of the organization's users, e.g. `org-001.example.com`.
    public let emailDomain: String

    private let seed: UInt64
    private let idNamespace: UUID

    /// A generator for the users of `integrationID`, owned by `organizationID`.
    public init(integrationID: String, organizationID: String, churn: ChurnModel = .none,
                baseCount: Int = UserGenerator.defaultBaseCount) {
        precondition(baseCount >= 0, "UserGenerator needs a base count of zero or more, got \(baseCount)")
        self.integrationID = integrationID
        self.organizationID = organizationID
        self.churn = churn
        self.baseCount = baseCount
        self.seed = SplitMix64.seed(from: integrationID)
        // Integration ids are UUIDs; anything else still gets a stable namespace of its own.
        self.idNamespace = UUID(uuidString: integrationID) ?? UUID.v5(namespace: .namespaceURL, name: integrationID)
        let label = organizationID.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        self.emailDomain = (label.isEmpty ? "org" : label) + ".example.com"
    }

    /// Page `page` (from 0) of snapshot `snapshot`: up to `pageSize` users, in a stable order.
    public func page(snapshot: Int, page: Int, pageSize: Int) -> [SourceUser] {
        precondition(snapshot >= 0 && page >= 0 && pageSize > 0,
                     "page(snapshot:page:pageSize:) needs snapshot >= 0, page >= 0, pageSize > 0; got \(snapshot), \(page), \(pageSize)")
        let (offset, overflow) = page.multipliedReportingOverflow(by: pageSize)
        let highest = highestNumber(snapshot: snapshot, baseCount: baseCount)
        guard !overflow, highest > 0 else { return [] }
        if snapshot == 0 || churn.deleteRate == 0 {
            // Nobody was ever deleted: users 1…highest are all alive, so page p starts at user
            // p × pageSize + 1 and costs O(page size) time however far into the snapshot it is.
            guard offset < highest else { return [] }
            return ((offset + 1)...min(highest, offset + pageSize)).compactMap { number in
                versions(ofUser: number, at: snapshot, baseCount: baseCount).map { user(number: number, versions: $0) }
            }
        }
        var toSkip = offset
        var users: [SourceUser] = []
        users.reserveCapacity(min(pageSize, highest))
        for number in 1...highest {
            guard let versions = versions(ofUser: number, at: snapshot, baseCount: baseCount) else { continue }
            if toSkip > 0 {
                toSkip -= 1
                continue
            }
            users.append(user(number: number, versions: versions))
            if users.count == pageSize { break }
        }
        return users
    }

    /// The number of users in snapshot `snapshot` of a population of `baseCount` users.
    public func totalUsers(snapshot: Int, baseCount: Int) -> Int {
        precondition(snapshot >= 0, "totalUsers(snapshot:baseCount:) needs snapshot >= 0, got \(snapshot)")
        let highest = highestNumber(snapshot: snapshot, baseCount: baseCount)
        guard highest > 0 else { return 0 }
        return (1...highest).count { versions(ofUser: $0, at: snapshot, baseCount: baseCount) != nil }
    }

    /// The users inserted, updated and deleted between two snapshots (`from` ≤ `to`), found by
    /// scanning every user: O(users) time, O(1) memory.
    public func expectedChanges(from: Int, to: Int, baseCount: Int) -> (inserts: Int, updates: Int, deletes: Int) {
        precondition(0 <= from && from <= to, "expectedChanges(from:to:baseCount:) needs 0 <= from <= to; got \(from), \(to)")
        var changes = (inserts: 0, updates: 0, deletes: 0)
        let highest = highestNumber(snapshot: to, baseCount: baseCount)
        guard highest > 0 else { return changes }
        for number in 1...highest {
            switch (versions(ofUser: number, at: from, baseCount: baseCount), versions(ofUser: number, at: to, baseCount: baseCount)) {
            case (nil, nil): break
            case (nil, .some): changes.inserts += 1
            case (.some, nil): changes.deletes += 1
            case let (.some(before), .some(after)):
                if user(number: number, versions: before) != user(number: number, versions: after) { changes.updates += 1 }
            }
        }
        return changes
    }

    // MARK: - The per-user model

    /// How many times a live user's name and email have changed.
    private struct Versions: Equatable {
        var name = 0
        var email = 0
    }

    private func insertsPerSnapshot(baseCount: Int) -> Int {
        Int((churn.insertRate * Double(baseCount)).rounded())
    }

    /// The highest user number that exists by `snapshot`.
    private func highestNumber(snapshot: Int, baseCount: Int) -> Int {
        baseCount + snapshot * insertsPerSnapshot(baseCount: baseCount)
    }

    /// The snapshot at which user `number` appears.
    private func birthSnapshot(ofUser number: Int, baseCount: Int) -> Int {
        number <= baseCount ? 0 : (number - baseCount - 1) / insertsPerSnapshot(baseCount: baseCount) + 1
    }

    /// The versions of user `number` at `snapshot`, or nil if it is not alive then.
    private func versions(ofUser number: Int, at snapshot: Int, baseCount: Int) -> Versions? {
        let born = birthSnapshot(ofUser: number, baseCount: baseCount)
        guard born <= snapshot else { return nil }
        var versions = Versions()
        var current = born + 1
        while current <= snapshot {
            var random = SplitMix64.decision(seed: seed, current, number)
            if random.nextUnitInterval() < churn.deleteRate { return nil }
            if random.nextUnitInterval() < churn.updateRate {
                if random.next() & 1 == 0 { versions.name += 1 } else { versions.email += 1 }
            }
            current += 1
        }
        return versions
    }

    /// The record of user `number` at the given versions.
    private func user(number: Int, versions: Versions) -> SourceUser {
        var identity = SplitMix64.decision(seed: seed, -1, number)
        let firstIndex = identity.next(below: Self.firstNames.count)
        let first = Self.firstNames[firstIndex]
        let originalLastIndex = identity.next(below: Self.lastNames.count)
        var lastIndex = originalLastIndex
        if versions.name > 0 {
            // Each name change picks a different last name than the one before.
            for version in 1...versions.name {
                var change = SplitMix64.decision(seed: seed, -2, number, version)
                lastIndex = (lastIndex + 1 + change.next(below: Self.lastNames.count - 1)) % Self.lastNames.count
            }
        }
        let externalID = "ext-" + zeroPadded(number, width: 6)
        // The address keeps the original name (as mailboxes do) and changes only with an email update.
        var local = Self.firstNameLabels[firstIndex] + "." + Self.lastNameLabels[originalLastIndex] + String(number)
        if versions.email > 0 { local += ".\(versions.email)" }
        return SourceUser(
            id: UUID.v5(namespace: idNamespace, name: externalID).uuidString.lowercased(),
            externalID: externalID,
            name: first + " " + Self.lastNames[lastIndex],
            email: local + "@" + emailDomain)
    }

    /// `name` reduced to lowercase ASCII letters, for an email address.
    private static func emailLabel(_ name: String) -> String {
        name.lowercased().filter { $0.isASCII && $0.isLetter }
    }

    /// ``emailLabel(_:)`` of each first and last name, worked out once.
    private static let firstNameLabels = firstNames.map(emailLabel)
    private static let lastNameLabels = lastNames.map(emailLabel)
}

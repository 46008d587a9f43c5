import Synchronization

/// Journal writes an execution has made but not committed yet: they ride in the next commit of
/// the same chain of workflows, so that a chain pays fewer serial commits.
///
/// Two kinds are carried (see ``WorkflowContext/runChild(_:input:id:)``):
/// - the start of an inline child with a derived id (the parent's record of the call and the
///   child's row) rides in the child's first commit;
/// - the completion of such a child rides in its parent's next commit.
///
/// Either is safe to lose in a crash: a child whose row was never written is started again by
/// the parent's replay (its call was not recorded either), and a child whose completion was
/// lost is `PENDING` with every step recorded, so its replay returns the same output at once.
/// Each item's handler sees the write's result once the commit that carried it is durable.
final class WriteCarry: Sendable {
    struct Item: Sendable {
        var write: JournalWrite
        /// For a child's row: its parent, whose cancel in the meantime must reach the child.
        var startedUnder: String? = nil
        /// Called with the write's result after the commit that carried it.
        var onCommitted: @Sendable (JournalWriteResult) -> Void
    }

    private let items: Mutex<[Item]>

    init(_ items: [Item] = []) {
        self.items = Mutex(items)
    }

    /// Adds `more` after what is carried.
    func append(_ more: [Item]) {
        guard !more.isEmpty else { return }
        items.withLock { $0.append(contentsOf: more) }
    }

    /// Takes everything carried, leaving nothing.
    func take() -> [Item] {
        items.withLock { items in
            defer { items = [] }
            return items
        }
    }
}

extension WriteCarry {
    /// Commits the `carried` items' writes and then `writes` in one commit of `journal`, tells
    /// each carried item its result, and returns the whole commit's results (the carried ones
    /// first).
    static func submit(_ carried: [Item], then writes: [JournalWrite], to journal: JournalActor) async throws
        -> JournalCommitResult
    {
        let commit = try await journal.submit(carried.map(\.write) + writes)
        for (item, result) in zip(carried, commit.results) { item.onCommitted(result) }
        return commit
    }
}

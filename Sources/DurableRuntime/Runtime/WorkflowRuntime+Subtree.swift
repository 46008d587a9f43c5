extension WorkflowRuntime {
    /// The error a cancel of `rootID` writes on every row it cancels (the root and its
    /// descendants): `{"type","message"}` saying that `rootID` was cancelled. A resume of the
    /// root compares it exactly, to tell the descendants cancelled with the root from those
    /// cancelled on their own.
    func cancelOriginJSON(rootID: String) throws -> String {
        try JournalJSON.encode(RecordedError(WorkflowError.cancelled(workflowID: rootID)))
    }

    /// Cancels a child inserted by a call that committed after its parent was cancelled, with
    /// the parent's cancel origin, so that resuming the cancelled root resumes it too.
    func cancelLikeParent(childID: String, parentID: String) async throws {
        guard let parent = try await journal.backend.workflow(id: parentID), parent.status == .cancelled else { return }
        let origin = try parent.errorJSON ?? cancelOriginJSON(rootID: parentID)
        let now = journalTimestamp(clock.now())
        if case .cancelled(let ids) = try await journal.submit(.cancelTree(rootID: childID, originJSON: origin, at: now)) {
            for id in ids { board.markCancelled(id) }
        }
    }

    /// The descendants of `rootID` (children through their parent id, recursively, below
    /// finished ones too) that the cancel of `rootID` left `CANCELLED`, parents before children.
    func descendantsCancelled(with rootID: String) async throws -> [WorkflowRecord] {
        let origin = try cancelOriginJSON(rootID: rootID)
        var found: [WorkflowRecord] = []
        var visited: Set<String> = [rootID]
        var frontier = [rootID]
        while !frontier.isEmpty {
            var next: [String] = []
            for parentID in frontier {
                let children = try await journal.backend.listWorkflows(WorkflowQuery(parentID: parentID, order: .ascending))
                for child in children where visited.insert(child.id).inserted {
                    next.append(child.id)
                    if child.status == .cancelled, child.errorJSON == origin { found.append(child) }
                }
            }
            frontier = next
        }
        return found
    }

    /// The writes that resume the cancelled descendants of a resumed root, in one commit with
    /// the root's own write. Handed off (`queue` given): a queued descendant goes back on its own
    /// queue, any other on `queue`. Run here: each becomes `PENDING` on this executor.
    func resumeWrites(for descendants: [WorkflowRecord], handOffQueue queue: String?, at now: Int64) -> [JournalWrite] {
        descendants.map { descendant -> JournalWrite in
            if let queue {
                .requeue(id: descendant.id, from: [.cancelled], queue: descendant.queueName ?? queue, at: now)
            } else {
                .transition(
                    id: descendant.id, from: [.cancelled], to: .pending, executorID: executorID,
                    resetRecoveryAttempts: true, at: now)
            }
        }
    }
}

extension WorkflowRuntime {
    /// Cancels a child inserted by a call that committed after its parent was cancelled, with
    /// the parent's cancel origin, so that resuming the cancelled root resumes it too.
    func cancelLikeParent(childID: String, parentID: String) async throws {
        guard let parent = try await journal.backend.workflow(id: parentID), parent.status == .cancelled else { return }
        let origin = try parent.errorJSON ?? DurableClient.cancelOriginJSON(rootID: parentID)
        let now = journalTimestamp(clock.now())
        if case .cancelled(let ids) = try await journal.submit(.cancelTree(rootID: childID, originJSON: origin, at: now)) {
            for id in ids { board.markCancelled(id) }
        }
    }
}

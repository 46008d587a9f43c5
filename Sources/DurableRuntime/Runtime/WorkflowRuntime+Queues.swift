extension WorkflowRuntime {
    /// Wakes this process's worker of `queue`, if it works that queue.
    func wakeQueue(_ queue: String) {
        queueWakes[queue]?.raise()
    }

    /// The trees a one-shot process takes from the queues (``RuntimeConfiguration/treeRootID``):
    /// its own, and what it recovered of its executor's earlier work. Nil: any.
    var dequeueScope: [String]? {
        configuration.treeRootID.map { [$0] + recovered.withLock { $0.sorted() } }
    }

    /// Dequeues and executes the workflows of one queue until cancelled, within its limits.
    func workQueue(_ queue: WorkflowQueue) async throws {
        let wake = queueWakes[queue.name] ?? WakeSignal()
        while !Task.isCancelled {
            let claimed: [WorkflowRecord]
            do {
                claimed = try await journal.dequeue(DequeueRequest(
                    queueName: queue.name, executorID: executorID, globalConcurrency: queue.globalConcurrency,
                    workerConcurrency: queue.workerConcurrency, maxCount: queue.workerConcurrency ?? 64,
                    now: journalTimestamp(clock.now()), treeRootIDs: dequeueScope))
            } catch JournalError.crashed {
                return
            } catch {
                if Task.isCancelled { return }
                logger.warning("dequeue failed; retrying", metadata: ["queue": "\(queue.name)", "error": "\(error)"])
                claimed = []
            }
            if !claimed.isEmpty, !interceptors.isEmpty {
                let now = journalTimestamp(clock.now())
                for record in claimed { interceptors.observe(.dequeued(record, waited: .milliseconds(max(0, now - record.createdAt)))) }
            }
            for record in claimed { submitForExecution(record) }
            if claimed.isEmpty { await waitForQueueActivity(wake) }
        }
    }

    /// Waits for an in-process wake-up, a cross-process notification, or the poll interval.
    private func waitForQueueActivity(_ wake: WakeSignal) async {
        let interval = configuration.queuePollInterval
        let backend = journal.backend
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await wake.wait(timeout: interval) }
            group.addTask { try? await backend.waitForQueueActivity(timeout: interval) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Counts the workflows of a queue still waiting (`ENQUEUED`) or running (`PENDING`), per
    /// status; finished ones are not counted.
    public func queueDepth(_ queue: String) async throws -> [WorkflowStatus: Int] {
        try await journal.waitUntilOpen()
        return try await journal.backend.queueDepth(queueName: queue)
    }
}

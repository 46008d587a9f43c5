import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension WorkflowRuntime {
    /// This process as the executors table shows it.
    func executorInfo(now: Int64, lease: Duration) -> ExecutorInfo {
        ExecutorInfo(
            executorID: executorID, incarnation: incarnation, applicationVersion: configuration.applicationVersion,
            host: Self.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier), startedAt: now,
            leaseExpiresAt: now + Self.milliseconds(lease))
    }

    /// Registers this executor, or throws ``WorkflowError/executorIDHeld(executorID:holder:secondsLeft:)``
    /// if another live process holds the id. A holder on this host whose process is gone (a
    /// `kill -9` and a restart), or this very process (a runtime restarted in it), is replaced.
    func acquireExecutorLease(_ lease: Duration) async throws {
        if let rule = WorkflowID.executorProblem(executorID) {
            throw WorkflowError.invalidExecutorIDs(reason: "executor id '\(WorkflowID.shown(executorID))' is not valid: \(rule)")
        }
        let now = journalTimestamp(clock.now())
        let info = executorInfo(now: now, lease: lease)
        var replacing: String?
        for _ in 0..<2 {
            switch try await journal.backend.acquireLease(info, now: now, replacing: replacing) {
            case .acquired:
                leaseHeld.withLock { $0 = true }
                logger.info("executor lease acquired", metadata: [
                    "executor_id": "\(executorID)", "lease_s": "\(lease.components.seconds)", "incarnation": "\(incarnation)",
                ])
                return
            case .held(let holder):
                if holder.host == info.host, holder.pid == info.pid || !Self.processExists(holder.pid) {
                    replacing = holder.incarnation
                    continue
                }
                throw WorkflowError.executorIDHeld(
                    executorID: executorID, holder: holder.holder, secondsLeft: Int((holder.leaseExpiresAt - now + 999) / 1000))
            }
        }
        throw WorkflowError.executorIDHeld(executorID: executorID, holder: "another process", secondsLeft: Self.seconds(lease))
    }

    /// Renews the lease on a period and takes over the workflows of expired executors, until
    /// cancelled. A journal that does not answer is retried at the next period (the lease runs
    /// three periods by default, so one missed renewal loses nothing).
    func maintainExecutorLease(_ lease: Duration) async {
        let period = configuration.leaseRenewInterval ?? lease / 3
        do {
            // Executors that died while no worker ran are taken over at once.
            try await takeOverExpiredExecutors()
        } catch is CancellationError {
            return  // the runtime is stopping: not a failure
        } catch JournalError.crashed {
            return
        } catch {
            logger.warning("taking over expired executors failed; retrying", metadata: ["error": "\(error)"])
        }
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: period)
            } catch {
                return
            }
            // Released (the runtime is stopping): neither renew it nor take it again.
            guard leaseHeld.withLock({ $0 }) else { return }
            do {
                let until = journalTimestamp(clock.now()) + Self.milliseconds(lease)
                if try await !journal.backend.renewLease(executorID: executorID, incarnation: incarnation, until: until) {
                    logger.error("executor id taken by another process; re-registering", metadata: ["executor_id": "\(executorID)"])
                    try await acquireExecutorLease(lease)
                }
                try await takeOverExpiredExecutors()
            } catch is CancellationError {
                return
            } catch JournalError.crashed {
                return
            } catch {
                logger.warning("executor lease renewal or takeover failed; retrying", metadata: [
                    "executor_id": "\(executorID)", "error": "\(error)",
                ])
            }
        }
    }

    /// Claims the `PENDING` workflows of every executor whose lease has expired (one atomic
    /// claim per workflow; a queued one goes back to its queue) and runs them here, then runs
    /// this executor's orphans (see ``adoptOrphans(_:)``). One read of the `PENDING` rows serves
    /// both; an expired executor that holds none costs no claim (no write transaction, no
    /// queue wake-up), so executors that stopped long ago cost nothing at each period.
    @discardableResult
    func takeOverExpiredExecutors() async throws -> RecoveryClaim {
        let now = journalTimestamp(clock.now())
        let pending = try await journal.backend.listWorkflows(WorkflowQuery(statuses: [.pending], order: .ascending))
        let holders = Set(pending.compactMap(\.executorID))
        // A one-shot process (treeRootID) runs its own tree only: the servers take over others' work.
        let stopped = configuration.treeRootID != nil ? [] : try await journal.backend.executors()
            .filter { !$0.isLive(at: now) && $0.executorID != executorID && holders.contains($0.executorID) }
        let expired = stopped.map(\.executorID)
        var claim = RecoveryClaim()
        if !expired.isEmpty {
            claim = try await recover(executorIDs: expired)
            if !claim.toRun.isEmpty || !claim.requeued.isEmpty {
                // Released (stopped gracefully, work left PENDING) or expired (died or hung), as
                // `elt executors` names them.
                let from = stopped.map { "\($0.executorID) (\($0.leaseExpiresAt == 0 ? "released" : "expired"))" }
                logger.notice("took over the workflows of executors no longer live", metadata: [
                    "executor_id": "\(executorID)", "from": "\(from)", "resumed": "\(claim.toRun.map(\.id))",
                    "requeued": "\(claim.requeued)",
                ])
            }
        }
        adoptOrphans(pending)
        return claim
    }

    /// Runs this executor's `PENDING` workflows (among `pending`) that nothing in this process
    /// runs: a dequeue whose COMMIT landed but whose reply was lost (retried, it claimed nothing
    /// more) leaves such rows, which no takeover touches while this executor's lease runs. Each
    /// is claimed on the execution board, so one already running (or just starting) is left alone.
    @discardableResult
    func adoptOrphans(_ pending: [WorkflowRecord]) -> [String] {
        let orphans = pending.filter { $0.executorID == executorID && !board.isRunning($0.id) }
        // A parent runs its inline children itself; only roots and queued or started
        // workflows are adopted here, the rest through their parent's replay.
        let adopted = orphans.filter { $0.parentID == nil || $0.queueName != nil }
        recovered.withLock { $0.formUnion(adopted.map(\.id)) }
        for record in adopted { resumeIfOwnedAndIdle(record) }
        if !adopted.isEmpty {
            logger.notice("running this executor's pending workflows that nothing here ran", metadata: [
                "executor_id": "\(executorID)", "workflows": "\(adopted.map(\.id))",
            ])
        }
        return adopted.map(\.id)
    }

    /// Releases the lease (a graceful shutdown): the executor's unfinished workflows are taken
    /// over at once instead of when the lease would have expired.
    func releaseExecutorLease() async {
        guard leaseHeld.withLock({ held in defer { held = false }; return held }) else { return }
        if Task.isCancelled {
            // A cancelled task's journal calls end at once: the release cannot be sent.
            logger.notice("stopped by cancellation; the executor lease expires on its own", metadata: [
                "executor_id": "\(executorID)",
            ])
            return
        }
        // Best effort, and bounded: a stop must not wait for a journal that does not answer
        // (the lease then expires on its own).
        let outcome = await withTaskGroup(of: Result<Void, any Error>?.self) { group in
            group.addTask {
                // 0: released (an expired lease, shown as released rather than expired).
                do {
                    return .success(try await self.journal.backend.releaseLease(executorID: self.executorID, incarnation: self.incarnation, at: 0))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: Self.releaseTimeout)
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
        switch outcome {
        case .success:
            logger.info("executor lease released", metadata: ["executor_id": "\(executorID)"])
        case .failure(let error):
            logger.warning("could not release the executor lease; it expires on its own", metadata: [
                "executor_id": "\(executorID)", "error": "\(error)",
            ])
        case nil:
            logger.warning("the journal did not answer the lease release; it expires on its own", metadata: [
                "executor_id": "\(executorID)", "waited": "\(Self.releaseTimeout)",
            ])
        }
    }

    /// How long a stop waits for the journal to release the lease.
    static let releaseTimeout: Duration = .seconds(3)

    /// The registered executors, live and expired.
    public func executors() async throws -> [ExecutorInfo] {
        try await journal.waitUntilOpen()
        return try await journal.backend.executors()
    }

    /// The `PENDING` workflow that has made no progress for the longest time, if that is longer
    /// than `threshold` (see ``JournalBackend/oldestStalledWorkflow(before:)``): what `/health`
    /// shows an operator as possibly stuck.
    public func oldestStalledWorkflow(threshold: Duration) async throws -> StalledWorkflow? {
        try await journal.waitUntilOpen()
        return try await journal.backend.oldestStalledWorkflow(before: journalTimestamp(clock.now()) - Self.milliseconds(threshold))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    static func seconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds)
    }

    /// This machine's host name (`gethostname`; `ProcessInfo.hostName` resolves it through DNS,
    /// which can wait for seconds on a machine without a resolver).
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown-host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// Whether a process with this id exists on this host (`kill(pid, 0)`; a process of
    /// another user counts as existing).
    static func processExists(_ pid: Int) -> Bool {
        guard pid > 0, let value = Int32(exactly: pid) else { return false }
        return kill(value, 0) == 0 || errno == EPERM
    }
}

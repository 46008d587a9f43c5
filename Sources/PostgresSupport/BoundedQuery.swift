import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// Why a query was abandoned without an answer from the server.
public enum AbandonedQuery: Error, CustomStringConvertible, Sendable {
    /// The connection closed and the query's answer never came.
    case connectionClosed
    /// No answer within the statement deadline; the connection was closed.
    case timedOut(Duration)

    public var description: String {
        switch self {
        case .connectionClosed: "the connection closed before the server answered"
        case .timedOut(let limit): "no answer from the server within \(limit); the connection was closed"
        }
    }
}

/// The rows of a finished query, iterated like postgres-nio's `PostgresRowSequence` (so code
/// written against it reads the same), but already in memory.
public struct FetchedRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow

    /// The rows, in the server's order.
    public let rows: [PostgresRow]

    /// Rows already fetched.
    public init(rows: [PostgresRow]) { self.rows = rows }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: IndexingIterator<[PostgresRow]>
        public mutating func next() async throws -> PostgresRow? { base.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: rows.makeIterator()) }

    /// The rows (for code written against `PostgresRowSequence.collect()`).
    public func collect() async throws -> [PostgresRow] { rows }

    /// The rows decoded as `columns`, as `PostgresRowSequence.decode(_:)` does.
    public func decode<each Column: PostgresDecodable & SendableMetatype>(
        _ columns: (repeat each Column).Type, file: String = #fileID, line: Int = #line
    ) -> AsyncThrowingMapSequence<FetchedRows, (repeat each Column)> {
        self.map { row in try row.decode((repeat each Column).self, file: file, line: line) }
    }
}

/// Statement deadlines for postgres-nio queries.
///
/// postgres-nio's `async` query API awaits a promise that is completed by the connection's
/// channel handler. A query written to a connection that closes at that moment (the server
/// terminated it, or it restarted) can miss the handler, and then its promise is never
/// completed: the awaiting task waits forever, and cancelling it does nothing. Seen here as
/// journal reads and commits that never returned after `pg_terminate_backend`, with the server
/// showing every connection idle.
///
/// ``PostgresConnection/boundedQuery(_:logger:timeout:file:line:)`` uses the `EventLoopFuture`
/// form of the same query instead and waits for whichever comes first: the answer, the
/// connection being closed (checked every ``checkInterval``), the deadline (the connection is
/// then closed, since it has a statement in flight), or the task's cancellation.
public enum BoundedQuery {
    /// How often a waiting query checks that its connection is still open.
    public static let checkInterval: Duration = .milliseconds(500)
    /// The default statement deadline.
    public static let defaultTimeout: Duration = .seconds(60)

    /// Futures of abandoned queries. A promise that is released unfulfilled traps in debug
    /// builds of NIO ("leaking promise"); these are kept until fulfilled. Only queries lost with
    /// their connection land here.
    static let abandoned = Mutex<[ObjectIdentifier: EventLoopFuture<PostgresQueryResult>]>([:])

    static func keep(_ future: EventLoopFuture<PostgresQueryResult>) {
        let key = ObjectIdentifier(future)
        abandoned.withLock { $0[key] = future }
        future.whenComplete { _ in _ = abandoned.withLock { $0.removeValue(forKey: key) } }
    }
}

/// Resumes a continuation at most once, from whichever event comes first.
final class ResumeOnce<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
        var done = false
    }
    private let state = Mutex(State())

    func attach(_ continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLock { state -> Result<Value, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Resumes with `result` unless already resumed; returns whether this call did.
    @discardableResult
    func resume(with result: Result<Value, any Error>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Value, any Error>?? in
            if state.done { return .none }
            state.done = true
            if let continuation = state.continuation {
                state.continuation = nil
                return .some(continuation)
            }
            state.early = result
            return .some(nil)
        }
        guard case .some(let waiting) = continuation else { return false }
        waiting?.resume(with: result)
        return true
    }

    var isDone: Bool { state.withLock { $0.done } }
}

/// A bounded query's future and watchdog once its event loop has issued it, for a cancellation
/// that may come before or after.
final class InFlightQuery: Sendable {
    private struct State {
        var future: EventLoopFuture<PostgresQueryResult>?
        var checks: RepeatedTask?
        var cancelled = false
    }

    private let state = Mutex(State())

    /// Records the issued query; true if it was cancelled already (the caller stops the watchdog
    /// and the future is kept until it completes).
    func start(future: EventLoopFuture<PostgresQueryResult>, checks: RepeatedTask) -> Bool {
        let cancelled = state.withLock { state -> Bool in
            state.future = future
            state.checks = checks
            return state.cancelled
        }
        if cancelled { BoundedQuery.keep(future) }
        return cancelled
    }

    /// Marks the query cancelled and stops its watchdog; its future if it was issued already.
    func cancel() -> EventLoopFuture<PostgresQueryResult>? {
        let (future, checks) = state.withLock { state in
            state.cancelled = true
            return (state.future, state.checks)
        }
        checks?.cancel()
        return future
    }
}

extension PostgresConnection {
    /// Runs `query` and returns its rows, never waiting past `timeout`, past the connection's
    /// closing, or past the task's cancellation (see ``BoundedQuery``).
    ///
    /// - Throws: the query's own error; ``AbandonedQuery/connectionClosed`` when the connection
    ///   closed without an answer; ``AbandonedQuery/timedOut(_:)`` after `timeout` (the
    ///   connection is closed); `CancellationError` when the task is cancelled (the connection
    ///   is closed, as it has a statement in flight). ``PostgresErrorText/isConnectionLoss(_:)``
    ///   counts the first two as a lost connection.
    @discardableResult
    public func boundedQuery(
        _ query: PostgresQuery, logger: Logger, timeout: Duration = BoundedQuery.defaultTimeout,
        file: String = #fileID, line: Int = #line
    ) async throws -> FetchedRows {
        try Task.checkCancellation()
        let once = ResumeOnce<PostgresQueryResult>()
        let started = ContinuousClock.now
        // The query, its watchdog and its completion are set up in one hop to the connection's
        // event loop (issuing the query and scheduling the watchdog from this task's thread would
        // be two hand-offs to it).
        let inFlight = InFlightQuery()
        eventLoop.execute { [self] in
            let future: EventLoopFuture<PostgresQueryResult> = self.query(query, logger: logger, file: file, line: line)
            let checks = eventLoop.scheduleRepeatedTask(
                initialDelay: .nanoseconds(Self.nanoseconds(BoundedQuery.checkInterval)),
                delay: .nanoseconds(Self.nanoseconds(BoundedQuery.checkInterval))
            ) { [self] task in
                if once.isDone {
                    task.cancel()
                } else if isClosed {
                    if once.resume(with: .failure(AbandonedQuery.connectionClosed)) { BoundedQuery.keep(future) }
                    task.cancel()
                } else if ContinuousClock.now - started >= timeout {
                    if once.resume(with: .failure(AbandonedQuery.timedOut(timeout))) {
                        BoundedQuery.keep(future)
                        self.closeQuietly()
                    }
                    task.cancel()
                }
            }
            // Cancelled before the query was issued: nothing to wait for but the query itself.
            if inFlight.start(future: future, checks: checks) { checks.cancel() }
            future.whenComplete { result in
                once.resume(with: result.mapError { $0 })
                checks.cancel()
            }
        }
        let result = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in once.attach(continuation) }
        } onCancel: {
            if once.resume(with: .failure(CancellationError())) {
                if let future = inFlight.cancel() {
                    BoundedQuery.keep(future)
                }
                self.closeQuietly()
            }
        }
        return FetchedRows(rows: Array(result))
    }

    /// Closes without waiting (a close of a closed connection is harmless).
    func closeQuietly() {
        close().whenComplete { _ in withExtendedLifetime(self) {} }
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

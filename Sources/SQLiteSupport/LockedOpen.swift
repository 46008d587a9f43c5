import Foundation
import GRDB

/// Opening a SQLite file that another process (a second `elt-server`, an `elt` client, a server
/// checkpointing its WAL) may hold locked at that moment.
///
/// Switching a file to WAL, the first migration, and an open that meets a WAL reset take locks
/// that SQLite's busy timeout does not always cover: they answer SQLITE_BUSY or SQLITE_LOCKED
/// at once, and a connection whose busy mode is `.immediateError` (``InlineWriter``'s) never
/// waits. Such an open is tried again every 50 ms until `timeout` has passed; any other error,
/// and the last locked one, is thrown. Runs at start-up only (it sleeps the calling thread).
public enum LockedOpen {
    /// How long an open waits out another process's lock by default.
    public static let defaultTimeout: Duration = .seconds(10)

    /// `open()`, tried again while it fails with SQLITE_BUSY or SQLITE_LOCKED, for up to `timeout`.
    public static func retrying<T>(timeout: Duration = defaultTimeout, interval: Duration = .milliseconds(50),
                                   _ open: () throws -> T) throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            do {
                return try open()
            } catch let error as DatabaseError
                where [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode.primaryResultCode) && clock.now + interval < deadline {
                Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18 + Double(interval.components.seconds))
            }
        }
    }
}

import ELT
import GRDB

/// A database error in words a user can act on: SQLite's result code and message, never the
/// statement or its bound values (GRDB's own description quotes the SQL, and with it up to a
/// hundred rows of user data).
enum DatabaseErrorText {
    /// `SQLite error 19: UNIQUE constraint failed: …` for a GRDB error, else the error's description.
    static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "\(error.resultCode)")"
        }
        return String(describing: error)
    }

    /// Whether waiting and trying again may help: the database is locked or busy, the disk
    /// is full, or the file cannot be opened or read right now.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL]
            .contains(error.resultCode.primaryResultCode)
    }
}

import DurableRuntime
import Foundation
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

    /// The result codes that mean the file or the disk failed, not the statement: full, I/O
    /// error, read-only, corrupt, not a database.
    static let storageCodes: [ResultCode] = [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB]

    /// `error` as a ``StorageFailure`` of `store` at `path` if the storage failed (see
    /// ``storageCodes``), else nil.
    static func storageFailure(_ error: any Error, store: String, path: String, operation: String) -> StorageFailure? {
        guard let database = error as? DatabaseError, storageCodes.contains(database.resultCode.primaryResultCode) else { return nil }
        return StorageFailure(store: store, path: path, operation: operation, reason: describe(error))
    }

    /// Whether waiting and trying again may help: the database is locked or busy, the disk
    /// is full, or the file cannot be opened or read right now.
    static func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_PROTOCOL]
            .contains(error.resultCode.primaryResultCode)
    }
}

extension DatabaseErrorText {
    /// A failure to open a database file in words: SQLite's result code and message for a GRDB
    /// error, the operating system's reason for a file system error (``SystemErrorText``).
    static func describeOpen(_ error: any Error) -> String {
        error is DatabaseError ? describe(error) : SystemErrorText.describe(error)
    }
}

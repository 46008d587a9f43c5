import Foundation

/// An operating-system error (a file that cannot be created or opened) in words: the system's
/// reason, such as "Permission denied", with the file when known; never Foundation's
/// `NSCocoaErrorDomain` dump.
public enum SystemErrorText {
    public static func describe(_ error: any Error) -> String {
        // On Linux the underlying error of a CocoaError is reachable through `underlying`,
        // not as an NSError in `userInfo`.
        if let cocoa = error as? CocoaError, let underlying = cocoa.underlying {
            let path = cocoa.filePath.map { " (\($0))" } ?? ""
            return describe(underlying) + path
        }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if error is CocoaError { return (error as NSError).localizedDescription }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))) }
        // A Swift error of ours (or a library's) describes itself.
        return String(describing: error)
    }
}

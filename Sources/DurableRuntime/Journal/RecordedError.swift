import Foundation

/// An error as the journal stores it: its type name and its description, as JSON.
///
/// A replayed step or workflow that failed rethrows a `RecordedError` with the original type
/// name and message, because the original error value may not be decodable.
public struct RecordedError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    /// The Swift type name of the original error, such as `ELT.SourceError`.
    public var type: String
    /// The original error's description.
    public var message: String

    /// Creates a recorded error from its parts.
    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    /// Captures any error; a `RecordedError` is kept as it is.
    public init(_ error: any Error) {
        if let recorded = error as? RecordedError {
            self = recorded
        } else {
            self.type = String(reflecting: Swift.type(of: error))
            self.message = String(describing: error)
        }
    }

    /// The message, as the original error described itself.
    public var description: String { message }
}

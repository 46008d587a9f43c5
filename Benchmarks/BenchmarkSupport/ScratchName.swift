import Foundation

/// Random names for throw-away databases, directories and tables.
public enum ScratchName {
    /// 16 lowercase hex digits.
    public static func token() -> String {
        String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))
    }
}

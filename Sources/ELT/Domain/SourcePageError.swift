/// A page from the source API that cannot be read as a list of records.
public enum SourcePageError: Error, CustomStringConvertible, Equatable {
    /// The bytes are not JSON (`detail` says where decoding stopped).
    case notJSON(detail: String, preview: String)
    /// The JSON is neither an array of records nor an object with a `"users"` array.
    case wrongShape(found: String, preview: String)
    /// The page holds more records than the `page_size` asked for; it is refused rather than
    /// held whole, since memory is bounded by `batch_size × page_size` records.
    case tooManyRecords(page: Int, count: Int, pageSize: Int)

    /// What is wrong, the start of the page, and what to check.
    public var description: String {
        switch self {
        case let .notJSON(detail, preview):
            "source page is not JSON (\(detail)); it starts with: \(preview) — check that the source API returned JSON and not an error page"
        case let .wrongShape(found, preview):
            "source page is \(found), but a page must be a JSON array of user records or an object with a \"users\" array; it starts with: \(preview)"
        case let .tooManyRecords(page, count, pageSize):
            "source page \(page) holds \(count) records, more than the page_size of \(pageSize) that was asked for — the API ignores page_size; set --page-size (page_size) to the number of records it returns per page"
        }
    }
}

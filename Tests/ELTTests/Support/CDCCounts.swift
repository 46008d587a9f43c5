@testable import ELT
import ELTApp
import ELTPostgres
import ELTSQLite

extension CDCOutcome {
    /// Inserts, updates and deletes, for comparing the counts alone.
    var counts: [Int] { [inserts, updates, deletes] }
}

import DurableRuntime
import Testing

extension JournalBackendTests {
    @Test("cancelTree cancels the active rows of a tree, below finished ones too, and records the cancel's origin",
          arguments: BackendKind.allCases)
    func cancelTree(kind: BackendKind) async throws {
        try await withJournal(kind) { journal in
            let backend = journal.backend
            try await backend.insert(
                workflow("root"),
                workflow("c1", parent: "root"),
                workflow("c2", status: .success, parent: "root"),
                workflow("g1", status: .enqueued, executor: nil, queue: "q", dedup: "d", parent: "c2"),
                workflow("g2", parent: "c1"),
                workflow("g3", status: .error, parent: "c1"),
                workflow("other", parent: "elsewhere"))
            let origin = #"{"type":"cancel","message":"root"}"#
            let result = try await backend.commit([.cancelTree(rootID: "root", originJSON: origin, at: 9)])
            #expect(result.results == [.cancelled(["c1", "g1", "g2", "root"])])
            for id in ["root", "c1", "g1", "g2"] {
                let row = try #require(try await backend.workflow(id: id))
                #expect(row.status == .cancelled && row.errorJSON == origin && row.updatedAt == 9, "\(id)")
                #expect(row.deduplicationID == nil)
            }
            #expect(try await backend.workflow(id: "c2") == workflow("c2", status: .success, parent: "root"))
            #expect(try await backend.workflow(id: "g3") == workflow("g3", status: .error, parent: "c1"))
            #expect(try await backend.workflow(id: "other") == workflow("other", parent: "elsewhere"))

            let again = try await backend.commit([.cancelTree(rootID: "root", originJSON: "{}", at: 10)])
            #expect(again.results == [.cancelled([])], "finished and cancelled rows are left as they are")
            #expect(try await backend.workflow(id: "g2")?.errorJSON == origin)
        }
    }
}

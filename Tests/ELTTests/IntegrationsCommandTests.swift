import ELT
import ELTApp
import Foundation
import Testing

/// `elt integrations list | add | set | remove`, as a user runs them, and an HTTP run of an
/// integration added that way.
@Suite("elt integrations")
struct IntegrationsCommandTests {
    static let id = ConnectedIntegration.id(organizationID: "acme", provider: "okta")

    @Test("add, list, set and remove, with the table and JSON output")
    func lifecycle() async throws {
        let data = ["--data-path", ELTProcess.temporaryDirectory()]
        // A data path with no data database yet (a typo, or nothing run there) is refused, and left as it was.
        let missing = try await ELTProcess.run(["integrations", "list"] + data)
        #expect(missing.status == 1 && missing.stderr.contains("error: no data database at \(data[1])/data.sqlite"), "\(missing)")
        #expect(!FileManager.default.fileExists(atPath: data[1] + "/data.sqlite"), "nothing was created")

        let add = try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta",
                                      "--endpoint", "https://idp.example.com/users", "--auth-header-env", "ELT_ACME_AUTH"] + data,
                                     environment: ["ELT_ACME_AUTH": ""])
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("Added integration \(Self.id) (acme/okta)"), "\(add.stdout)")
        #expect(add.stdout.contains("auth_header_env         ELT_ACME_AUTH"), "\(add.stdout)")

        let list = try await ELTProcess.run(["integrations", "list"] + data)
        #expect(list.stdout.contains("ID"), "\(list.stdout)")
        #expect(list.stdout.contains("\(Self.id)  acme          okta      https://idp.example.com/users  ELT_ACME_AUTH"), "\(list.stdout)")

        let set = try await ELTProcess.run(["integrations", "set", "acme/okta", "--endpoint", "https://idp.example.com/v2/users", "--json"] + data)
        #expect(set.status == 0, "\(set.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(set.stdout.utf8)) as? [String: Any])
        let providerData = try #require(object["provider_data"] as? [String: Any])
        #expect(providerData["api_endpoint"] as? String == "https://idp.example.com/v2/users")
        #expect(providerData["auth_header_env"] as? String == "ELT_ACME_AUTH")

        let json = try await ELTProcess.run(["integrations", "list", "--json"] + data)
        let all = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(all.map { $0["id"] as? String } == [Self.id])

        let remove = try await ELTProcess.run(["integrations", "remove", Self.id] + data)
        #expect(remove.status == 0 && remove.stdout.contains("Removed integration \(Self.id) (acme/okta)."), "\(remove)")
        #expect(try await ELTProcess.run(["integrations", "list"] + data).stdout.contains("No connected integrations"))
    }

    @Test("an endpoint with a credential in its query: add and set say it is stored as given; listings show it redacted, --json as stored")
    func credentialInQuery() async throws {
        let data = ["--data-path", ELTProcess.temporaryDirectory()]
        let endpoint = "https://idp.example.com/users?api_key=secret123&tenant=7"
        let add = try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta", "--endpoint", endpoint] + data)
        #expect(add.status == 0, "\(add.stderr)")
        #expect(add.stdout.contains("credential-like value (api_key). It is stored as given"), "\(add.stdout)")
        #expect(!add.stdout.contains("secret123"), "\(add.stdout)")
        let list = try await ELTProcess.run(["integrations", "list"] + data)
        #expect(list.stdout.contains("api_key=REDACTED&tenant=7") && !list.stdout.contains("secret123"), "\(list.stdout)")
        let show = try await ELTProcess.run(["integrations", "show", "acme/okta"] + data)
        #expect(show.stdout.contains("api_key=REDACTED") && !show.stdout.contains("secret123"), "\(show.stdout)")
        let json = try await ELTProcess.run(["integrations", "list", "--json"] + data)
        #expect(json.stdout.contains("api_key=secret123"), "--json shows what is stored: \(json.stdout)")
        let set = try await ELTProcess.run(["integrations", "set", "acme/okta", "--endpoint", "https://idp.example.com/users?token=abc"] + data)
        #expect(set.status == 0 && set.stdout.contains("credential-like value (token)"), "\(set)")
        let plain = try await ELTProcess.run(["integrations", "set", "acme/okta", "--endpoint", "https://idp.example.com/users?tenant=7"] + data)
        #expect(plain.status == 0 && !plain.stdout.contains("credential-like"), "\(plain)")
    }

    @Test("an endpoint with nothing to redact is shown exactly as given, not re-encoded (a space or é stays so)")
    func endpointShownAsGiven() async throws {
        let data = ["--data-path", ELTProcess.temporaryDirectory()]
        let endpoint = "https://idp.example.com/users dir/é?q=a b&tenant=7"
        let add = try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta", "--endpoint", endpoint] + data)
        #expect(add.status == 0 && add.stdout.contains(endpoint), "\(add)")
        let list = try await ELTProcess.run(["integrations", "list"] + data)
        #expect(list.stdout.contains(endpoint) && !list.stdout.contains("%20"), "\(list.stdout)")
        let set = try await ELTProcess.run(["integrations", "set", "acme/okta", "--endpoint", "https://idp.example.com/ü"] + data)
        #expect(set.status == 0 && set.stdout.contains("https://idp.example.com/ü") && !set.stdout.contains("%C3"), "\(set)")
        // What must be hidden still is, whatever else the URL holds.
        let secret = try await ELTProcess.run(["integrations", "set", "acme/okta", "--endpoint", "https://idp.example.com/a b?token=abc"] + data)
        #expect(secret.status == 0 && !secret.stdout.contains("abc") && secret.stdout.contains("token=REDACTED"), "\(secret)")
    }

    @Test("refusals exit 1 with one plain line: bad endpoint, pasted credential, duplicate, unknown id, nothing to change")
    func refusals() async throws {
        let data = ["--data-path", ELTProcess.temporaryDirectory()]
        func add(_ extra: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta"] + extra + data)
        }
        let cases: [([String], String)] = [
            (["--endpoint", "idp.example.com/users"], "error: the endpoint 'idp.example.com/users' is not usable: it has no scheme"),
            (["--endpoint", "ftp://idp.example.com"], "its scheme is 'ftp', not http or https"),
            (["--endpoint", "https://bob:pa55@idp.example.com"], "user name or password"),
            (["--endpoint", "https://idp.example.com", "--auth-header-env", "Bearer pa55"], "the NAME of an environment variable"),
        ]
        for (extra, message) in cases {
            let refused = try await add(extra)
            #expect(refused.status == 1 && refused.stderr.contains(message), "\(extra): \(refused.stderr)")
            #expect(!refused.stderr.contains("pa55") && !refused.stderr.contains("SQL"), "\(refused.stderr)")
            #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        }
        #expect(try await add(["--endpoint", "https://idp.example.com/users"]).status == 0)
        let duplicate = try await add(["--endpoint", "https://other.example.com/users"])
        #expect(duplicate.status == 1)
        #expect(duplicate.stderr.contains("organization 'acme' is already connected to okta (integration \(Self.id))"), "\(duplicate.stderr)")

        for verb in [["set", "no-such-id", "--endpoint", "https://x.example.com"], ["remove", "no-such-id"]] {
            let unknown = try await ELTProcess.run(["integrations"] + verb + data)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("no connected integration has the id 'no-such-id'"), "\(unknown.stderr)")
        }
        let nothing = try await ELTProcess.run(["integrations", "set", "acme/okta"] + data)
        #expect(nothing.status == 1 && nothing.stderr.contains("nothing to change for integration \(Self.id)"), "\(nothing.stderr)")
        let list = try await ELTProcess.run(["integrations", "list", "--json"] + data)
        #expect(list.stdout.contains("https://idp.example.com/users") && !list.stdout.contains("other.example.com"))
    }

    @Test("add and set note an auth header variable that is unset or empty in the shell, and say nothing when it is set")
    func variableNotes() async throws {
        let data = ["--data-path", ELTProcess.temporaryDirectory()]
        let base = ["integrations", "add", "--provider", "okta", "--endpoint", "https://idp.example.com/users",
                    "--auth-header-env", "ELT_TEST_NOTE_AUTH"]
        let unset = try await ELTProcess.run(base + ["--organization", "a"] + data)
        #expect(unset.status == 0 && unset.stdout.contains("Note: ELT_TEST_NOTE_AUTH is not set in this shell"), "\(unset.stdout)")
        let empty = try await ELTProcess.run(base + ["--organization", "b"] + data, environment: ["ELT_TEST_NOTE_AUTH": " "])
        #expect(empty.status == 0 && empty.stdout.contains("Note: ELT_TEST_NOTE_AUTH is empty in this shell"), "\(empty.stdout)")
        let set = try await ELTProcess.run(base + ["--organization", "c"] + data, environment: ["ELT_TEST_NOTE_AUTH": "Bearer x"])
        #expect(set.status == 0 && !set.stdout.contains("Note:"), "\(set.stdout)")
        let changed = try await ELTProcess.run(["integrations", "set", "c/okta", "--auth-header-env", "ELT_TEST_OTHER_AUTH"] + data,
                                               environment: ["ELT_TEST_OTHER_AUTH": ""])
        #expect(changed.status == 0 && changed.stdout.contains("Note: ELT_TEST_OTHER_AUTH is empty in this shell"), "\(changed.stdout)")
    }

    @Test("end to end: elt integrations add pointing at a users API, then elt run --source http loads its users with the header; no demo tenant is seeded")
    func addThenRun() async throws {
        try await TestUserAPI.withRunning(baseCount: 25) { api in
            let data = ["--data-path", ELTProcess.temporaryDirectory()]
            let add = try await ELTProcess.run(["integrations", "add", "--organization", "acme", "--provider", "okta",
                                          "--endpoint", "http://127.0.0.1:\(api.port)/users", "--auth-header-env", "ELT_TEST_API_AUTH"] + data)
            #expect(add.status == 0, "\(add.stderr)")

            let unset = try await ELTProcess.run(["run", "--source", "http", "--json"] + data)
            #expect(unset.status == 1)
            #expect(unset.stderr.contains("ELT_TEST_API_AUTH, which is not set"), "\(unset.stderr)")
            #expect(api.requests.isEmpty, "refused before any request")

            let run = try await ELTProcess.run(["run", "--source", "http", "--json"] + data, environment: ["ELT_TEST_API_AUTH": "Bearer e2e"])
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "\(run.stdout)")
            #expect(object["integrations"] as? Int == 1)
            #expect(object["users_staged"] as? Int == 25)
            #expect(object["latest"] as? Int == 25)
            #expect(!api.requests.isEmpty && api.requests.allSatisfy { $0.authorization == "Bearer e2e" })

            // The generator source does not seed org-001/org-002 beside the user's integration either.
            let generator = try await ELTProcess.run(["run", "--json", "--num-batches", "1"] + data)
            #expect(generator.status == 0, "\(generator.stderr)")
            let list = try await ELTProcess.run(["integrations", "list", "--json"] + data)
            let all = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
            #expect(all.map { $0["organization_id"] as? String } == ["acme"])
        }
    }
}

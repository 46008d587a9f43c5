import Testing
@testable import ELTServer

@Suite("Percent-decoding of path segments")
struct PercentDecodingTests {
    @Test("escapes decode to their UTF-8 bytes, in either case; everything else, + included, stays as it is",
          arguments: [
              ("a%2Fb%3Fc%23d%25e%20f-%C3%A9-%E6%97%A5%E6%9C%AC", "a/b?c#d%e f-é-日本"),
              ("%2f%3f%c3%a9", "/?é"),
              ("plain-id_1.2~3", "plain-id_1.2~3"),
              ("a+b", "a+b"),
              ("%252F", "%2F"),
              ("é日本", "é日本"),
              ("", ""),
          ])
    func decodes(segment: String, id: String) throws {
        #expect(try PercentDecoding.decode(segment) == id)
    }

    @Test("a % without two hex digits, or bytes that are not UTF-8, are refused with what is wrong",
          arguments: [
              ("%ZZ", PercentDecoding.Problem.badEscape("%ZZ", position: 1)),
              ("abc%4", .badEscape("%4", position: 4)),
              ("日本%", .badEscape("%", position: 3)),
              ("%%41", .badEscape("%%4", position: 1)),
              ("%FF", .notUTF8),
              ("%C3%28", .notUTF8),
              ("%F0%9F%98", .notUTF8),
          ])
    func refuses(segment: String, problem: PercentDecoding.Problem) {
        #expect(throws: problem) { try PercentDecoding.decode(segment) }
    }

    @Test("the problems say what to do")
    func messages() {
        #expect(PercentDecoding.Problem.badEscape("%ZZ", position: 1).description
            == "'%ZZ' at character 1 is not a percent-escape (% and two hex digits); write a literal % as %25")
        #expect(PercentDecoding.Problem.notUTF8.description.contains("escape each byte of the UTF-8 encoding, e.g. é as %C3%A9"))
    }
}

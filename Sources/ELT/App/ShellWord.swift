/// A word of a command a message suggests (`elt status <id>`), quoted for a POSIX shell so it
/// can be pasted as printed: an id with a space, `'`, `<`, `$` or `;` would otherwise be split,
/// redirected or run.
public enum ShellWord {
    /// Characters that need no quoting.
    private static let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./:@%+=,".unicodeScalars)

    /// `word` as is if every character is plain, else in single quotes (a `'` inside becomes
    /// `'\''`); an empty word is `''`.
    public static func quoted(_ word: String) -> String {
        if !word.isEmpty, word.unicodeScalars.allSatisfy(plain.contains) { return word }
        return "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}

/// Pretty-printed JSON as `elt status` and the dashboard show it.
public enum PrettyJSON {
    /// `text`, JSON pretty-printed by Foundation, with every empty array and object on one line:
    /// Foundation prints `[]` as `[`, an empty line and `]` (and `{}` the same way). A JSON
    /// string never holds a raw line break, so only containers match.
    public static func collapsingEmptyContainers(_ text: String) -> String {
        text.replacing(/\[\n[ ]*\n[ ]*\]/, with: "[]").replacing(/\{\n[ ]*\n[ ]*\}/, with: "{}")
    }
}

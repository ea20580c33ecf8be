// Per-directive checks that Redis runs after the generic parse (its `is_valid_fn`s), with its
// error texts.

enum ConfigValidators {
    /// Debian's redis-server is built without Redis's patched jemalloc, so it refuses to enable
    /// active defragmentation; Apus cannot defragment either, so it answers the same.
    static func dbfilename(_ value: ConfigValue) -> String? {
        isBaseName(value.text) ? nil : "dbfilename can't be a path, just a filename"
    }

    static func appendfilename(_ value: ConfigValue) -> String? {
        if value.text.isEmpty { return "appendfilename can't be empty" }
        return isBaseName(value.text) ? nil : "appendfilename can't be a path, just a filename"
    }

    static func appenddirname(_ value: ConfigValue) -> String? {
        if value.text.isEmpty { return "appenddirname can't be empty" }
        return isBaseName(value.text) ? nil : "appenddirname can't be a path, just a dirname"
    }

    static func announcedHostname(_ value: ConfigValue) -> String? {
        let bytes = Array(value.text.utf8)
        if bytes.count >= 256 { return "Hostnames must be less than 256 characters" }
        for byte in bytes {
            let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            if !ok { return "Hostnames may only contain alphanumeric characters, hyphens or dots" }
        }
        return nil
    }

    static func shutdownFlags(_ value: ConfigValue) -> String? {
        let save: Int64 = 1, noSave: Int64 = 2
        if value.number & save != 0 && value.number & noSave != 0 {
            return "shutdown options SAVE and NOSAVE can't be used simultaneously"
        }
        return nil
    }

    /// Redis expands the template with an empty title and rejects it when a variable is unknown,
    /// a brace is unbalanced, or nothing but spaces would remain.
    static func procTitleTemplate(_ value: ConfigValue) -> String? {
        let invalid = "template format is invalid or contains unknown variables"
        guard let expanded = expandProcTitleTemplate(value.text) else { return invalid }
        return expanded.allSatisfy({ $0 == " " }) ? invalid : nil
    }

    /// Redis's `sdstemplate` grammar: `{name}` is a variable, `{{` a literal brace. Variables
    /// expand to stand-ins that are empty exactly when Redis's would be on a plain server with no
    /// title (title, server-mode, and unixsocket/config-file when unset are empty).
    static func expandProcTitleTemplate(_ template: String) -> String? {
        let variables: [String: String] = [
            "title": "", "listen-addr": "*:6379", "server-mode": "", "port": "6379",
            "tls-port": "0", "unixsocket": "", "config-file": "",
        ]
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let nameStart = rest.index(after: open)
            if nameStart == rest.endIndex { return nil }
            if rest[nameStart] == "{" {
                result += "{"
                rest = rest[rest.index(after: nameStart)...]
                continue
            }
            guard let close = rest[nameStart...].firstIndex(of: "}"),
                  let expansion = variables[String(rest[nameStart..<close])] else { return nil }
            result += expansion
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Redis's `pathIsBaseName`: no '/' and no '\'.
    private static func isBaseName(_ path: String) -> Bool {
        !path.utf8.contains(UInt8(ascii: "/")) && !path.utf8.contains(UInt8(ascii: "\\"))
    }
}

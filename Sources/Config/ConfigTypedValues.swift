// Parsing and printing of the generic directive types (bool, string, enum, numeric), following
// Redis's boolConfigSet/numericParseString/numericBoundaryCheck/enumConfigSet and their *Get
// counterparts, so error texts and CONFIG GET output match.

/// A rejected value; `message` is Redis's text (without the CONFIG SET prefix).
struct ConfigParseError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension Directive {
    /// The value at startup. Special directives build theirs in `SpecialValues.defaultValue`.
    var defaultValue: ConfigValue {
        switch kind {
        case .bool(let value):
            return ConfigValue(text: value ? "yes" : "no", number: value ? 1 : 0)
        case .string(let value, _):
            return ConfigValue(text: value ?? "", number: 0)
        case .enumeration(let options, let value):
            return ConfigValue(text: EnumText.name(of: value, in: options, bitflags: flags.contains(.multiArg)),
                               number: Int64(value))
        case .numeric(let spec):
            return ConfigValue(text: NumericText.format(spec.defaultValue, spec), number: spec.defaultValue)
        case .special(let special):
            return SpecialValues.defaultValue(special)
        }
    }

    /// Parses the arguments of a generic directive (one word, or several for a bit-flag enum).
    func parseGeneric(_ args: [String]) -> Result<ConfigValue, ConfigParseError> {
        let parsed: Result<ConfigValue, ConfigParseError>
        switch kind {
        case .bool:
            guard let value = ConfigText.yesNo(args.first ?? "") else {
                return .failure(ConfigParseError("argument must be 'yes' or 'no'"))
            }
            parsed = .success(ConfigValue(text: value ? "yes" : "no", number: value ? 1 : 0))
        case .string:
            parsed = .success(ConfigValue(text: args.first ?? "", number: 0))
        case .enumeration(let options, _):
            parsed = EnumText.parse(args, options, bitflags: flags.contains(.multiArg))
        case .numeric(let spec):
            parsed = NumericText.parse(args.first ?? "", spec)
        case .special:
            preconditionFailure("special directives have their own parser")
        }
        guard case .success(let value) = parsed, let validate else { return parsed }
        if let error = validate(value) { return .failure(ConfigParseError(error)) }
        return parsed
    }
}

enum EnumText {
    /// Redis's `configEnumGetValue`: case-insensitive names, OR-ed together for bit-flag enums.
    static func parse(_ args: [String], _ options: [EnumOption], bitflags: Bool) -> Result<ConfigValue, ConfigParseError> {
        var combined = 0
        var valid = !args.isEmpty && (bitflags || args.count == 1)
        if valid {
            for arg in args {
                let matches = options.filter { ConfigText.equalsIgnoringCase($0.name, arg) }
                if matches.isEmpty { valid = false; break }
                for option in matches { combined |= option.value }
            }
        }
        guard valid else {
            let names = options.map(\.name).joined(separator: ", ")
            return .failure(ConfigParseError("argument(s) must be one of the following: \(names)"))
        }
        return .success(ConfigValue(text: name(of: combined, in: options, bitflags: bitflags), number: Int64(combined)))
    }

    /// Redis's `configEnumGetName`: an exact match wins; bit flags are listed in table order;
    /// anything else prints as "unknown".
    static func name(of value: Int, in options: [EnumOption], bitflags: Bool) -> String {
        if let exact = options.first(where: { $0.value == value }) { return exact.name }
        guard bitflags else { return "unknown" }
        var names: [String] = []
        var unmatched = value
        for option in options where option.value != 0 && option.value & unmatched == option.value {
            names.append(option.name)
            unmatched &= ~option.value
        }
        return names.isEmpty || unmatched != 0 ? "unknown" : names.joined(separator: " ")
    }
}

enum NumericText {
    /// Redis's numericParseString followed by numericBoundaryCheck (and the `hz` clamp).
    static func parse(_ text: String, _ spec: NumericSpec) -> Result<ConfigValue, ConfigParseError> {
        guard let raw = read(text, spec) else {
            switch spec.format {
            case .memoryOrPercent: return .failure(ConfigParseError("argument must be a memory or percent value"))
            case .memory: return .failure(ConfigParseError("argument must be a memory value"))
            case .octal: return .failure(ConfigParseError("argument couldn't be parsed as an octal number"))
            case .integer: return .failure(ConfigParseError("argument couldn't be parsed into an integer"))
            }
        }
        if let error = boundsError(raw, spec) { return .failure(ConfigParseError(error)) }
        var value = raw
        if let clamp = spec.clamp { value = min(max(value, clamp.lowerBound), clamp.upperBound) }
        return .success(ConfigValue(text: format(value, spec), number: value))
    }

    private static func read(_ text: String, _ spec: NumericSpec) -> Int64? {
        switch spec.format {
        case .memory:
            return ConfigText.memtoull(text).map { Int64(bitPattern: $0) }
        case .memoryOrPercent:
            if let bytes = ConfigText.memtoull(text) { return Int64(bitPattern: bytes) }
            // Percentages are stored negated, as Redis does, so one integer holds either form.
            guard text.utf8.count > 1, text.hasSuffix("%"),
                  let percent = ConfigText.string2ll(text.dropLast()), percent >= 0 else { return nil }
            return -percent
        case .octal:
            let parsed = ConfigText.strtoll(text, base: 8)
            return parsed.complete && !parsed.overflow ? parsed.value : nil
        case .integer:
            return ConfigText.string2ll(text)
        }
    }

    private static func boundsError(_ value: Int64, _ spec: NumericSpec) -> String? {
        if spec.unsigned {
            let v = UInt64(bitPattern: value), lower = UInt64(bitPattern: spec.lower), upper = UInt64(bitPattern: spec.upper)
            guard v < lower || v > upper else { return nil }
            if spec.format == .octal {
                return "argument must be between \(String(lower, radix: 8)) and \(String(upper, radix: 8)) inclusive"
            }
            return "argument must be between \(lower) and \(upper) inclusive"
        }
        if spec.format == .memoryOrPercent && value < 0 {
            return value < spec.lower ? "percentage argument must be less or equal to \(-spec.lower)" : nil
        }
        guard value < spec.lower || value > spec.upper else { return nil }
        return "argument must be between \(spec.lower) and \(spec.upper) inclusive"
    }

    /// CONFIG GET text: "N%" for percentages, unsigned bytes for memory, octal, else decimal.
    static func format(_ value: Int64, _ spec: NumericSpec) -> String {
        switch spec.format {
        case .memoryOrPercent where value < 0: return "\(-value)%"
        case .memory, .memoryOrPercent: return String(UInt64(bitPattern: value))
        case .octal: return String(UInt64(bitPattern: value), radix: 8)
        case .integer: return String(value)
        }
    }

    /// CONFIG REWRITE text (Redis's numericConfigRewrite): memory in the largest exact unit.
    static func rewriteFormat(_ value: Int64, _ spec: NumericSpec) -> String {
        switch spec.format {
        case .memoryOrPercent where value < 0: return "\(-value)%"
        case .memory, .memoryOrPercent: return ConfigText.rewriteMemory(value)
        case .octal: return String(UInt64(bitPattern: value), radix: 8)
        case .integer: return String(value)
        }
    }
}

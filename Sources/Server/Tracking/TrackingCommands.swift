import RESP
import Util

// CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO (networking.c's clientCommand, 7.0).

enum TrackingCommands {
    static let handlers: [String: CommandHandler] = [
        "client|tracking": tracking, "client|caching": caching, "client|getredir": getredir,
        "client|trackinginfo": trackinginfo,
    ]

    /// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP].
    static func tracking(_ c: Client) {
        var redirect: Int64 = 0
        var broadcast = false, optIn = false, optOut = false, noLoop = false
        var prefixes: [[UInt8]] = []
        var index = 3
        while index < c.argumentCount {
            let more = c.argumentCount - 1 - index
            if c.argIs(index, "redirect") && more > 0 {
                index += 1
                if redirect != 0 {
                    c.error("ERR A client can only redirect to a single other client")
                    return
                }
                guard let id = c.integerArgument(index) else { return }
                redirect = id
                if c.server.clientByID(id) == nil {
                    c.error("ERR The client ID you want redirect to does not exist")
                    return
                }
            } else if c.argIs(index, "bcast") {
                broadcast = true
            } else if c.argIs(index, "optin") {
                optIn = true
            } else if c.argIs(index, "optout") {
                optOut = true
            } else if c.argIs(index, "noloop") {
                noLoop = true
            } else if c.argIs(index, "prefix") && more > 0 {
                index += 1
                prefixes.append(c.argBytes(index))
            } else {
                c.error(ErrorText.syntax)
                return
            }
            index += 1
        }
        if c.argIs(2, "on") {
            let current = c.tracking
            if !broadcast && !prefixes.isEmpty {
                c.error("ERR PREFIX option requires BCAST mode to be enabled")
                return
            }
            if current.enabled && current.broadcast != broadcast {
                c.error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.")
                return
            }
            if broadcast && (optIn || optOut) {
                c.error("ERR OPTIN and OPTOUT are not compatible with BCAST")
                return
            }
            if optIn && optOut {
                c.error("ERR You can't specify both OPTIN mode and OPTOUT mode")
                return
            }
            if (optIn && current.optOut) || (optOut && current.optIn) {
                c.error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.")
                return
            }
            if broadcast && !prefixesAreDisjoint(c, prefixes) { return }
            c.server.enableTracking(c, redirect: redirect, broadcast: broadcast, optIn: optIn, optOut: optOut,
                                    noLoop: noLoop, prefixes: prefixes)
        } else if c.argIs(2, "off") {
            c.server.disableTracking(c)
        } else {
            c.error(ErrorText.syntax)
            return
        }
        c.reply.ok()
    }

    /// checkPrefixCollisionsOrReply. Faithful to 7.0, including its quirk: an overlap found among
    /// the given prefixes after the first one replies the error and still enables tracking.
    private static func prefixesAreDisjoint(_ c: Client, _ prefixes: [[UInt8]]) -> Bool {
        func overlap(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            let length = min(a.count, b.count)
            return a.prefix(length) == b.prefix(length)
        }
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self) }
        for (i, prefix) in prefixes.enumerated() {
            for existing in c.tracking.prefixes where overlap(existing, prefix) {
                c.error("ERR Prefix '\(text(prefix))' overlaps with an existing prefix '\(text(existing))'. Prefixes for a single client must not overlap.")
                return false
            }
            for other in prefixes[(i + 1)...] where overlap(prefix, other) {
                c.error("ERR Prefix '\(text(prefix))' overlaps with another provided prefix '\(text(other))'. Prefixes for a single client must not overlap.")
                return i != 0
            }
        }
        return true
    }

    static func caching(_ c: Client) {
        guard c.tracking.enabled else {
            c.error("ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
            return
        }
        if c.argIs(2, "yes") {
            guard c.tracking.optIn else {
                c.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.")
                return
            }
        } else if c.argIs(2, "no") {
            guard c.tracking.optOut else {
                c.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
                return
            }
        } else {
            c.error(ErrorText.syntax)
            return
        }
        c.tracking.caching = true
        c.reply.ok()
    }

    static func getredir(_ c: Client) {
        c.reply.integer(c.tracking.enabled ? c.tracking.redirect : -1)
    }

    static func trackinginfo(_ c: Client) {
        let state = c.tracking
        var flags: [StaticString] = [state.enabled ? "on" : "off"]
        if state.broadcast { flags.append("bcast") }
        if state.optIn {
            flags.append("optin")
            if state.caching { flags.append("caching-yes") }
        }
        if state.optOut {
            flags.append("optout")
            if state.caching { flags.append("caching-no") }
        }
        if state.noLoop { flags.append("noloop") }
        if state.brokenRedirect { flags.append("broken_redirect") }
        c.reply.mapHeader(3)
        c.reply.bulk("flags" as StaticString)
        c.reply.setHeader(flags.count)
        for flag in flags { c.reply.bulk(flag) }
        c.reply.bulk("redirect" as StaticString)
        c.reply.integer(state.enabled ? state.redirect : -1)
        c.reply.bulk("prefixes" as StaticString)
        c.reply.arrayHeader(state.prefixes.count)
        for prefix in state.prefixes { c.reply.bulk(prefix) }
    }
}

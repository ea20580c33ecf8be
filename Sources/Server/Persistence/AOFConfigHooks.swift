// CONFIG SET of the AOF's directives (updateAppendonly, updateAppendFsync in config.c).

extension Server {
    func installAOFConfigHooks() {
        config.onChange("appendonly") { [unowned self] value in
            if value == "no" {
                self.stopAppendOnly()
            } else if self.aof.status == .off && !self.startAppendOnly() {
                return "Unable to turn on AOF. Check server logs."
            }
            return nil
        }
        for name in ["appendfsync", "aof-timestamp-enabled"] {
            config.onChange(name) { [unowned self] _ in
                self.reloadAOFSettings()
                return nil
            }
        }
    }
}

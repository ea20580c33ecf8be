import Reactor

// CONFIG SET maxclients (updateMaxclients): the open-files limit is raised to fit the new value
// plus Redis's 32 reserved descriptors; when the system can't give that many, the change is
// refused with the number it could handle.

extension Server {
    func installMaxClientsConfigHook() {
        config.onChange("maxclients") { [unowned self] text in
            let wanted = Int(text) ?? 0
            let reserved = 32
            let limit = Socket.raiseOpenFileLimit(to: wanted + reserved)
            guard limit < wanted + reserved else { return nil }
            let reduced = max(limit - reserved, 1)
            self.logger.warning("You requested maxclients of \(wanted) requiring at least \(wanted + reserved) max file descriptors.")
            self.logger.warning("Server can't set maximum open files to \(wanted + reserved) because of OS error: Operation not permitted.")
            self.logger.warning("Current maximum open files is \(limit). maxclients has been reduced to \(reduced) to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'.")
            return "The operating system is not able to handle the specified number of clients, try with \(reduced)"
        }
    }
}

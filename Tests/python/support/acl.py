"""Helpers for the ACL differential tests: a pair of fresh servers whose ACL state can be reset
between tests, and the normalisation of rule text whose single-command part Redis emits in its
command dict's hash order (seeded at random per process)."""

import re

from .resp import RespClient, parse, serialize

# A run of single-command rules ("+get -config|set +select|0"), never a category (+@...).
_RUN = re.compile(rb"(?:(?<=[ (])|^)([+-][^@\s()][^\s()]*(?: [+-][^@\s()][^\s()]*)*)")


def _sort_run(match):
    groups = {}
    order = []
    for token in match.group(1).split(b" "):
        name = token[1:].split(b"|")[0].lower()
        if name not in groups:
            groups[name] = []
            order.append(name)
        groups[name].append(token)
    # A container's own rule comes first; its subcommands are in hash order too.
    out = []
    for name in sorted(order):
        tokens = groups[name]
        out += [t for t in tokens if b"|" not in t] + sorted(t for t in tokens if b"|" in t)
    return b" ".join(out)


def norm_rules_text(text):
    return _RUN.sub(_sort_run, text)


def _norm_node(node):
    t = node[0]
    if t in "$+" and node[1] is not None:
        return (t, norm_rules_text(node[1]))
    if t in "*~>" and node[1] is not None:
        return (t, [_norm_node(x) for x in node[1]])
    if t == "%":
        return (t, [(_norm_node(k), _norm_node(v)) for k, v in node[1]])
    return node


def norm_rules(raw):
    """A reply with every rule string's single-command runs in name order."""
    return serialize(_norm_node(parse(raw)))


def reset_acl(server):
    """Back to the default user only, no log, no password."""
    with RespClient(server.host, server.port) as c:
        for password in ("x", "secret"):  # any password logs in while the default user is nopass
            c.command("AUTH", "default", password)
        c.command("CONFIG", "SET", "requirepass", "")
        c.command("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
        users = parse(c.command("ACL", "USERS"))[1]
        for u in users:
            if u[1] != b"default":
                c.command("ACL", "DELUSER", u[1])
        c.command("ACL", "LOG", "RESET")
        c.command("CONFIG", "SET", "acllog-max-len", "128")
        c.command("CONFIG", "SET", "acl-pubsub-default", "resetchannels")
        c.command("FLUSHALL")


def log_without_volatile(raw):
    """ACL LOG with age-seconds and client-info blanked (they differ by run)."""
    node = parse(raw)
    if node[0] != "*":
        return raw
    entries = []
    for entry in node[1]:
        if entry[0] == "%":
            pairs = [(k, ("$", b"?") if k[1] in (b"age-seconds", b"client-info") else v) for k, v in entry[1]]
            entries.append(("%", pairs))
        else:
            items = list(entry[1])
            for i in range(0, len(items), 2):
                if items[i][1] in (b"age-seconds", b"client-info"):
                    items[i + 1] = ("$", b"?")
            entries.append(("*", items))
    return serialize(("*", entries))


def log_client_info_fields(raw, field):
    """One field of each ACL LOG entry's client-info (e.g. b"user=" or b"cmd=")."""
    node = parse(raw)
    out = []
    for entry in node[1]:
        flat = entry[1] if entry[0] == "*" else [x for kv in entry[1] for x in kv]
        for i in range(0, len(flat), 2):
            if flat[i][1] == b"client-info":
                words = flat[i + 1][1].split(b" ")
                out.append([w for w in words if w.startswith(field)])
    return out

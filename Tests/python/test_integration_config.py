"""Integration: starting from a config file, command-line directives, and
fatal configuration errors.

Redis 7.0.15 behaviour (verified with APUS_BIN=/usr/bin/redis-server):

* ``redis-server <file> [--directive value ...]``: the command-line
  directives are appended after the file's lines; the last occurrence wins.
* Memory units: k=1000, kb=1024, m=10^6, mb=1024^2, g=10^9, gb=1024^3
  (case-insensitive).
* A bad line prints to **stderr** (stdout stays empty) and exits with 1::

      \\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\\n
      Reading the configuration file, at line <N>\\n
      >>> '<the line, trimmed>'\\n
      <reason>\\n

  N counts lines of the file that contains the bad line (an included file
  has its own numbering).  Command-line directives are numbered as if
  appended to the file after one extra "\\n": with no file, ``--port P
  --bogus 1`` is line 3 and shows as ``>>> 'bogus "1"'`` (arguments are
  re-quoted).
* A missing config file: exit 1 and a log line on **stdout**:
  ``<pid>:C <date> # Fatal error, can't open config file '<path>': No such file or directory``.
"""

import re

import pytest

from support.integration import RespClient, run_binary, start_server

FATAL_HEADER = r"\n\*\*\* FATAL CONFIG FILE ERROR \(Redis \d+\.\d+\.\d+\) \*\*\*\n"


def config_get(c, name):
    raw = c.command("CONFIG", "GET", name)
    m = re.fullmatch(rb"\*2\r\n\$\d+\r\n(.*)\r\n\$\d+\r\n(.*)\r\n", raw, re.S)
    assert m, raw
    assert m.group(1) == name.encode()
    return m.group(2).decode()


# ---------------------------------------------------------------------------
# Successful start from a config file
# ---------------------------------------------------------------------------

MAIN_CONF = """\
# A comment, then an empty line

port @PORT@
bind 127.0.0.1
save ""
appendonly no
maxmemory 2mb
include @DIR@/other.conf
dbfilename "my dump.rdb"
   loglevel   'verbose'
maxmemory-policy allkeys-lru
maxmemory-policy volatile-lru
proto-max-bulk-len 2m
client-query-buffer-limit 3MB
logfile ""
"""

OTHER_CONF = """\
# included file
maxmemory 1gb
"""


def test_start_from_config_file():
    srv = start_server(config_text=MAIN_CONF, extra_files={"other.conf": OTHER_CONF},
                       default_args=[], port_on_cmdline=False)
    try:
        with RespClient(srv.host, srv.port) as c:
            assert config_get(c, "port") == str(srv.port)
            assert config_get(c, "bind") == "127.0.0.1"
            assert config_get(c, "maxmemory") == "1073741824"   # from include, later than 2mb
            assert config_get(c, "dbfilename") == "my dump.rdb"  # double quotes
            assert config_get(c, "loglevel") == "verbose"        # single quotes + whitespace
            assert config_get(c, "maxmemory-policy") == "volatile-lru"  # last one wins
            assert config_get(c, "proto-max-bulk-len") == "2000000"     # m = 10^6
            assert config_get(c, "client-query-buffer-limit") == "3145728"  # MB = 2^20
            assert config_get(c, "logfile") == ""
            assert config_get(c, "save") == ""
            assert config_get(c, "appendonly") == "no"
            assert c.command("PING") == b"+PONG\r\n"
    finally:
        srv.stop()


def test_include_order_matters():
    # The include is now *before* the other value: the later line wins.
    conf = MAIN_CONF.replace("maxmemory 2mb\ninclude @DIR@/other.conf\n",
                             "include @DIR@/other.conf\nmaxmemory 2mb\n")
    srv = start_server(config_text=conf, extra_files={"other.conf": OTHER_CONF},
                       default_args=[], port_on_cmdline=False)
    try:
        with RespClient(srv.host, srv.port) as c:
            assert config_get(c, "maxmemory") == "2097152"
    finally:
        srv.stop()


def test_command_line_overrides_config_file():
    srv = start_server(["--maxmemory-policy", "noeviction", "--maxmemory", "1g"],
                       config_text=MAIN_CONF, extra_files={"other.conf": OTHER_CONF},
                       default_args=[], port_on_cmdline=False)
    try:
        with RespClient(srv.host, srv.port) as c:
            assert config_get(c, "maxmemory-policy") == "noeviction"
            assert config_get(c, "maxmemory") == "1000000000"   # g = 10^9
            assert config_get(c, "dbfilename") == "my dump.rdb"
    finally:
        srv.stop()


@pytest.mark.parametrize("value, expected", [
    ("100", "100"), ("1k", "1000"), ("1kb", "1024"), ("1K", "1000"), ("1KB", "1024"),
    ("5m", "5000000"), ("5mb", "5242880"), ("1g", "1000000000"), ("1gb", "1073741824"),
    ("2Gb", "2147483648"),
])
def test_memory_units_on_command_line(value, expected):
    srv = start_server(["--maxmemory", value])
    try:
        with RespClient(srv.host, srv.port) as c:
            assert config_get(c, "maxmemory") == expected
    finally:
        srv.stop()


# ---------------------------------------------------------------------------
# Fatal configuration errors
# ---------------------------------------------------------------------------

BAD_LINES = [
    ("unknown-directive", "notadirective 1", "Bad directive or wrong number of arguments"),
    ("bad-memory", "maxmemory abc", "argument must be a memory value"),
    ("port-range", "port 99999", "argument must be between 0 and 65535 inclusive"),
    ("bad-int", "port abc", "argument couldn't be parsed into an integer"),
    ("bad-bool", "appendonly maybe", "argument must be 'yes' or 'no'"),
    ("bad-enum", "loglevel foo",
     "argument(s) must be one of the following: debug, verbose, notice, warning"),
    ("unbalanced-quotes", 'save "', "Unbalanced quotes in configuration line"),
    ("missing-arg", "maxmemory", "wrong number of arguments"),
]


def expected_fatal(line_no, line, reason):
    return "^" + FATAL_HEADER + re.escape(
        "Reading the configuration file, at line %d\n>>> '%s'\n%s\n" % (line_no, line, reason)) + "$"


@pytest.mark.parametrize("line, reason", [b[1:] for b in BAD_LINES], ids=[b[0] for b in BAD_LINES])
def test_bad_config_line_is_fatal(tmp_path, line, reason):
    conf = tmp_path / "bad.conf"
    # the bad line is line 4
    conf.write_text("# comment\nport 0\n\n%s\nsave \"\"\n" % line)
    r = run_binary([str(conf)], cwd=str(tmp_path))
    err = r.stderr.decode()
    assert r.returncode == 1, (r.returncode, err)
    assert re.match(expected_fatal(4, line, reason), err), err
    assert r.stdout == b""


def test_bad_line_in_included_file_uses_its_own_line_numbers(tmp_path):
    (tmp_path / "inc.conf").write_text("\n\nbogus x\n")
    conf = tmp_path / "main.conf"
    conf.write_text("port 0\nsave \"\"\ninclude %s\n" % (tmp_path / "inc.conf"))
    r = run_binary([str(conf)], cwd=str(tmp_path))
    err = r.stderr.decode()
    assert r.returncode == 1
    assert re.match(expected_fatal(3, "bogus x", "Bad directive or wrong number of arguments"), err), err


def test_bad_command_line_directive(tmp_path):
    # With no file, the command line becomes "\nport \"0\" \nbogus \"1\" ":
    # the bad directive is line 3 and its argument is shown re-quoted.
    r = run_binary(["--port", "0", "--bogus", "1"], cwd=str(tmp_path))
    err = r.stderr.decode()
    assert r.returncode == 1
    assert re.match(expected_fatal(3, 'bogus "1"', "Bad directive or wrong number of arguments"), err), err


def test_bad_command_line_directive_after_file(tmp_path):
    conf = tmp_path / "ok.conf"
    conf.write_text("port 0\n\n")  # 2 lines + the extra "\n" -> options start at line 4
    r = run_binary([str(conf), "--port", "abc"], cwd=str(tmp_path))
    err = r.stderr.decode()
    assert r.returncode == 1
    assert re.match(expected_fatal(4, 'port "abc"', "argument couldn't be parsed into an integer"), err), err


def test_missing_config_file(tmp_path):
    missing = str(tmp_path / "nope.conf")
    r = run_binary([missing, "--port", "0"], cwd=str(tmp_path))
    assert r.returncode == 1
    out = r.stdout.decode() + r.stderr.decode()
    assert re.search(r"^\d+:C \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2}\.\d{3} # Fatal error, can't open config "
                     r"file '%s': No such file or directory$" % re.escape(missing), out, re.M), out


# ---------------------------------------------------------------------------
# lfu-log-factor / lfu-decay-time at start-up
# ---------------------------------------------------------------------------
#
# With lfu-log-factor 0, LFULogIncr's probability 1/((counter-5)*factor+1) is 1:
# every access adds exactly one to the counter (LFU_INIT_VAL = 5 for a new key),
# up to 255.  With lfu-decay-time 0 the counter never decays, so the counts are
# deterministic.  OBJECT FREQ itself does not touch the key.  With the default
# factor 10 the counter would be ~6-7 after 10 accesses and far below 255 after 300.

def _lfu_counts(c):
    assert c.command("SET", "k", "some-value") == b"+OK\r\n"
    assert c.command("OBJECT", "FREQ", "k") == b":5\r\n"
    for _ in range(10):
        c.command("GET", "k")
    after_ten = c.command("OBJECT", "FREQ", "k")
    c.pipeline([("GET", "k")] * 300)
    return after_ten, c.command("OBJECT", "FREQ", "k")


def test_lfu_log_factor_on_command_line_takes_effect():
    srv = start_server(["--maxmemory-policy", "allkeys-lfu", "--lfu-log-factor", "0",
                        "--lfu-decay-time", "0"])
    try:
        with RespClient(srv.host, srv.port) as c:
            assert config_get(c, "lfu-log-factor") == "0"
            assert _lfu_counts(c) == (b":15\r\n", b":255\r\n")
    finally:
        srv.stop()


def test_lfu_log_factor_in_config_file_takes_effect():
    conf = "maxmemory-policy allkeys-lfu\nlfu-log-factor 0\nlfu-decay-time 0\n"
    srv = start_server(config_text=conf)
    try:
        with RespClient(srv.host, srv.port) as c:
            assert config_get(c, "lfu-decay-time") == "0"
            assert _lfu_counts(c) == (b":15\r\n", b":255\r\n")
    finally:
        srv.stop()


def test_lfu_log_factor_config_set_takes_effect():
    srv = start_server(["--maxmemory-policy", "allkeys-lfu"])
    try:
        with RespClient(srv.host, srv.port) as c:
            assert c.command("CONFIG", "SET", "lfu-log-factor", "0") == b"+OK\r\n"
            assert c.command("CONFIG", "SET", "lfu-decay-time", "0") == b"+OK\r\n"
            assert _lfu_counts(c) == (b":15\r\n", b":255\r\n")
    finally:
        srv.stop()

"""EVAL scripting against redis-server 7.0.15, byte for byte (issue 11, the EVAL side).

Every scenario runs on Apus and on the reference server and the replies (or the replication
stream, MONITOR lines, INFO figures) must be identical, in RESP2 and RESP3:

    * test_sandbox                the globals and libraries scripts see, readonly tables, the
                                  missing-global error, the redis.* helpers and their errors
    * test_conversions            Lua values -> replies and replies -> Lua values, every type
    * test_libraries_and_command_replies  cjson, bit, string/table/math results, command replies
    * test_errors                 numkeys, compile and runtime errors, pcall, refused commands,
                                  EVAL_RO / no-writes, shebangs, EVALSHA, SCRIPT, SELECT, MULTI
    * test_deep_nesting           'reached lua stack limit' on tables nested past Lua's C stack
    * test_random_sequence        math.random's sequence from a fresh start (Redis's rand48)
    * test_stats                  commandstats / errorstats / total_error_replies of scripts
    * test_monitor                MONITOR shows EVAL, then its commands as [db lua]
    * test_replication_stream     scripts replicate as their effects, in MULTI/EXEC
    * test_info_memory            the scripting fields of INFO memory

    * test_set_repl_targets       REPL_AOF / REPL_REPLICA: the AOF file and the replica stream

Not compared: error({}) (redis-server 7.0.15 crashes on it), FUNCTION/FCALL/XREAD inside a
script (other parts of Apus).
"""

import re
import socket

import pytest

from support.resp import RespClient, encode_command
from support.scripted import assert_script_matches

# Scripts run with EVAL <script> 0.
SANDBOX = [
    'x = 1',
    "rawset(_G,'x',1)",
    'redis = 1',
    'redis.call = 1',
    'string.foo = 1',
    'function f() end',
    'local function g() x=2 end g()',
    "KEYS[1]='a' return KEYS",
    'KEYS = 1',
    'setmetatable(_G, {})',
    'return type(getmetatable(_G).__index)',
    "getmetatable('').__index.upper = 1 return 1",
    "return rawget(_G, 'nosuch')",
    "return rawget(_G, 'redis') ~= nil",
    "table.insert(string, 'x')",
    'return #_G',
    'local t = {} for k,v in pairs(string) do t[#t+1]=k end return #t',
    'return next(_G) ~= nil',
    'cjson.x = 1',
    'return redis.REDIS_VERSION',
    'return redis.REDIS_VERSION_NUM',
    'KEYS.x = 1 return 1',
    'return type(_G._G)',
    '_G.x = 1',
    "return ('x'):upper()",
    'math.random = 1',
    'return print',
    "loadstring('x=1')()",
    "return loadstring('return 5')()",
    'coroutine.x = 1',
    'return getfenv',
    'return newproxy',
    'debug.x = 1',
    'return debug',
    'return type(debug)',
    'redis.set_repl(7)',
    'redis.set_repl()',
    "redis.set_repl('a')",
    'redis.set_repl(redis.REPL_NONE) return 1',
    'redis.replicate_commands() return redis.replicate_commands()',
    'return redis.breakpoint()',
    "return redis.debug('x')",
    "redis.log(redis.LOG_WARNING, 'hello', 'w', 1) return 1",
    "redis.log(9, 'x')",
    'redis.log(1)',
    "redis.log('a','b')",
    'redis.log(1, {})',
    'return redis.setresp(4)',
    'return redis.setresp()',
    'return redis.sha1hex()',
    'return redis.sha1hex(1)',
    'return redis.sha1hex({})',
    'return redis.error_reply()',
    'return redis.error_reply(1)',
    'return redis.status_reply(1)',
    'return redis.status_reply()',
    "return redis.error_reply('-X y')",
    "return redis.error_reply('')",
    "return redis.status_reply('a\r\nb')",
    "return redis.acl_check_cmd('set','a','b')",
    "return redis.acl_check_cmd('nosuch')",
    'return redis.acl_check_cmd()',
    "return redis.acl_check_cmd('config','nosuch')",
    "return redis.acl_check_cmd('config','get')",
    'return math.random(0)',
    'return math.random(1,2,3)',
    "return math.random('x')",
    'math.randomseed() return 1',
    'math.randomseed(5) return math.random(1000)',
    "return next(_G, 'nonexistingkey')",
    'return pairs(nil)',
    'return rawget(nil)',
    'return table.insert(KEYS)',
    "return getmetatable('').__index == string",
    'return getmetatable(_G) == nil',
    'getmetatable(_G).x = 1 return 1',
    "getmetatable('').x = 1 return 1",
    "return type(rawget(getmetatable(_G), '__index'))",
    'return tostring(getmetatable(getmetatable(_G)))',
    'setmetatable(getmetatable(_G), nil) return 1',
    "rawset(getmetatable(''), '__index', nil) return 1",
    'return tostring(setmetatable(_G, nil))',
    "local t={} for k in pairs(_G) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k in pairs(struct) do t[#t+1]=k end table.sort(t) return t",
    "local t={} for k in pairs(cmsgpack) do t[#t+1]=k end table.sort(t) return t",
    "struct.x = 1",
    "cmsgpack.pack = nil",
    'local t={} for k in pairs(redis) do t[#t+1]=k end table.sort(t) return t',
    'local t={} for k in pairs(math) do t[#t+1]=k end table.sort(t) return t',
    'local t={} for k in pairs(string) do t[#t+1]=k end table.sort(t) return t',
    'local t={} for k in pairs(table) do t[#t+1]=k end table.sort(t) return t',
    'local t={} for k in pairs(cjson) do t[#t+1]=k end table.sort(t) return t',
    'local t={} for k in pairs(bit) do t[#t+1]=k end table.sort(t) return t',
    'local t={} for k in pairs(coroutine) do t[#t+1]=k end table.sort(t) return t',
    'return _VERSION',
    'return cjson.encode({a=1})',
    "return cjson.decode('[1,2]')",
    'local t = {} for i,v in ipairs({5,6,nil,7}) do t[#t+1]=v end return t',
    'return table.remove(string)',
    'table.sort(string) return 1',
    "return select('#', unpack(string))",
    'return rawequal(_G, _G._G)',
    'return tostring(getmetatable(string))',
    "return string.rep('x', 3)",
    'local co = coroutine.create(function() coroutine.yield(1) end) return {coroutine.resume(co)}',
    'return gcinfo() > 0',
    "return collectgarbage('count') > 0",
]

CONVERSIONS = [
    'return 1',
    'return -1',
    'return 3.99',
    'return -3.99',
    'return 1e20',
    'return -1e20',
    'return 0/0',
    'return 1/0',
    'return -1/0',
    'return 2^53',
    'return 2^63',
    'return -(2^63)',
    "return 'str'",
    "return ''",
    'return true',
    'return false',
    'return nil',
    'return {}',
    'return {1,2,3}',
    'return {1,nil,3}',
    'return {nil,2}',
    'return {1,{2,{3,{4}}}}',
    'return {a=1}',
    'return {1,2,a=3}',
    "return {err='My Error'}",
    "return {err='-MY code here'}",
    "return {err=''}",
    'return {err=1}',
    "return {ok='fine'}",
    "return {ok=''}",
    'return {ok=1}',
    "return {err='x', ok='y'}",
    'return {double=3.5}',
    "return {double='3.5'}",
    'return {double=1/0}',
    "return {big_number='123456789012345678901234567890'}",
    "return {big_number='12\\r\\n3'}",
    'return {map={a=1}}',
    'return {set={a=true}}',
    "return {verbatim_string={format='txt', string='hello'}}",
    "return {verbatim_string={format='toolong', string='hello'}}",
    "return {verbatim_string={string='hello'}}",
    "return {1, {err='in array'}}",
    "return {1, {ok='in array'}}",
    'return {true, false, 1.5}',
    'redis.setresp(3) return true',
    'redis.setresp(3) return false',
    'redis.setresp(3) return nil',
    'redis.setresp(3) return {double=3.5}',
    'redis.setresp(3) return {double=0.1}',
    'redis.setresp(3) return {double=1/0}',
    'redis.setresp(3) return {double=-1/0}',
    'redis.setresp(3) return {double=0/0}',
    'redis.setresp(3) return {double=1e300}',
    "redis.setresp(3) return {big_number='1234'}",
    'redis.setresp(3) return {map={a=1}}',
    'redis.setresp(3) return {set={a=true}}',
    "redis.setresp(3) return {verbatim_string={format='txt', string='hello'}}",
    'redis.setresp(3) return {1,true,false,{map={}}}',
    'return {map={a={1,2}}}',
    'return {set={}}',
    'return {map={}}',
    "return redis.call('set','k',3.5)",
    "return redis.call('get','k')",
    "return redis.call('set','k',1/3)",
    "return redis.call('get','k')",
    "return redis.call('set','k',1e300)",
    "return redis.call('get','k')",
    "return redis.call('set','k',-0.0)",
    "return redis.call('get','k')",
    "return redis.call('set','k',100)",
    "return redis.call('get','k')",
    "return redis.call('set','k',2^60)",
    "return redis.call('get','k')",
    "return redis.call('set','k',true)",
    "return redis.call('set','k',{})",
    "return redis.call('set','k',nil)",
    "return redis.pcall('set','k',true)",
    "return redis.call('hset','h','a','1','b','2')",
    "return redis.call('hgetall','h')",
    "redis.setresp(3) return redis.call('hgetall','h')",
    "redis.setresp(3) local r = redis.call('hgetall','h') return type(r.map)",
    "return redis.call('sadd','s','x','y')",
    "redis.setresp(3) return redis.call('smembers','s')",
    "redis.setresp(3) local r=redis.call('smembers','s') return type(r.set)",
    "redis.setresp(3) return redis.call('get','nokey')",
    "redis.setresp(3) return type(redis.call('get','nokey'))",
    "return type(redis.call('get','nokey'))",
    "return redis.call('get','nokey')",
    "redis.setresp(3) return redis.call('zadd','z','1.5','a')",
    "redis.setresp(3) return redis.call('zscore','z','a')",
    "redis.setresp(3) local r = redis.call('zscore','z','a') return r.double",
    "return redis.call('zscore','z','a')",
    "redis.setresp(3) return redis.call('zrange','z','0','-1','withscores')",
    "redis.setresp(3) return redis.call('debug','protocol','bignum')",
    "redis.setresp(3) return redis.call('debug','protocol','true')",
    "redis.setresp(3) return redis.call('debug','protocol','false')",
    "redis.setresp(3) return redis.call('debug','protocol','verbatim')",
    "redis.setresp(3) return redis.call('debug','protocol','null')",
    "redis.setresp(3) return redis.call('debug','protocol','double')",
    "redis.setresp(3) return redis.call('debug','protocol','map')",
    "redis.setresp(3) return redis.call('debug','protocol','set')",
    "redis.setresp(3) return redis.call('debug','protocol','attrib')",
    "return redis.call('debug','protocol','bignum')",
    "return redis.call('debug','protocol','verbatim')",
    "return redis.call('ping')",
    "return type(redis.call('ping'))",
    "return redis.call('ping').ok",
    "return redis.pcall('incr','h')",
    "return redis.pcall('incr','h').err",
    "return type(redis.pcall('incr','h'))",
    'local t = {} for i=1,100 do t = {t} end return t',
    'local t = {} for i=1,400 do t = {t} end return t',
    'local t = {} for i=1,1000 do t = {t} end return 1',
    'local t = {} for i=1,50000 do t[i]=i end return t',
    "return redis.call('lpush','l',unpack({1,2,3}))",
]

# Whole commands.
ERRORS = [
    ['EVAL', 'return 1', 'x'],
    ['EVAL', 'return 1', '-1'],
    ['EVAL', 'return 1', '2', 'a'],
    ['EVAL', 'return 1'],
    ['EVAL', 'return 1', '1'],
    ['EVAL', 'return 1', '99999999999999999999'],
    ['EVAL', 'return 1', ' 1', 'a'],
    ['EVAL', 'return 1', '01', 'a'],
    ['EVAL', 'syntax error here', '0'],
    ['EVAL', 'return (', '0'],
    ['EVAL', "local function f() error('deep') end local function g() f() end g()", '0'],
    ['EVAL', "\n\nerror('line3')", '0'],
    ['EVAL', "error({err='TABLE err'})", '0'],
    ['EVAL', 'error()', '0'],
    ['EVAL', 'error(nil)', '0'],
    ['EVAL', 'error(5)', '0'],
    ['EVAL', "error('x', 0)", '0'],
    ['EVAL', "error('x', 2)", '0'],
    ['EVAL', "return pcall(function() error('caught') end)", '0'],
    ['EVAL', "local ok, e = pcall(function() error('caught') end) return e", '0'],
    ['EVAL', "local ok, e = pcall(function() error({err='X'}) end) return e", '0'],
    ['EVAL', "local ok, e = pcall(redis.call, 'nosuch') return e", '0'],
    ['EVAL', "local ok, e = pcall(redis.call, 'nosuch') return e.err", '0'],
    ['SET', 'str', 'v'],
    ['EVAL', "return redis.call('lpush','str','x')", '0'],
    ['EVAL', "return redis.pcall('lpush','str','x')", '0'],
    ['EVAL', "return redis.call('nosuch')", '0'],
    ['EVAL', "return redis.pcall('nosuch')", '0'],
    ['EVAL', "return redis.call('get')", '0'],
    ['EVAL', "return redis.call('get','a','b')", '0'],
    ['EVAL', "return redis.call('eval','return 1','0')", '0'],
    ['EVAL', "return redis.call('multi')", '0'],
    ['EVAL', "return redis.call('exec')", '0'],
    ['EVAL', "return redis.call('subscribe','x')", '0'],
    ['EVAL', "return redis.call('watch','x')", '0'],
    ['EVAL', "return redis.call('script','load','return 1')", '0'],
    ['EVAL', "return redis.call('evalsha','x','0')", '0'],
    ['EVAL', "return redis.call('client','list')", '0'],
    ['EVAL', "return redis.call('client','nosuch')", '0'],
    ['EVAL', "return redis.call('config','nosuch')", '0'],
    ['EVAL', "return redis.call('config')", '0'],
    ['EVAL', "return redis.call('debug','sleep','0')", '0'],
    ['EVAL', "return redis.call('save')", '0'],
    ['EVAL', "return redis.call('shutdown')", '0'],
    ['EVAL', "return redis.call('monitor')", '0'],
    ['EVAL', "return redis.call('auth','x')", '0'],
    ['EVAL', "return redis.call('hello')", '0'],
    ['EVAL', "return redis.call('reset')", '0'],
    ['EVAL', "return redis.call('blpop','l','0')", '0'],
    ['EVAL', "return redis.call('brpoplpush','l','m','0')", '0'],
    ['EVAL', "return redis.call('bzpopmin','z','0')", '0'],
    ['EVAL', "return redis.call('wait','0','0')", '0'],
    ['EVAL', "return redis.call('psync','?','-1')", '0'],
    ['EVAL', "return redis.call('sync')", '0'],
    ['EVAL', "return redis.call('replconf','x')", '0'],
    ['EVAL', "return redis.call('quit')", '0'],
    ['EVAL_RO', "return redis.call('set','a','b')", '0'],
    ['EVAL_RO', "return redis.pcall('set','a','b')", '0'],
    ['EVAL_RO', "return redis.call('get','a')", '0'],
    ['EVAL_RO', "return redis.call('publish','a','b')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set','a','b')", '0'],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get','a')", '0'],
    ['EVAL', "#!lua\nreturn redis.call('set','a','b')", '0'],
    ['EVAL', '#!lua flags=bad\nreturn 1', '0'],
    ['EVAL', '#!python\nreturn 1', '0'],
    ['EVAL', '#!lua x=y\nreturn 1', '0'],
    ['EVAL', '#!lua', '0'],
    ['EVAL', '#!lua flags=no-writes,allow-oom\nreturn 1', '0'],
    ['EVAL', '#!lua flags=\nreturn 1', '0'],
    ['EVAL', '#! lua\nreturn 1', '0'],
    ['EVAL', '#!\nreturn 1', '0'],
    ['EVAL', '#!lua  flags=no-writes  \nreturn 1', '0'],
    ['EVAL', '#!lua flags=no-writes,\nreturn 1', '0'],
    ['EVAL', '#!lua flags=no-cluster\nreturn 1', '0'],
    ['EVAL_RO', '#!lua\nreturn 1', '0'],
    ['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'],
    ['EVAL', '#!lua name=x\nreturn 1', '0'],
    ['EVAL', "#!lua\nerror('l2')", '0'],
    ['EVALSHA', 'abc', '0'],
    ['EVALSHA', '0123456789012345678901234567890123456789', '0'],
    ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
    ['SCRIPT', 'LOAD', 'return 1'],
    ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
    ['EVALSHA', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB', '0'],
    ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
    ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'x'],
    ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'ffff', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB'],
    ['SCRIPT', 'EXISTS'],
    ['SCRIPT', 'LOAD'],
    ['SCRIPT', 'LOAD', 'syntax error'],
    ['SCRIPT', 'LOAD', '#!bad\nx'],
    ['SCRIPT', 'HELP'],
    ['SCRIPT', 'help'],
    ['SCRIPT', 'NOSUCH'],
    ['SCRIPT'],
    ['SCRIPT', 'FLUSH', 'ASYNC'],
    ['SCRIPT', 'FLUSH', 'SYNC'],
    ['SCRIPT', 'FLUSH', 'x'],
    ['SCRIPT', 'FLUSH', 'sync', 'async'],
    ['SCRIPT', 'FLUSH'],
    ['SCRIPT', 'KILL'],
    ['SCRIPT', 'KILL', 'x'],
    ['SCRIPT', 'DEBUG', 'no'],
    ['SCRIPT', 'DEBUG', 'x'],
    ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
    ['EVAL', "return redis.call('select','5')", '0'],
    ['EVAL', "redis.call('select','5') return redis.call('set','insel5','1')", '0'],
    ['EXISTS', 'insel5'],
    ['SELECT', '5'],
    ['EXISTS', 'insel5'],
    ['SELECT', '0'],
    ['EVAL', "redis.call('select','5') return redis.call('exists','insel5')", '0'],
    ['EVAL', "return redis.call('blpop','nolist','0')", '0'],
    ['RPUSH', 'lst', 'a'],
    ['EVAL', "return redis.call('blpop','lst','0')", '0'],
    ['EVAL', "return redis.call('blmove','nolist','x','left','left','0')", '0'],
    ['MULTI'],
    ['EVAL', "return redis.call('set','m','1')", '0'],
    ['EVAL', "return redis.call('incr','m')", '0'],
    ['EXEC'],
    ['MULTI'],
    ['EVAL', "return redis.call('nosuch')", '0'],
    ['EVAL', 'syntax error', '0'],
    ['EXEC'],
    ['EVAL', "return redis.call('set',KEYS[1],ARGV[1])", '1', 'kk', 'vv'],
    ['GET', 'kk'],
    ['EVAL', 'return {KEYS, ARGV}', '2', 'a', 'b', 'c', 'd'],
    ['EVAL', 'return #ARGV', '0'],
    ['EVAL', "return redis.call('ping','a','b')", '0'],
    ['EVAL', "return redis.call('PiNg')", '0'],
    ['EVAL', "return redis.call('COMMAND','COUNT') > 0", '0'],
    ['EVAL', 'return redis.call()', '0'],
    ['EVAL', 'return redis.pcall()', '0'],
    ['EVAL', 'return redis.call({})', '0'],
    ['EVAL', "return redis.pcall('get', {})", '0'],
    ['EVAL', 'return redis.call(1)', '0'],
    ['EVAL', 'local a = nil; return a.b', '0'],
    ['EVAL', 'return 1 + {}', '0'],
    ['EVAL', 'return #nil', '0'],
    ['EVAL', "local t = setmetatable({}, {__index=function(t,k) error('meta') end}) return t.x", '0'],
    ['EVAL', "return string.rep('x', -1)", '0'],
    ['EVAL', "return ('x'):bad()", '0'],
    ['EVAL', 'return tostring(nil) .. nil', '0'],
    ['EVAL', "return redis.error_reply('MY err')", '0'],
    ['EVAL', "return redis.error_reply('-MY err')", '0'],
    ['EVAL', "return {err='no code'}", '0'],
    ['EVAL', "error(redis.error_reply('RAISED e'))", '0'],
    ['EVAL', "error({err='RAISED2 e'})", '0'],
    ['EVAL', "return redis.pcall('incr','str')", '0'],
    ['EVAL', "local e = redis.pcall('incr','str') return e", '0'],
    ['EVAL', "local e = redis.pcall('incr','str') error(e)", '0'],
    ['EVAL', "return redis.call('incr','str')", '0'],
    ['EVAL', "redis.call('set','x','1') return redis.call('incr','str')", '0'],
    ['GET', 'x'],
    ['EVAL', "return string.format('%.17g', 0.1)", '0'],
    ['EVAL', 'return tostring(0.1)', '0'],
    ['EVAL', 'return tostring(1e15)', '0'],
    ['EVAL', 'return tostring(123456789012345678)', '0'],
    ['EVAL', "return redis.call('incrbyfloat','f',0.1)", '0'],
    ['EVAL', "return redis.call('incrbyfloat','f',1e20)", '0'],
    ['EVAL', "return redis.call('setex','ex',10.5,'v')", '0'],
]


# Values of the libraries and of commands' replies as scripts see them (run in order, one database).
LIBRARIES = [
    "return 'a\\0b'",
    "return {'a\\0b'}",
    "return string.byte('\\0')",
    "return redis.call('set','k','')",
    "return redis.call('get','k')",
    "return redis.call('set','big','9223372036854775807')",
    "return redis.call('incr','big')",
    "return redis.call('incrby','n','9007199254740993')",
    "return redis.call('get','n')",
    "return redis.call('incrby','n2','9223372036854775807')",
    'return -0.0',
    'return tostring(-0.0)',
    "return redis.status_reply('OK')",
    "return cjson.decode('{bad')",
    'return cjson.encode({[1]=1,[5]=2})',
    'return cjson.encode({[1]=1,[50]=2})',
    'return cjson.encode(function() end)',
    'return cjson.decode(\'{"a":[1,2,{"b":null}]}\').a[3].b == cjson.null',
    'return cjson.encode(cjson.decode(\'[1.5, "x", true, null]\'))',
    "return string.format('%s', 1.5)",
    "return string.format('%d', 3.7)",
    'return bit.tohex(255)',
    'return bit.band()',
    'return bit.tobit(2^40)',
    'return tostring(2^63)',
    'return 2^53+1',
    'return 9007199254740993',
    "return '9007199254740993' + 0",
    "return redis.call('rpush','L',1,2,3,4,5)",
    "return redis.call('lrange','L',0,-1)",
    "return redis.call('lpos','L','3')",
    "return redis.call('hincrbyfloat','h','f','1.5')",
    "return redis.call('object','encoding','L')",
    "return redis.call('type','L')",
    "return redis.call('type','L').ok",
    "return redis.call('exists','L','nope')",
    "return redis.call('config','get','maxmemory')",
    "return redis.call('info','server') ~= nil",
    "return redis.call('dbsize')",
    "return redis.call('time')[1] ~= nil",
    "return redis.call('randomkey') ~= nil",
    "return redis.call('zadd','z','1','a','2','b')",
    "return redis.call('zrange','z',0,-1,'WITHSCORES')",
    "return redis.call('zscore','z','a')",
    "return redis.call('zincrby','z','0.5','a')",
    "return redis.call('publish','ch','msg')",
    "return redis.call('pubsub','channels')",
    "return redis.call('client','getname')",
    "return redis.call('client','id') > 0",
    "return redis.call('echo','x')",
    "return redis.call('sort','L','desc')",
    "return redis.call('sort','L','limit','0','2','store','L2')",
    "return redis.call('expire','L','100')",
    "return redis.call('ttl','L')",
    "return redis.call('persist','L')",
    "return redis.call('rename','L','L3')",
    "return redis.call('copy','L3','L4')",
    "return redis.call('move','L4','1')",
    "return redis.call('flushdb')",
    "return redis.call('swapdb','0','1')",
    "return redis.call('dbsize')",
    "return redis.call('swapdb','0','1')",
    "return redis.call('object','freq','x')",
    "return redis.call('memory','usage','nokey')",
    "return redis.call('debug','object','x')",
    "return redis.call('hset','h','a','1') and redis.call('hrandfield','h')",
    "return redis.call('srandmember','nokey')",
    'local a = {} a[1]=1 a[2]=2 a[4]=4 return a',
    'local a = {n=1, 10, 20} return a',
    'return {1, 2, nil, 4}',
    'return unpack({1,2,3})',
    'return 1, 2',
    'return (function() return end)()',
    "return tonumber('0x10')",
    "return tonumber('1e3')",
    "return tonumber('abc')",
    'return math.huge',
    'return -math.huge',
    'return math.floor(3.7)',
    'return math.fmod(7,3)',
    'return math.pi',
    "return string.sub('hello', 2, 3)",
    "return ('%5.2f'):format(3.14159)",
    "return string.gsub('hello world', 'o', '0')",
    "return {string.find('hello', 'l')}",
    "return table.concat({1,2,3}, ',')",
    'local t = {3,1,2} table.sort(t) return t',
    'local t = {3,1,2} table.sort(t, function(a,b) return a > b end) return t',
    "return select('#', 1, 2, 3)",
    'return type(redis)',
    'return type(KEYS)',
    'return #KEYS',
    "return assert(false, 'assert msg')",
    'return assert(nil)',
    "return assert(1 == 1, 'x')",
    "error('with level 2', 2)",
    "return string.rep('ab', 3, ',')",
    "return ('x'):rep(0)",
    "return string.len(string.rep('a', 1000000))",
    # Coroutines, recursion, metatables, xpcall.
    "local co = coroutine.wrap(function() return redis.call('set','co','1') end) return co()",
    "local co = coroutine.create(function() error('in co') end) return {coroutine.resume(co)}",
    "local co = coroutine.create(function() redis.call('nosuch') end) local ok, e = coroutine.resume(co) return e",
    'local co = coroutine.wrap(function() x = 1 end) co()',
    "local function f(n) if n == 0 then error('bottom') end return f(n-1) end f(50)",
    'local function f(n) return 1 + f(n+1) end f(1)',
    "local s = '' for i=1,10 do s = s .. i end return s",
    "return string.format('%q', 'a\\nb')",
    "return xpcall(function() error('e') end, function(m) return 'handled: ' .. m end)",
    "return {xpcall(function() return redis.call('nosuch') end, function(m) return type(m) end)}",
    'return select(2, pcall(error))',
    'return {pcall(error, nil)}',
    'return tostring(nil)',
    'return {1, 2, 3, [10]=10}',
    'local t = {} t[1.5] = 1 return t',
    "return {['1']=1}",
    "return {[1]='a', [2]='b', [3]=nil, [4]='d'}",
    'local t = {} setmetatable(t, {__index=function(t,k) return k*2 end}) return {t[1], t[2]}',
    'local t = setmetatable({}, {__len=function() return 5 end}) return #t',
    "return redis.sha1hex('abc')",
    'return redis.sha1hex(123)',
    "return string.upper(redis.sha1hex(''))",
    'return redis.setresp(2)',
    "return redis.call('hello', '3')",
    "return {redis.call('set','k1','v1'), redis.call('get','k1')}",
]


@pytest.mark.parametrize("proto", [2, 3])
def test_sandbox(apus, redis, proto):
    assert_script_matches(apus, redis, proto, 8, [], [["EVAL", s, "0"] for s in SANDBOX])


@pytest.mark.parametrize("proto", [2, 3])
def test_conversions(apus, redis, proto):
    assert_script_matches(apus, redis, proto, 8, [], [["EVAL", s, "0"] for s in CONVERSIONS])


@pytest.mark.parametrize("proto", [2, 3])
def test_libraries_and_command_replies(apus, redis, proto):
    cleanup = [["SELECT", "1"], ["DEL", "L4"], ["SELECT", "8"]]
    assert_script_matches(apus, redis, proto, 8, [], [["EVAL", s, "0"] for s in LIBRARIES] + cleanup)


@pytest.mark.parametrize("proto", [2, 3])
def test_errors(apus, redis, proto):
    cleanup = [["SELECT", "5"], ["DEL", "insel5"], ["SELECT", "0"]]
    assert_script_matches(apus, redis, proto, 0, cleanup, ERRORS + cleanup)


def _read_reply_iteratively(sock):
    """One whole reply, however deeply nested (support.resp parses recursively)."""
    buf = b""
    pos = 0
    pending = 1

    def line():
        nonlocal buf, pos
        while b"\r\n" not in buf[pos:]:
            chunk = sock.recv(1 << 20)
            assert chunk, "connection closed"
            buf += chunk
        end = buf.index(b"\r\n", pos)
        text, pos = buf[pos:end], end + 2
        return text

    while pending:
        head = line()
        pending -= 1
        kind, rest = head[:1], head[1:]
        if kind in (b"*", b"~", b">") and int(rest) > 0:
            pending += int(rest)
        elif kind == b"%" and int(rest) > 0:
            pending += 2 * int(rest)
        elif kind in (b"$", b"=", b"!") and int(rest) >= 0:
            while len(buf) < pos + int(rest) + 2:
                buf += sock.recv(1 << 20)
            pos += int(rest) + 2
    return buf[:pos]


DEEP = [
    "local t = {} for i=1,%d do t = {t} end return t",
    "local t = {} for i=1,%d do t = {map={t}} end return t",
    "redis.setresp(3) local t = {} for i=1,%d do t = {set={[t]=true}} end return t",
]


@pytest.mark.parametrize("depth", [3000, 10000, 100000])
def test_deep_nesting(apus, redis, depth):
    for script in DEEP:
        replies = []
        for server in (apus, redis):
            with socket.create_connection((server.host, server.port), timeout=10) as sock:
                sock.sendall(encode_command("EVAL", script % depth, "0"))
                replies.append(_read_reply_iteratively(sock))
        assert replies[0] == replies[1], script % depth


def test_random_sequence(apus_factory, redis_factory):
    # Scripts draw one rand48 sequence from server start; SCRIPT FLUSH does not reseed it.
    steps = [
        ["EVAL", "return {tostring(math.random()), math.random(100), math.random(5,10)}", "0"],
        ["EVAL", "return tostring(math.random())", "0"],
        ["SCRIPT", "FLUSH"],
        ["EVAL", "return tostring(math.random())", "0"],
        ["EVAL", "math.randomseed(42) return {math.random(1000), math.random(1000)}", "0"],
        ["EVAL", "return math.random(1000)", "0"],
    ]
    got = []
    for srv in (apus_factory(), redis_factory()):
        with RespClient(srv.host, srv.port) as c:
            got.append([c.command(*step) for step in steps])
    assert got[0] == got[1]
    assert got[1][0] == b"*3\r\n$16\r\n0.39646477363839\r\n:85\r\n:7\r\n"


STATS_SCRIPTS = [
    "redis.call('set','a','1') redis.call('get','a') return 1",
    "return redis.call('incr','x','y')",
    "return redis.pcall('nosuch')",
    "redis.pcall('nosuch') return 1",
    "return redis.pcall('lpush','a','x')",
    "redis.pcall('lpush','a','x') return 1",
    "redis.call('lpush','a','x')",
    "return {err='MINE x'}",
    "local t = {} for i=1,3000 do t = {map={t}} end return t",
    "error('x')",
    "return redis.error_reply('ERR2 y')",
    "return redis.call('subscribe','c')",
]


def _stats(c):
    text = c.command("INFO", "commandstats").decode() + c.command("INFO", "errorstats").decode()
    lines = sorted(re.sub(r"usec=\d+,usec_per_call=[\d.]+,", "", line)
                   for line in text.split("\r\n") if line.startswith(("cmdstat_", "errorstat_")))
    total = [line for line in c.command("INFO", "stats").decode().split("\r\n")
             if line.startswith("total_error_replies")]
    return lines + total


def test_stats(apus, redis):
    got = []
    for srv in (apus, redis):
        with RespClient(srv.host, srv.port) as c:
            c.command("SELECT", "9")
            c.command("FLUSHDB")
            c.command("CONFIG", "RESETSTAT")
            for script in STATS_SCRIPTS:
                c.send_command("EVAL", script, "0")
                _read_reply_iteratively(c.sock)
            c.command("EVAL_RO", "return redis.call('set','a','b')", "0")
            c.command("EVAL_RO", "return redis.pcall('set','a','b')", "0")
            got.append(_stats(c))
            c.command("FLUSHDB")
    assert got[0] == got[1]
    assert "cmdstat_set:calls=1,rejected_calls=2,failed_calls=0" in got[1]


def _monitor_lines(srv, steps):
    with RespClient(srv.host, srv.port) as mon, RespClient(srv.host, srv.port) as c:
        assert mon.command("MONITOR") == b"+OK\r\n"
        c.command("SELECT", "9")
        for step in steps:
            c.command(*step)
        c.command("ECHO", "end-of-monitor-test")
        lines = []
        while True:
            line = mon.read_reply()
            # Timestamps and the caller's address differ; the script client's is "lua".
            lines.append(re.sub(rb"^\+\d+\.\d{6} \[(\d+) (?!lua\])[^\]]*\]", rb"+T [\1 client]", line))
            if b"end-of-monitor-test" in line:
                return lines


def test_monitor(apus, redis):
    steps = [
        ["EVAL", "redis.call('set','a',1.5) redis.pcall('nosuch') redis.call('select','2') "
                 "redis.call('get','a') return 1", "0"],
        ["EVAL", "return redis.call('incr','x','y')", "0"],
        ["EVALSHA", "1234", "0"],
        ["EVAL", "return 1", "x"],
        ["MULTI"], ["EVAL", "return redis.call('get','a')", "0"], ["EXEC"],
        ["DEL", "a"],
    ]
    apus_lines, redis_lines = _monitor_lines(apus, steps), _monitor_lines(redis, steps)
    assert [re.sub(rb"^\+\d+\.\d{6} ", b"+T ", x) for x in apus_lines] == \
           [re.sub(rb"^\+\d+\.\d{6} ", b"+T ", x) for x in redis_lines]
    assert any(b"[9 lua] \"set\" \"a\" \"1.5\"" in x for x in redis_lines)


class ReplicationTap:
    """A replica's side of PSYNC: the initial RDB skipped, then the stream as raw bytes."""

    def __init__(self, srv):
        self.sock = socket.create_connection((srv.host, srv.port), timeout=10)
        self.buf = b""
        self.sock.sendall(encode_command("REPLCONF", "listening-port", "0"))
        assert self._line() == b"+OK"
        self.sock.sendall(encode_command("PSYNC", "?", "-1"))
        assert self._line().startswith(b"+FULLRESYNC")
        line = self._line()
        while not line:  # keep-alive newlines before the payload
            line = self._line()
        assert line.startswith(b"$"), line
        self._take(int(line[1:]))

    def _fill(self):
        chunk = self.sock.recv(65536)
        assert chunk, "connection closed"
        self.buf += chunk

    def _line(self):
        while b"\n" not in self.buf:
            self._fill()
        index = self.buf.index(b"\n")
        line, self.buf = self.buf[:index].rstrip(b"\r"), self.buf[index + 1:]
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        self.buf = self.buf[n:]

    def until(self, marker):
        while marker not in self.buf:
            self._fill()
        end = self.buf.index(marker) + len(marker)
        data, self.buf = self.buf[:end], self.buf[end:]
        return data

    def close(self):
        self.sock.close()


REPLICATED = [
    ["EVAL", "redis.call('set','a','1') redis.call('incr','a') return 1", "0"],
    ["EVAL", "redis.call('set','b','1') return 1", "0"],
    ["EVAL", "return redis.call('get','b')", "0"],
    ["EVAL", "redis.call('select','3') redis.call('set','c','1') return 1", "0"],
    ["EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set','d','1') redis.set_repl(redis.REPL_ALL) "
             "redis.call('set','e','1') return 1", "0"],
    ["EVAL", "redis.call('set','f','1') redis.set_repl(redis.REPL_NONE) redis.call('set','g','1') return 1", "0"],
    ["MULTI"], ["SET", "m1", "1"], ["EVAL", "redis.call('set','m2','1') redis.call('set','m3','1') return 1", "0"],
    ["EXEC"],
    ["MULTI"], ["EVAL", "redis.call('set','m4','1') return 1", "0"], ["EXEC"],
    ["EVAL", "redis.call('set','x','1') return redis.call('incr','nonnum')", "0"],
    ["SET", "nonnum2", "abc"],
    ["EVAL", "redis.call('set','y','1') return redis.call('incr','nonnum2')", "0"],
    ["EVAL", "redis.call('set','t','1','px','100000') redis.call('expire','t','100') return 1", "0"],
    ["EVAL", "redis.call('rpush','L','a','b') redis.call('lpop','L') return redis.call('blpop','L','0')", "0"],
    ["EVAL", "return redis.call('spop','nokey')", "0"],
    ["SCRIPT", "LOAD", "redis.call('set','z','1')"],
    ["EVALSHA", "1cd0e4af45a48a2a1bff7e9b2f97f67fc28fb18f", "0"],
    ["EVAL", "#!lua\nredis.call('set','sb','1') redis.call('set','sc','2')", "0"],
    ["EVAL", "redis.call('del','nonexistent') return 1", "0"],
    ["EVAL", "redis.call('set','big', string.rep('x', 5)) redis.call('incrbyfloat','fl','1.5') return 1", "0"],
    ["EVAL", "redis.call('set','n', 1/3) return 1", "0"],
    ["EVAL_RO", "return redis.call('get','a')", "0"],
]


def _replicated(srv):
    with RespClient(srv.host, srv.port) as c:
        c.command("FLUSHALL")
        tap = ReplicationTap(srv)
        try:
            replies = [c.command(*step) for step in REPLICATED]
            c.command("SET", "__end__", "1")
            stream = tap.until(b"__end__\r\n$1\r\n1\r\n")
        finally:
            tap.close()
            c.command("FLUSHALL")
    # Absolute expiry times differ by the milliseconds between the two runs.
    return replies, re.sub(rb"\$13\r\n\d{13}\r\n", b"$13\r\n<ms>\r\n", stream)


def test_replication_stream(apus, redis):
    apus_replies, apus_stream = _replicated(apus)
    redis_replies, redis_stream = _replicated(redis)
    assert apus_replies == redis_replies
    assert apus_stream == redis_stream
    assert b"$1\r\nd\r\n" not in redis_stream and b"$1\r\ng\r\n" not in redis_stream


SCRIPT_MEMORY_FIELDS = [
    "used_memory_lua", "used_memory_vm_eval", "used_memory_lua_human", "used_memory_scripts_eval",
    "number_of_cached_scripts", "number_of_functions", "used_memory_vm_functions", "used_memory_vm_total",
    "used_memory_vm_total_human", "used_memory_functions", "used_memory_scripts", "used_memory_scripts_human",
]


def _memory_fields(c):
    fields = {}
    for line in c.command("INFO", "memory").decode().split("\r\n"):
        name, _, value = line.partition(":")
        if "lua" in name or "script" in name or "vm" in name or "function" in name:
            fields[name] = value
    return fields


def test_info_memory(apus, redis):
    for srv in (apus, redis):
        with RespClient(srv.host, srv.port) as c:
            c.command("SCRIPT", "FLUSH")
            empty = _memory_fields(c)
            assert list(empty) == SCRIPT_MEMORY_FIELDS
            assert empty["number_of_cached_scripts"] == "0"
            for i in range(20):
                c.command("SCRIPT", "LOAD", "return %d" % i)
            c.command("EVAL", "local t = {} for i=1,20000 do t[i] = tostring(i) end return #t", "0")
            loaded = _memory_fields(c)
            assert loaded["number_of_cached_scripts"] == "21"
            assert int(loaded["used_memory_scripts_eval"]) > int(empty["used_memory_scripts_eval"])
            assert int(loaded["used_memory_lua"]) > 0
            assert loaded["used_memory_lua"] == loaded["used_memory_vm_eval"]
            c.command("SCRIPT", "FLUSH")
            assert _memory_fields(c)["number_of_cached_scripts"] == "0"


def test_tracking_of_script_reads(apus, redis):
    # Redis 7.0.15 does not remember keys read by a script's commands for the caller's
    # client-side caching; a plain GET is the control.
    from support.differential import nothing_yet
    seen = []
    for srv in (apus, redis):
        with RespClient(srv.host, srv.port) as a, RespClient(srv.host, srv.port) as b:
            a.command("HELLO", "3")
            a.command("SELECT", "9")
            b.command("SELECT", "9")
            a.command("CLIENT", "TRACKING", "on")
            a.command("EVAL", "return redis.call('get','tk')", "0")
            a.command("EVAL_RO", "return redis.call('get','tk2')", "0")
            a.command("GET", "tk3")
            for key in ("tk", "tk2", "tk3"):
                b.command("SET", key, "1")
            seen.append([nothing_yet(a), nothing_yet(a)])
            b.command("DEL", "tk", "tk2", "tk3")
    assert seen[0] == seen[1]
    assert seen[1][0] == b">2\r\n$10\r\ninvalidate\r\n*1\r\n$3\r\ntk3\r\n"


SET_REPL = [
    ["EVAL", "redis.set_repl(redis.REPL_AOF) redis.call('set','aofonly','1') "
             "redis.set_repl(redis.REPL_REPLICA) redis.call('set','replonly','1') "
             "redis.set_repl(redis.REPL_ALL) redis.call('set','all','1') return 1", "0"],
    # Two AOF-only commands: the replicas still get the (empty) MULTI/EXEC, as from Redis.
    ["EVAL", "redis.set_repl(redis.REPL_AOF) redis.call('set','a1','1') redis.call('set','a2','1') return 1", "0"],
    ["EVAL", "redis.set_repl(redis.REPL_REPLICA) redis.call('set','r1','1') return 1", "0"],
    ["EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set','n1','1') return 1", "0"],
]


def _aof_and_stream(srv):
    import glob
    import os
    with RespClient(srv.host, srv.port) as c:
        tap = ReplicationTap(srv)
        try:
            replies = [c.command(*step) for step in SET_REPL]
            c.command("SET", "__end__", "1")
            stream = tap.until(b"__end__\r\n$1\r\n1\r\n")
        finally:
            tap.close()
    (incr,) = glob.glob(os.path.join(srv.dir, "appendonlydir", "*.incr.aof"))
    with open(incr, "rb") as f:
        return replies, stream, f.read()


def test_set_repl_targets(apus_factory, redis_factory):
    args = ["--appendonly", "yes", "--appendfsync", "always"]
    apus_side = _aof_and_stream(apus_factory(extra_args=args))
    redis_side = _aof_and_stream(redis_factory(extra_args=args))
    assert apus_side == redis_side
    _, stream, aof = redis_side
    assert b"aofonly" in aof and b"replonly" not in aof and b"a1" in aof and b"r1" not in aof
    assert b"aofonly" not in stream and b"replonly" in stream and b"r1" in stream and b"n1" not in stream + aof


def test_write_pause_holds_scripts_by_their_flags(apus, redis):
    # evalGetCommandFlags: a script that declares no-writes runs during CLIENT PAUSE WRITE; one
    # without a shebang (may replicate) or with write flags waits for CLIENT UNPAUSE.
    from support.differential import NOTHING, nothing_yet
    scripts = ["#!lua flags=no-writes\nreturn 1", "return 2", "#!lua\nreturn 3"]
    seen = []
    for srv in (apus, redis):
        with RespClient(srv.host, srv.port) as ctl:
            sha = ctl.command("SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 4")[5:-2].decode()
            ctl.command("CLIENT", "PAUSE", "10000", "WRITE")
            observed = []
            clients = []
            try:
                for args in [["EVAL", s, "0"] for s in scripts] + [["EVALSHA", sha, "0"]]:
                    c = RespClient(srv.host, srv.port)
                    clients.append(c)
                    c.send_command(*args)
                    observed.append(nothing_yet(c))
            finally:
                ctl.command("CLIENT", "UNPAUSE")
            observed += [c.read_reply() for c, first in zip(clients, observed) if first == NOTHING]
            for c in clients:
                c.close()
            seen.append(observed)
    assert seen[0] == seen[1]
    assert seen[1] == [b":1\r\n", NOTHING, NOTHING, b":4\r\n", b":2\r\n", b":3\r\n"]


def test_script_flags_on_a_replica(apus_factory, redis_factory):
    # processCommand judges EVAL by the flags its script declares: one with write flags is
    # refused on a read-only replica before it runs, a no-writes one runs, and on a stale
    # replica only allow-stale scripts run (a Redis 6 script passes processCommand, EVAL being
    # stale-allowed, and is refused when the run is prepared).
    master = redis_factory()
    steps = [
        ["EVAL", "#!lua\nreturn 1", "0"],
        ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','a')", "0"],
        ["EVAL", "return redis.call('set','a','b')", "0"],
        ["EVAL_RO", "return 1", "0"],
        ["CONFIG", "SET", "replica-serve-stale-data", "no"],
        ["REPLICAOF", "127.0.0.1", "1"],
        ["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
        ["EVAL", "#!lua flags=no-writes,allow-stale\nreturn 1", "0"],
        ["EVAL", "return 1", "0"],
        ["EVAL", "#!lua\nreturn 1", "0"],
        ["REPLICAOF", "NO", "ONE"],
    ]
    got = []
    for factory in (apus_factory, redis_factory):
        replica = factory(extra_args=["--replicaof", master.host, str(master.port)])
        with RespClient(replica.host, replica.port) as c:
            got.append([c.command(*step) for step in steps])
    assert got[0] == got[1]
    assert got[1][0] == b"-READONLY You can't write against a read only replica.\r\n"
    assert got[1][6].startswith(b"-MASTERDOWN") and got[1][7] == b":1\r\n" and got[1][8].startswith(b"-MASTERDOWN")

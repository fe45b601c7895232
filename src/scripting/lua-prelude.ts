import { REDIS_VERSION, REDIS_VERSION_NUM } from '../config/version.js';

/**
 * The Lua side of the script sandbox, run once per runtime with the full standard library. It
 * builds the `redis`, `kv`, `cjson` and `cmsgpack` libraries over the raw functions the runtime
 * registered (`__eddy_*`), removes what scripts must not reach (io, os but os.clock, require,
 * load, loadfile, dofile, debug, print), and makes globals read-only, as Redis 7 does.
 * It returns the functions the runtime calls around each run.
 */
export const LUA_PRELUDE = String.raw`
local KILLED = __eddy_killed
__eddy_killed = nil
local raw = {
  call = __eddy_call, pcall = __eddy_pcall, log = __eddy_log, sha1hex = __eddy_sha1hex, setresp = __eddy_setresp,
  json_encode = __eddy_json_encode, json_decode = __eddy_json_decode,
  msgpack_pack = __eddy_msgpack_pack, msgpack_unpack = __eddy_msgpack_unpack,
  hook_paused = __eddy_hook_paused,
}
for name in pairs(raw) do _G['__eddy_' .. name] = nil end
local getinfo, randomseed, clock = debug.getinfo, math.randomseed, os.clock
local error, type, tostring, select, setmetatable, rawget = error, type, tostring, select, setmetatable, rawget

local function readonly_error() error('Attempt to modify a readonly table', 2) end
-- Tables no script may change (rawset included): no script can leave anything for the next.
local protected = setmetatable({}, { __mode = 'k' })
local function readonly(library)
  local proxy = setmetatable({}, { __index = library, __newindex = readonly_error, __metatable = false })
  protected[proxy] = true
  return proxy
end
local raw_rawset = rawset

local redis = {
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = '${REDIS_VERSION}', REDIS_VERSION_NUM = ${REDIS_VERSION_NUM},
}
redis.call = raw.call
redis.pcall = raw.pcall
function redis.error_reply(message)
  if type(message) ~= 'string' then error('wrong number or type of arguments', 2) end
  return { err = message }
end
function redis.status_reply(message)
  if type(message) ~= 'string' then error('wrong number or type of arguments', 2) end
  return { ok = message }
end
function redis.sha1hex(text)
  if type(text) ~= 'string' and type(text) ~= 'number' then error('wrong number of arguments', 2) end
  return raw.sha1hex(tostring(text))
end
function redis.log(level, ...)
  if type(level) ~= 'number' or level < 0 or level > 3 then error('Invalid debug level.', 2) end
  if select('#', ...) == 0 then error('redis.log() requires two arguments or more.', 2) end
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  raw.log(level, table.concat(parts, ' '))
end
function redis.setresp(version)
  if version ~= 2 and version ~= 3 then error('RESP version must be 2 or 3.', 2) end
  raw.setresp(version)
end
-- Eddy logs a script's effects, never the script: replication choices have nothing to choose.
function redis.set_repl(flags)
  if type(flags) ~= 'number' or flags < 0 or flags > 3 then error('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.', 2) end
end
function redis.replicate_commands() return true end

-- Functions (FUNCTION LOAD): a library registers them while it loads, under its name.
local loading
local libraries = {}
local FUNCTION_FLAGS = { ['no-writes'] = true, ['allow-oom'] = true, ['allow-stale'] = true, ['no-cluster'] = true, ['allow-cross-slot-keys'] = true }
function redis.register_function(...)
  if loading == nil then error('redis.register_function can only be called on FUNCTION LOAD command', 2) end
  local name, callback, flags = ...
  if type(name) == 'table' then name, callback, flags = name.function_name, name.callback, name.flags end
  if type(name) ~= 'string' or not string.match(name, '^[%w_]+$') then
    error('Function names can only contain letters, numbers, or underscores(_) and must be at least one character long', 2)
  end
  if type(callback) ~= 'function' then error('callback argument must be a function', 2) end
  local listed = {}
  for _, flag in ipairs(flags or {}) do
    if not FUNCTION_FLAGS[flag] then error('unknown flag given', 2) end
    listed[#listed + 1] = flag
  end
  if loading.functions[name] ~= nil then error('Function already exists in the library', 2) end
  loading.functions[name] = callback
  loading.list[#loading.list + 1] = { name = name, flags = listed }
end

local function load_library(library, chunk)
  loading = { functions = {}, list = {} }
  local ok, problem = pcall(chunk)
  local registered = loading
  loading = nil
  if not ok then
    if type(problem) == 'table' then problem = problem.err end
    error(problem, 0)
  end
  libraries[library] = registered.functions
  return registered.list
end

local function call_function(library, name, keys, args)
  return libraries[library][name](keys, args)
end

-- The roadmap's shorthand over redis.call.
local kv = {
  get = function(key) return redis.call('GET', key) end,
  set = function(key, value, ...) return redis.call('SET', key, value, ...) end,
  del = function(...) return redis.call('DEL', ...) end,
}

local cjson = { encode = raw.json_encode, decode = raw.json_decode }
local cmsgpack = { pack = raw.msgpack_pack, unpack = raw.msgpack_unpack }

-- SCRIPT KILL's error (and the stop of a script that cannot pause) goes through pcall, xpcall and
-- coroutine.resume: a script cannot catch its own end.
local raw_pcall, raw_xpcall = pcall, xpcall
local function killed(e) return type(e) == 'table' and rawget(e, 'fatal') == true end
local function pass(ok, ...)
  if not ok and killed((...)) then error((...), 0) end
  return ok, ...
end
pcall = function(...) return pass(raw_pcall(...)) end
xpcall = function(f, handler, ...)
  return pass(raw_xpcall(f, function(e) if killed(e) then return e end return handler(e) end, ...))
end

-- The instruction hook pauses a coroutine at the end of a time slice; resume passes the pause up
-- to the script's own thread (so the event loop gets its turn), then carries on where it stopped.
local co_create, co_resume, co_yield, co_isyieldable = coroutine.create, coroutine.resume, coroutine.yield, coroutine.isyieldable
local pack, unpack_all = table.pack, table.unpack
local function resume(co, ...)
  local result = pack(co_resume(co, ...))
  while raw.hook_paused(co_isyieldable()) do
    if co_isyieldable() then co_yield() end
    result = pack(co_resume(co))
  end
  if not result[1] and killed(result[2]) then error(result[2], 0) end
  return unpack_all(result, 1, result.n)
end
coroutine.resume = resume
coroutine.wrap = function(f)
  local co = co_create(f)
  return function(...)
    local result = pack(resume(co, ...))
    if result[1] then return unpack_all(result, 2, result.n) end
    error(result[2], 0)
  end
end

-- A finalizer would run inside whichever later script the collector happens to run in, where
-- nothing could stop it: tables get none (Lua 5.1, which Redis runs, has none for tables either).
local raw_setmetatable = setmetatable
_G.setmetatable = function(t, meta)
  if type(meta) == 'table' and rawget(meta, '__gc') ~= nil then error('__gc metamethods are not allowed in scripts', 2) end
  return raw_setmetatable(t, meta)
end

-- Lua 5.1 idioms Redis scripts use.
unpack = table.unpack

_G.redis = readonly(redis)
_G.kv = readonly(kv)
_G.cjson = readonly(cjson)
_G.cmsgpack = readonly(cmsgpack)
for _, name in ipairs({ 'string', 'table', 'math', 'coroutine', 'utf8' }) do _G[name] = readonly(_G[name]) end
_G.os = readonly({ clock = clock })
-- String methods ('x'):upper() reach the read-only string library too.
local string_meta = getmetatable('')
string_meta.__index = _G.string
string_meta.__metatable = false
_G.rawset = function(t, k, v)
  if protected[t] then error('Attempt to modify a readonly table', 2) end
  return raw_rawset(t, k, v)
end
protected[_G] = true
for _, name in ipairs({ 'io', 'require', 'package', 'load', 'loadfile', 'dofile', 'debug', 'print', 'collectgarbage' }) do _G[name] = nil end

setmetatable(_G, {
  __newindex = readonly_error,
  __index = function(_, name) error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end,
  __metatable = false,
})

-- Called before each run: the same random sequence every time, so a script decides the same way
-- wherever its decisions are looked at again.
local function before_run() randomseed(0) end

-- Where in the script an error happened, read off the failed thread's stack, as Redis reports it.
local function error_info(thread, e)
  local line, source = '?', 'user_script'
  for level = 0, 64 do
    local info = getinfo(thread, level, 'Sl')
    if info == nil then break end
    if (info.source == '@user_script' or info.source == '@user_function') and info.currentline >= 0 then
      line, source = info.currentline, string.sub(info.source, 2)
      break
    end
  end
  if type(e) == 'table' and type(rawget(e, 'err')) == 'string' then return { err = e.err, line = line, source = source } end
  return { err = tostring(e), line = line, source = source, raised = true }
end

return before_run, error_info, load_library, call_function
`;

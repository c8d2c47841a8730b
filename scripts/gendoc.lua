-- gendoc.lua — `make doc`: writes the API reference page and the LuaLS stubs from
-- lua/regio/help.lua (see lua/regio/doc.lua). Needs only the pure-Lua modules, not the build.
--
--   lua5.4 scripts/gendoc.lua build/doc/api.md lua/regio/meta/regio.lua

local root = arg[0]:match("^(.*)/scripts/[^/]*$") or "."
package.path = root .. "/lua/?.lua;" .. root .. "/lua/?/init.lua;" .. package.path
os.exit(require("regio.doc").main(arg))

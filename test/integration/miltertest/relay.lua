-- The relay rules on what the MTA says of the client: a client without reverse DNS saying
-- HELO with a bare word gets RDNS_NONE and HELO_NOT_FQDN; the same client logged in with
-- SMTP AUTH ({auth_authen} at MAIL) is not judged.
--   cd test/integration/miltertest && miltertest -D PORT=11332 -s relay.lua
local t = dofile("common.lua")
local bot = { name = "unknown", addr = "198.51.100.7", helo = "WINPC" }
local body = "Hi Bob,\r\nthe minutes are attached.\r\n\r\nAlice\r\n"

local function result_of(id, auth)
  local conn = t.connect()
  local r = t.message(conn, { id = id, subject = "Minutes", body = body, client = bot, auth = auth }, true)
  t.expect_accepted(id, r)
  local result = t.added(conn, "X-Spam-Result") or ""
  mt.disconnect(conn)
  print(id .. ": X-Spam-Result: " .. result)
  return result
end

t.run(function()
  local unauth = result_of("MTrelay1", nil)
  for _, symbol in ipairs({ "RDNS_NONE", "HELO_NOT_FQDN" }) do
    if not string.find(unauth, symbol, 1, true) then error("relay: no " .. symbol .. " in " .. unauth) end
  end
  local auth = result_of("MTrelay2", "alice")
  if string.find(auth, "RDNS_", 1, true) or string.find(auth, "HELO_", 1, true) then error("relay: authenticated client judged: " .. auth) end
  print("OK relay")
end)

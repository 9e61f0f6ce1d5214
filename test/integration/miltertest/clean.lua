-- A clean message: accepted, X-Spam-Status: No, no GTUBE symbol.
--   cd test/integration/miltertest && miltertest -D PORT=11332 -s clean.lua
local t = dofile("common.lua")
t.run(function()
  local conn = t.connect()
  local r = t.message(conn, {
    id = "MTclean", subject = "Lunch on Friday?",
    body = "Hi Bob,\r\nare we still on for lunch on Friday at noon?\r\n\r\nAlice\r\n",
  }, true)
  t.expect_accepted("clean", r)
  t.expect_status(conn, "clean", "No")
  local result = t.added(conn, "X-Spam-Result")
  if result ~= nil and string.find(result, "GTUBE", 1, true) then error("clean: X-Spam-Result names GTUBE: " .. result) end
  mt.disconnect(conn)
  print("OK clean")
end)

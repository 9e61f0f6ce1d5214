-- GTUBE with default thresholds: accepted (no reject threshold), X-Spam-Status: Yes,
-- X-Spam-Result lists GTUBE (1000.0).
--   cd test/integration/miltertest && miltertest -D PORT=11332 -s gtube.lua
local t = dofile("common.lua")
t.run(function()
  local conn = t.connect()
  local r = t.message(conn, {
    id = "MTgtube", subject = "test",
    body = "This is the GTUBE test string:\r\n\r\n" .. t.GTUBE .. "\r\n",
  }, true)
  t.expect_accepted("gtube", r)
  local status = t.expect_status(conn, "gtube", "Yes")
  local score = tonumber(string.match(status, "score=([%d.]+)"))
  if score == nil or score < 1000 then error("gtube: score below 1000: " .. status) end
  local result = t.added(conn, "X-Spam-Result")
  if result == nil then error("gtube: no X-Spam-Result header added") end
  if not string.find(result, "GTUBE (1000.0)", 1, true) then error("gtube: X-Spam-Result lacks GTUBE (1000.0): " .. result) end
  print("gtube: X-Spam-Result: " .. result)
  mt.disconnect(conn)
  print("OK gtube")
end)

-- A sender forges X-Spam-Status / X-Spam-Result: Thresher deletes them (SMFIR_CHGHEADER with an
-- empty value, index 1) and adds its own verdict.
--   cd test/integration/miltertest && miltertest -D PORT=11332 -s forged.lua
local t = dofile("common.lua")
t.run(function()
  local conn = t.connect()
  local r = t.message(conn, {
    id = "MTforged", subject = "trust me",
    headers = { {"X-Spam-Status", "No, score=-100"}, {"X-Spam-Result", "WHITELISTED (-100.0)"} },
    body = "Forged verdict in the header, GTUBE in the body:\r\n" .. t.GTUBE .. "\r\n",
  }, true)
  t.expect_accepted("forged", r)
  for _, name in ipairs({"X-Spam-Status", "X-Spam-Result"}) do
    if not mt.eom_check(conn, MT_HDRDELETE, name, 1) then error("forged: the sender's " .. name .. " (index 1) was not deleted") end
    print("forged: deleted the sender's " .. name)
  end
  if mt.eom_check(conn, MT_HDRCHANGE, "X-Spam-Status", "No, score=-100") then error("forged: kept the forged verdict") end
  t.expect_status(conn, "forged", "Yes")
  mt.disconnect(conn)
  print("OK forged")
end)

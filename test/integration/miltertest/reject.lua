-- With thresholds.reject set (20): GTUBE is refused at end of message with the configured
-- reply; then, on the same milter connection (as Postfix reuses it within one SMTP session),
-- a clean message is still accepted.
--   cd test/integration/miltertest && miltertest -D PORT=11333 -s reject.lua
local t = dofile("common.lua")
t.run(function()
  local conn = t.connect()
  local r = t.message(conn, {
    id = "MTreject", subject = "test",
    body = "This is the GTUBE test string:\r\n\r\n" .. t.GTUBE .. "\r\n",
  }, true)
  if r ~= SMFIR_REPLYCODE then error("reject: expected REPLYCODE at eom, got " .. t.rname(r)) end
  if not mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1", "Message rejected as spam") then
    error("reject: eom reply is not \"550 5.7.1 Message rejected as spam\"")
  end
  print("reject: GTUBE refused with 550 5.7.1 Message rejected as spam")
  r = t.message(conn, {
    id = "MTafter", subject = "Lunch on Friday?",
    body = "Hi Bob,\r\nare we still on for lunch on Friday at noon?\r\n\r\nAlice\r\n",
  }, false)
  t.expect_accepted("after-reject", r)
  t.expect_status(conn, "after-reject", "No")
  mt.disconnect(conn)
  print("OK reject")
end)

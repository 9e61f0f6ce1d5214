-- Shared by the miltertest scripts in this folder (loaded with dofile, so run them from here):
--   cd test/integration/miltertest && miltertest -D PORT=11332 -s clean.lua
-- Drives Thresher through libmilter's own MTA-side client: negotiate v6, connect, helo, mail,
-- rcpt, data, headers, eoh, body, eom. A step the milter opted out of in negotiation
-- (SMFIP_NO*) is skipped, as Postfix does. Any failure raises a Lua error: miltertest exits 1.
-- miltertest 1.6 exits 1 on a Lua error but does not print it: scripts run inside M.run,
-- which writes "FAIL: <reason>" to stderr first.
local M = {}

function M.run(fn)
  local ok, err = pcall(fn)
  if not ok then
    io.stderr:write("FAIL: " .. tostring(err) .. "\n")
    error(err, 0)
  end
end

M.GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

local names = {}
names[SMFIR_ACCEPT] = "ACCEPT"; names[SMFIR_CONTINUE] = "CONTINUE"; names[SMFIR_REJECT] = "REJECT"
names[SMFIR_TEMPFAIL] = "TEMPFAIL"; names[SMFIR_DISCARD] = "DISCARD"; names[SMFIR_REPLYCODE] = "REPLYCODE"
if SMFIR_SKIP then names[SMFIR_SKIP] = "SKIP" end
function M.rname(r) return names[r] or tostring(r) end

function M.connect()
  if PORT == nil then error("define the milter port: miltertest -D PORT=... -s script.lua") end
  local spec = "inet:" .. PORT .. "@127.0.0.1"
  mt.set_timeout(30)
  local conn = mt.connect(spec, 40, 0.25)
  if conn == nil then error("mt.connect(" .. spec .. ") failed") end
  -- protocol version 6; nil: libmilter's current actions and steps (all of them)
  local err = mt.negotiate(conn, 6, nil, nil)
  if err ~= nil then error("mt.negotiate: " .. tostring(err)) end
  return conn
end

-- One protocol step: skipped when negotiated away, otherwise it must answer CONTINUE
-- (or SKIP, for body chunks, when SMFIP_SKIP was negotiated).
local function step(conn, what, opt, fn, ...)
  if opt ~= nil and mt.test_option(conn, opt) then
    print("  (" .. what .. " skipped: milter negotiated it away)")
    return
  end
  local err = fn(conn, ...)
  if err ~= nil then error(what .. ": " .. tostring(err)) end
  local r = mt.getreply(conn)
  if r ~= SMFIR_CONTINUE and not (what == "body" and SMFIR_SKIP and r == SMFIR_SKIP) then
    error(what .. ": expected CONTINUE, got " .. M.rname(r))
  end
end

-- Runs one message up to and including end-of-message; returns the eom reply.
-- msg = { id = "queue id", headers = { {name, value}, ... }, body = "...",
--         client = { name = "rDNS name", addr = "IP", helo = "HELO" } (optional), auth = "login" (optional) }
function M.message(conn, msg, first)
  if first then
    local c = msg.client or { name = "client.example", addr = "192.0.2.10", helo = "client.example" }
    mt.macro(conn, SMFIC_CONNECT, "j", "mx.thresher.test", "{daemon_name}", "miltertest",
             "_", c.name .. " [" .. c.addr .. "]", "{client_addr}", c.addr)
    step(conn, "connect", SMFIP_NOCONNECT, mt.conninfo, c.name, c.addr)
    step(conn, "helo", SMFIP_NOHELO, mt.helo, c.helo)
  end
  if msg.auth then
    mt.macro(conn, SMFIC_MAIL, "i", msg.id, "{mail_addr}", "alice@sender.thresher.test", "{auth_authen}", msg.auth)
  else
    mt.macro(conn, SMFIC_MAIL, "i", msg.id, "{mail_addr}", "alice@sender.thresher.test")
  end
  step(conn, "mail", SMFIP_NOMAIL, mt.mailfrom, "<alice@sender.thresher.test>")
  mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "bob@example.test")
  step(conn, "rcpt", SMFIP_NORCPT, mt.rcptto, "<bob@example.test>")
  step(conn, "data", SMFIP_NODATA, mt.data)
  local headers = {
    {"From", "Alice <alice@sender.thresher.test>"}, {"To", "Bob <bob@example.test>"},
    {"Subject", msg.subject or "miltertest"}, {"Date", "Mon, 23 Nov 2026 10:00:00 +0000"},
    {"Message-ID", "<" .. msg.id .. "@sender.thresher.test>"}, {"MIME-Version", "1.0"},
    {"Content-Type", "text/plain; charset=us-ascii"},
  }
  for _, h in ipairs(msg.headers or {}) do headers[#headers + 1] = h end
  for _, h in ipairs(headers) do step(conn, "header " .. h[1], SMFIP_NOHDRS, mt.header, h[1], h[2]) end
  step(conn, "eoh", SMFIP_NOEOH, mt.eoh)
  step(conn, "body", SMFIP_NOBODY, mt.bodystring, msg.body)
  local err = mt.eom(conn)
  if err ~= nil then error("eom: " .. tostring(err)) end
  return mt.getreply(conn)
end

-- The value of a header Thresher added (SMFIR_ADDHEADER or SMFIR_INSHEADER) as the MTA renders
-- it after "Name: ", or nil. With SMFIP_HDR_LEADSPC negotiated the MTA writes "Name:" .. value,
-- so the milter must supply the space itself; otherwise the MTA adds it.
function M.added(conn, name, n)
  if not (mt.eom_check(conn, MT_HDRADD, name) or mt.eom_check(conn, MT_HDRINSERT, name)) then return nil end
  local v = mt.getheader(conn, name, n or 0)
  if v == nil then return nil end
  if mt.test_option(conn, SMFIP_HDR_LEADSPC) then
    if string.sub(v, 1, 1) ~= " " then
      error(name .. ": SMFIP_HDR_LEADSPC negotiated but the value has no leading space; the MTA would write \"" .. name .. ":" .. v .. "\"")
    end
    v = string.sub(v, 2)
  end
  return v
end

function M.expect_accepted(label, r)
  if r ~= SMFIR_CONTINUE and r ~= SMFIR_ACCEPT then
    error(label .. ": expected CONTINUE or ACCEPT at eom, got " .. M.rname(r))
  end
end

-- Checks the X-Spam-Status header Thresher added: "Yes"/"No", score, required=5.0.
function M.expect_status(conn, label, verdict)
  local v = M.added(conn, "X-Spam-Status")
  if v == nil then error(label .. ": no X-Spam-Status header added") end
  if M.added(conn, "X-Spam-Status", 1) ~= nil then error(label .. ": X-Spam-Status added twice") end
  if not string.find(v, "^" .. verdict .. ", score=%-?[%d.]+ required=5%.0$") then
    error(label .. ": X-Spam-Status is \"" .. v .. "\", expected " .. verdict .. ", score=S required=5.0")
  end
  print(label .. ": X-Spam-Status: " .. v)
  return v
end

return M

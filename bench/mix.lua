-- wrk script of bench/run's mixed load: of every 5 requests on a
-- connection's thread, 4 read the practitioner's report and 1 records a
-- score (a write: a new observation in an open episode of theirs).
-- usage: wrk ... -s bench/mix.lua URL -- COOKIE CSRF REPORT_PATH SCORE_PATH SCORE_BODY [EARLIEST]
-- With EARLIEST (seconds since the epoch), each score is instead an NPRS
-- baseline one second before the one before it (each thread its own
-- seconds), from EARLIEST down: every score is then the episode's new
-- baseline and changes its group's summaries.
local cookie, csrf, report, score, body, earliest
local n, threads = 0, 0

function setup(thread)
  thread:set("me", threads)
  threads = threads + 1
end

function init(args)
  cookie, csrf, report, score, body = args[1], args[2], args[3], args[4], args[5]
  earliest = tonumber(args[6])
end

function request()
  n = n + 1
  if n % 5 == 0 then
    local sent = body
    if earliest then
      local at = earliest - 1 - (n / 5) * 2 - (me or 0)
      sent = string.format('{"instrument":"nprs","timepoint":"baseline","at":"%s","value":%d}',
        os.date("!%Y-%m-%dT%H:%M:%SZ", at), n % 11)
    end
    return wrk.format("POST", score, {["Cookie"] = cookie, ["X-CSRF-Token"] = csrf,
      ["Content-Type"] = "application/json"}, sent)
  end
  return wrk.format("GET", report, {["Cookie"] = cookie})
end

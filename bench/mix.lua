-- wrk script of bench/run's mixed load: of every 5 requests on a
-- connection's thread, 4 read the practitioner's report and 1 records a
-- score (a write: a new observation in an open episode of theirs).
-- usage: wrk ... -s bench/mix.lua URL -- COOKIE CSRF REPORT_PATH SCORE_PATH SCORE_BODY
local cookie, csrf, report, score, body
local n = 0

function init(args)
  cookie, csrf, report, score, body = args[1], args[2], args[3], args[4], args[5]
end

function request()
  n = n + 1
  if n % 5 == 0 then
    return wrk.format("POST", score, {["Cookie"] = cookie, ["X-CSRF-Token"] = csrf,
      ["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", report, {["Cookie"] = cookie})
end

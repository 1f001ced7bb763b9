-- bench/soak.lua: the requests of bench/soak for wrk. A mix of reads (an
-- admin's login) and real writes (a therapist's login with its CSRF token,
-- as the web app sends them): treatment sessions and pre/post scores in
-- the soak's own episodes, which the reads never touch, so the reads cost
-- the same from the first minute to the last.
--
-- Read from the environment (bench/soak sets them):
--   SOAK_ADMIN_COOKIE   "ts_session=..." of the admin
--   SOAK_COOKIE         "ts_session=..." of the therapist
--   SOAK_CSRF           the therapist's CSRF token
--   SOAK_WRITE          "EPISODE:SESSION,..." the soak's episodes, each
--                       with a session for the scores
--   SOAK_READ_EPISODES  "ID,..." the demo's episodes, read only
--   SOAK_PATIENTS       the highest patient id of the demo
--
-- done() prints one line, "soak-window key=value ...", that bench/soak
-- parses: requests, the errors by kind (status other than 200/201,
-- connect, read, write, timeout), reads and writes answered, and the
-- latency percentiles in microseconds.

local threads = {}
local counter = 0

function setup(thread)
    counter = counter + 1
    thread:set("id", counter)
    table.insert(threads, thread)
end

local function split(s, sep)
    local out = {}
    for part in string.gmatch(s or "", "[^" .. sep .. "]+") do
        table.insert(out, part)
    end
    return out
end

local admin, therapist, csrf, writes, read_episodes, patients

function init(args)
    math.randomseed(os.time() * 100 + id)
    admin = os.getenv("SOAK_ADMIN_COOKIE")
    therapist = os.getenv("SOAK_COOKIE")
    csrf = os.getenv("SOAK_CSRF")
    writes = {}
    for _, pair in ipairs(split(os.getenv("SOAK_WRITE"), ",")) do
        local e, s = string.match(pair, "^(%d+):(%d+)$")
        table.insert(writes, {episode = e, session = s})
    end
    read_episodes = split(os.getenv("SOAK_READ_EPISODES"), ",")
    patients = tonumber(os.getenv("SOAK_PATIENTS"))
    reads_ok, writes_ok, other = 0, 0, 0
    first_error = ""
end

local function get(path)
    return wrk.format("GET", path, {["Cookie"] = admin})
end

local function post(path, body)
    return wrk.format("POST", path, {
        ["Cookie"] = therapist,
        ["X-CSRF-Token"] = csrf,
        ["Content-Type"] = "application/json",
    }, body)
end

local phases = '"phases":[{"name":"introductory","minutes":10},' ..
    '{"name":"kneading","minutes":30},{"name":"stretching","minutes":10}]'

function request()
    local r = math.random(100)
    if r <= 8 then
        -- A treatment session (its fidelity findings are computed).
        local w = writes[math.random(#writes)]
        return post("/api/v1/episodes/" .. w.episode .. "/sessions",
            '{"start":"2026-12-01T09:10:00Z","minutes":50,' .. phases ..
            ',"subjective":"Synthetic soak session.","note":null}')
    elseif r <= 20 then
        -- A score before or after a session (the outcome summaries are
        -- refreshed).
        local w = writes[math.random(#writes)]
        local pre = r <= 14
        return post("/api/v1/episodes/" .. w.episode .. "/observations",
            string.format('{"instrument":"nprs","timepoint":"%s",' ..
                '"session_id":%s,"at":"%s","value":%d}',
                pre and "pre" or "post", w.session,
                pre and "2026-12-01T09:05:00Z" or "2026-12-01T10:05:00Z",
                math.random(0, 10)))
    end
    local e = read_episodes[math.random(#read_episodes)]
    if r <= 45 then
        return get("/api/v1/episodes/" .. e .. "/report")
    elseif r <= 60 then
        return get("/api/v1/practitioners/" .. math.random(2, 4) .. "/report")
    elseif r <= 75 then
        return get("/api/v1/patients/" .. math.random(patients))
    elseif r <= 85 then
        return get("/api/v1/episodes/" .. e .. "/observations")
    elseif r <= 95 then
        return get("/api/v1/episodes/" .. e)
    end
    return get("/api/v1/patients")
end

function response(status, headers, body)
    if status == 200 then
        reads_ok = reads_ok + 1
    elseif status == 201 then
        writes_ok = writes_ok + 1
    else
        other = other + 1
        if first_error == "" then
            first_error = status .. " " .. string.sub(body or "", 1, 200)
        end
    end
end

function done(summary, latency, requests)
    local reads, writes_done, bad, sample = 0, 0, 0, ""
    for _, t in ipairs(threads) do
        reads = reads + t:get("reads_ok")
        writes_done = writes_done + t:get("writes_ok")
        bad = bad + t:get("other")
        local e = t:get("first_error")
        if sample == "" and e ~= "" then sample = e end
    end
    local er = summary.errors
    io.write(string.format(
        "soak-window requests=%d reads=%d writes=%d bad_status=%d " ..
        "connect=%d read=%d write=%d timeout=%d p50_us=%d p90_us=%d " ..
        "p99_us=%d max_us=%d duration_us=%d\n",
        summary.requests, reads, writes_done, bad, er.connect, er.read,
        er.write, er.timeout, latency:percentile(50),
        latency:percentile(90), latency:percentile(99), latency.max,
        summary.duration))
    if sample ~= "" then
        io.write("soak-first-error " .. string.gsub(sample, "\n", " ") .. "\n")
    end
end

-- wrk script: POST realistic report bodies as many patients, each with its own token.
-- Usage: wrk -t2 -c16 -d10s --latency -s wrk_reports.lua URL -- TOKENS_FILE NONCE
-- The URL's path picks the endpoint: /api/v1/me/reports or the bare /api/v1/bench/bare-insert
-- (which ignores the token). The mix, weighted like a real day: 70 % quiet check-ins (a third with
-- the neuro/ICE block), 10 % low-grade temperature, 10 % fever (urgent: opens or grows an alert
-- and queues pages), 5 % temperature only, 5 % a neuro change.

local tokens = {}
local counter = 0
local nonce = "x"

function setup(thread)
  setup_count = (setup_count or 0) + 1
  thread:set("thread_id", setup_count)
end

function init(args)
  nonce = args[2] or tostring(os.time())
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

local SYMPTOMS = '"symptoms": {"chills": %d, "headache": %d, "dizziness": 0, "shortness_of_breath": 0, ' ..
  '"nausea": %d, "diarrhea": 0, "abdominal_pain": 0, "fatigue": %d, "bleeding_or_bruising": 0}'
local NEURO_QUIET = '"neuro": {"confusion": false, "word_finding_difficulty": false, ' ..
  '"handwriting_changed": false, "tremor": false, "excessive_sleepiness": false, "severe_headache": false, ' ..
  '"seizure": false, "hard_to_wake": false, "facial_droop_or_weakness": false, "fainted": false, ' ..
  '"ice": {"orientation": 4, "naming": 3, "commands": 1, "writing": 1, "attention": 1}}'
local NEURO_CHANGE = '"neuro": {"confusion": false, "word_finding_difficulty": true, ' ..
  '"handwriting_changed": true, "tremor": false, ' ..
  '"ice": {"orientation": 4, "naming": 2, "commands": 1, "writing": 0, "attention": 1}}'

local function vitals(temp, hr, sbp, spo2)
  local dbp = math.floor(sbp * 0.62)
  return string.format('"vitals": {"temperature_c": %.1f, "heart_rate": %d, "systolic_bp": %d, ' ..
    '"diastolic_bp": %d, "spo2": %d, "respiratory_rate": %d}', temp, hr, sbp, dbp, spo2, math.random(14, 20))
end

local function body()
  counter = counter + 1
  local head = string.format('{"client_id": "wrk-%s-%d-%d", "recorded_at": "%s", "reported_by": "%s"',
    nonce, thread_id or 0, counter, os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - math.random(0, 90)),
    math.random(3) == 1 and "caregiver" or "patient")
  local r = math.random(100)
  local parts
  if r <= 70 then
    parts = { vitals(36.4 + math.random(0, 9) / 10, math.random(68, 96), math.random(108, 132), math.random(95, 99)),
              string.format(SYMPTOMS, 0, math.random(0, 1), math.random(0, 1), math.random(0, 2)) }
    if math.random(3) == 1 then parts[#parts + 1] = NEURO_QUIET end
  elseif r <= 80 then
    parts = { vitals(37.5 + math.random(0, 4) / 10, math.random(88, 104), math.random(104, 124), math.random(94, 98)),
              string.format(SYMPTOMS, 1, 1, 1, 2) }
  elseif r <= 90 then
    parts = { vitals(38.1 + math.random(0, 9) / 10, math.random(100, 124), math.random(96, 120), math.random(93, 97)),
              string.format(SYMPTOMS, 2, 2, 1, 3) }
  elseif r <= 95 then
    parts = { string.format('"vitals": {"temperature_c": %.1f}', 36.5 + math.random(0, 8) / 10) }
  else
    parts = { vitals(37.2, math.random(80, 100), math.random(110, 130), 96), NEURO_CHANGE }
  end
  return head .. ", " .. table.concat(parts, ", ") .. ', "antipyretic_in_last_6h": false}'
end

function request()
  local headers = { ["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer " .. tokens[math.random(#tokens)] }
  return wrk.format("POST", nil, headers, body())
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end

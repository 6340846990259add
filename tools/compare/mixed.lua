-- wrk script of tools/compare_haproxy's ka-mixed mode: keep-alive
-- connections whose requests alternate between a plain GET (the cluster:
-- web-a or web-b) and the same GET with the intercept header (alice).
-- Run with as many threads as connections (-t N -c N): wrk's request() does
-- not say which connection it is for, so with one connection per thread
-- the alternation is per connection, and each response answers the request
-- made just before it (no pipelining: one request in flight per
-- connection).
--
-- Every response is judged by its X-Served-By against the request's kind;
-- done() prints one line that tools/compare/measure.py reads:
--   mixed: plain P (web-a A, web-b B, other O), intercepted I (alice L,
--   other O2), wrong W, unanswered U

local threads = {}

function setup(thread)
	table.insert(threads, thread)
end

function init(args)
	-- Here, not at load time: wrk sets the Host header just before init().
	plain = wrk.format("GET", "/")
	intercepted = wrk.format("GET", "/", { Host = wrk.headers["Host"],
		["x-telepresence-intercept-id"] = "7f3a:alice-web" })
	n = 0
	expect = nil                -- kind of the request in flight
	unanswered = 0              -- requests replaced before their answer
	web_a, web_b, plain_other = 0, 0, 0
	alice, icpt_other = 0, 0
end

function request()
	n = n + 1
	if expect ~= nil then
		-- wrk reconnected: the last request got no response.
		unanswered = unanswered + 1
	end
	if n % 2 == 1 then
		expect = "plain"
		return plain
	end
	expect = "intercepted"
	return intercepted
end

function response(status, headers, body)
	local by = headers["X-Served-By"] or headers["x-served-by"] or "-"
	if status ~= 200 then
		by = "-"
	end
	if expect == "plain" then
		if by == "web-a" then
			web_a = web_a + 1
		elseif by == "web-b" then
			web_b = web_b + 1
		else
			plain_other = plain_other + 1
		end
	elseif expect == "intercepted" then
		if by == "alice" then
			alice = alice + 1
		else
			icpt_other = icpt_other + 1
		end
	end
	expect = nil
end

function done(summary, latency, requests)
	local t = { web_a = 0, web_b = 0, plain_other = 0, alice = 0,
		    icpt_other = 0, unanswered = 0 }
	for _, th in ipairs(threads) do
		for k, _ in pairs(t) do
			t[k] = t[k] + (th:get(k) or 0)
		end
	end
	local p = t.web_a + t.web_b + t.plain_other
	local i = t.alice + t.icpt_other
	io.write(string.format("mixed: plain %d (web-a %d, web-b %d, other %d), " ..
		"intercepted %d (alice %d, other %d), wrong %d, unanswered %d\n",
		p, t.web_a, t.web_b, t.plain_other, i, t.alice, t.icpt_other,
		t.plain_other + t.icpt_other, t.unanswered))
end

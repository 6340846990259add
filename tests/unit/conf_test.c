/* Configuration loader: every validation rule rejects the whole file with
 * "file:line: what", valid files load with their values and defaults, the
 * example configs in config/ load, and no path leaks (ASan/LSan). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			(uint32_t)(c) << 8 | (uint32_t)(d))

/* A valid four-line base; the cases below replace one of its lines or
 * append from line 5 on, so each expected line number is easy to check. */
#define DP   "dataplane = { };\n"
#define PORT "ports = ( { name = \"edge\"; device = \"net_af_packet0\"; address = \"198.18.0.1/24\"; } );\n"
#define LSN  "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
#define SVC  "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; } ); }, { name = \"api\"; } );\n"
#define BASE DP PORT LSN SVC
/* one-line tunnels and previews sections, for intercept cases */
#define TUN  "tunnels = ( { name = \"bob\"; type = \"direct\"; target = \"198.18.1.21:9000\"; } );\n"
#define PREV "previews = { domain = \"preview.example.test\"; };\n"
/* an intercept prefix; the case supplies the rest of the group */
#define IC   "intercepts = ( { name = \"x\"; service = \"web\"; tunnel = \"bob\"; "
#define A16  "aaaaaaaaaaaaaaaa"

struct bad_case {
	const char *text;
	const char *err;          /* expected substring, "t.conf:LINE: ..." */
	const char *why;
};

static const struct bad_case bad_cases[] = {
	/* syntax and file-level */
	{ "dataplane = {\n  workers = ;\n};\n", "t.conf:2: syntax error",
	  "libconfig's own parse error keeps its line and text" },
	{ BASE "ports = ();\n", "t.conf:5: duplicate setting name",
	  "a section given twice is a libconfig error" },
	{ "@include \"/dev/zero\"\n" BASE, "t.conf:1: @include is not supported",
	  "a configuration is one file; includes are refused before parsing" },
	{ BASE "servics = ();\n", "t.conf:5: unknown key 'servics' in the top level",
	  "a misspelt section must not be ignored" },
	{ PORT LSN SVC, "t.conf:1: missing section 'dataplane'",
	  "dataplane is required" },
	{ DP LSN SVC, "t.conf:1: missing section 'ports'", "ports are required" },
	{ DP PORT SVC, "t.conf:1: missing section 'listeners'",
	  "listeners are required" },
	{ DP PORT LSN, "t.conf:1: missing section 'services'",
	  "services are required" },
	{ DP "ports = ();\n" LSN SVC, "t.conf:2: 'ports' must not be empty",
	  "a required list needs at least one element" },
	{ "dataplane = ( );\n" PORT LSN SVC, "t.conf:1: 'dataplane' must be a group",
	  "a list where a group is expected" },
	{ DP "ports = { name = \"edge\"; };\n" LSN SVC, "t.conf:2: 'ports' must be a list",
	  "a group where a list is expected" },
	{ DP "ports = [ \"edge\" ];\n" LSN SVC, "t.conf:2: 'ports' must be a list",
	  "an array where a list is expected" },
	{ DP "ports = ( \"edge\" );\n" LSN SVC, "t.conf:2: each port must be a group",
	  "list elements must be groups" },

	/* dataplane */
	{ "dataplane = { workrs = 2; };\n" PORT LSN SVC,
	  "t.conf:1: unknown key 'workrs' in dataplane", "typo in dataplane" },
	{ "dataplane = {\n  workers = \"2\";\n};\n" PORT LSN SVC,
	  "t.conf:2: 'workers' must be an integer", "a string is not an integer" },
	{ "dataplane = { workers = 2.0; };\n" PORT LSN SVC,
	  "t.conf:1: 'workers' must be an integer", "a float is not an integer" },
	{ "dataplane = { workers = 0; };\n" PORT LSN SVC,
	  "t.conf:1: 'workers' must be between 1 and 128 (got 0)", "no workers" },
	{ "dataplane = { workers = 129; };\n" PORT LSN SVC,
	  "t.conf:1: 'workers' must be between 1 and 128", "too many workers" },
	{ "dataplane = { max_flows = 16777217; };\n" PORT LSN SVC,
	  "t.conf:1: 'max_flows' must be between 1 and 16777216", "max_flows too big" },
	{ "dataplane = { max_flows = 0L; };\n" PORT LSN SVC,
	  "t.conf:1: 'max_flows' must be between 1", "int64 values are range-checked too" },
	{ "dataplane = { header_max = 255; };\n" PORT LSN SVC,
	  "t.conf:1: 'header_max' must be between 256 and 65535", "header_max too small" },
	{ "dataplane = { header_max = 65536; };\n" PORT LSN SVC,
	  "t.conf:1: 'header_max' must be between 256 and 65535", "header_max too big" },
	{ "dataplane = { timeouts = 5; };\n" PORT LSN SVC,
	  "t.conf:1: 'timeouts' must be a group", "timeouts is a group" },
	{ "dataplane = {\n timeouts = { syn = 1; };\n};\n" PORT LSN SVC,
	  "t.conf:2: unknown key 'syn' in dataplane.timeouts", "typo in timeouts" },
	{ "dataplane = { timeouts = { syn_ms = 99; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'syn_ms' must be between 100 and 600000", "syn_ms too small" },
	{ "dataplane = { timeouts = { header_ms = 600001; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'header_ms' must be between 100 and 600000", "header_ms too big" },
	{ "dataplane = { timeouts = { connect_ms = 9; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'connect_ms' must be between 10 and 600000", "connect_ms too small" },
	{ "dataplane = { timeouts = { syn_rto_ms = 9; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'syn_rto_ms' must be between 10 and 60000 (got 9)", "syn_rto_ms too small" },
	{ "dataplane = {\n timeouts = {\n  syn_rto_ms = 60001; }; };\n" PORT LSN SVC,
	  "t.conf:3: 'syn_rto_ms' must be between 10 and 60000 (got 60001)",
	  "syn_rto_ms above RFC 6298's 60 s cap, on its own line" },
	{ "dataplane = { timeouts = { idle_s = 0; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'idle_s' must be between 1 and 86400", "idle_s zero" },
	{ "dataplane = { timeouts = { idle_s = 86401; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'idle_s' must be between 1 and 86400", "idle_s over a day" },
	{ "dataplane = { timeouts = { linger_ms = -1; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'linger_ms' must be between 0 and 600000 (got -1)", "negative linger" },
	{ "dataplane = { idle_backoff = 1; };\n" PORT LSN SVC,
	  "t.conf:1: 'idle_backoff' must be true or false", "an int is not a bool" },
	{ "dataplane = { header_buffers = 0; };\n" PORT LSN SVC,
	  "t.conf:1: 'header_buffers' must be between 1 and 16777216", "no header buffer" },
	{ "dataplane = { syn_cookies = \"on\"; };\n" PORT LSN SVC,
	  "t.conf:1: 'syn_cookies' must be \"auto\", \"always\" or \"never\" (got \"on\")",
	  "syn_cookies names its three values" },
	{ "dataplane = { syn_cookies = true; };\n" PORT LSN SVC,
	  "t.conf:1: 'syn_cookies' must be \"auto\", \"always\" or \"never\"",
	  "syn_cookies is not a bool" },
	{ "dataplane = { pool_max = -1; };\n" PORT LSN SVC,
	  "t.conf:1: 'pool_max' must be between 0 and 16777216", "negative pool" },
	{ "dataplane = { timeouts = { pool_idle_ms = 9; }; };\n" PORT LSN SVC,
	  "t.conf:1: 'pool_idle_ms' must be between 10 and 600000 (got 9)", "pool_idle_ms too small" },
	{ "dataplane = { syn_backlog = 0; };\n" PORT LSN SVC,
	  "t.conf:1: 'syn_backlog' must be between 1 and 16777216", "zero backlog" },
	{ "dataplane = { idle_backoff_max_us = 0; };\n" PORT LSN SVC,
	  "t.conf:1: 'idle_backoff_max_us' must be between 1 and 10000", "zero cap" },
	{ "dataplane = { idle_backoff_max_us = 10001; };\n" PORT LSN SVC,
	  "t.conf:1: 'idle_backoff_max_us' must be between 1 and 10000", "cap too big" },
	{ "dataplane = { eal = \"--no-huge\"; };\n" PORT LSN SVC,
	  "t.conf:1: 'eal' must be an array", "eal is an array, not a string" },
	{ "dataplane = { eal = [ 1, 2 ]; };\n" PORT LSN SVC,
	  "t.conf:1: 'eal' must be an array of strings", "eal elements are strings" },
	{ "dataplane = { eal = [ \"-m\\n512\" ]; };\n" PORT LSN SVC,
	  "t.conf:1: 'eal' arguments must not contain CR or LF", "no line breaks" },

	/* ports */
	{ DP "ports = ( { name = \"edge\"; devcie = \"x\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: unknown key 'devcie' in port 'edge'", "typo in a port" },
	{ DP "ports = ( { name = \"edge\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: missing 'device' in port 'edge'", "device is required" },
	{ DP "ports = ( { device = \"d\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: missing 'name' in port #1", "name is required" },
	{ DP "ports = ( { name = \"ed ge\"; device = \"d\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'name' \"ed ge\": may contain only letters", "space in a name" },
	{ DP "ports = ( { name = \"" A16 A16 A16 A16 "\"; device = \"d\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'name'", "64-character name" },
	{ DP "ports = ( { name = \"\"; device = \"d\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'name' \"\": must be 1 to 63 characters long", "empty name" },
	{ DP "ports = ( { name = 5; device = \"d\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: 'name' must be a string", "name of the wrong type" },
	{ DP "ports = ( { name = \"edge\"; device = \"net af\"; address = \"198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'device' \"net af\"", "space in a device" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.18.0.1\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'address' \"198.18.0.1\": expected a.b.c.d/len", "port needs a length" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.18.0.1/0\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'address' \"198.18.0.1/0\": prefix length must be 1..32", "/0 port" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.18.0.1/33\"; } );\n" LSN SVC,
	  "prefix length must be 1..32", "/33" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.18.0.256/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'address' \"198.18.0.256/24\": parts of a.b.c.d must be 0..255", "octet 256" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"+198.18.0.1/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'address' \"+198.18.0.1/24\": expected a.b.c.d", "leading plus" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.18.0.1/24x\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'address' \"198.18.0.1/24x\"", "trailing junk after the length" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.018.0.1/24\"; } );\n" LSN SVC,
	  "without leading zeros", "leading zeros read as octal elsewhere" },
	{ DP "ports = ( { name = \"edge\"; device = \"d\"; address = \"198.18.0/24\"; } );\n" LSN SVC,
	  "t.conf:2: invalid 'address' \"198.18.0/24\": expected a.b.c.d", "three parts" },
	{ DP "ports = (\n { name = \"edge\"; device = \"a\"; address = \"198.18.0.1/24\"; },\n"
	  " { name = \"edge\"; device = \"b\"; address = \"198.18.1.1/24\"; } );\n" LSN SVC,
	  "t.conf:4: duplicate port 'edge' (first at line 3)", "duplicate port name names both lines" },
	{ DP "ports = (\n { name = \"a\"; device = \"d0\"; address = \"198.18.0.1/24\"; },\n"
	  " { name = \"b\"; device = \"d0\"; address = \"198.18.1.1/24\"; } );\n" LSN SVC,
	  "t.conf:4: duplicate port device 'd0' (first at line 3)", "one device, one port" },

	/* routes */
	{ BASE "routes = ( { prefix = \"198.19.0.1/16\"; via = \"198.18.0.254\"; } );\n",
	  "t.conf:5: invalid 'prefix' \"198.19.0.1/16\": bits after the prefix length must be zero",
	  "route prefixes have no host bits" },
	{ BASE "routes = ( { prefix = \"198.19.0.0/16\"; via = \"198.18.9.254\"; } );\n",
	  "t.conf:5: 'via' must be on the subnet of a port", "unreachable next hop" },
	{ BASE "routes = ( { prefix = \"198.19.0.0/16\"; via = \"198.18.0.254:80\"; } );\n",
	  "t.conf:5: invalid 'via' \"198.18.0.254:80\": unexpected characters after a.b.c.d",
	  "via is a bare address" },
	{ BASE "routes = ( { prefix = \"198.19.0.0/16\"; gw = \"198.18.0.254\"; } );\n",
	  "t.conf:5: unknown key 'gw' in route #1", "typo in a route" },
	{ BASE "routes = ( { prefix = \"198.19.0.0/16\"; } );\n",
	  "t.conf:5: missing 'via' in route #1", "via is required" },
	{ BASE "routes = (\n { prefix = \"198.19.0.0/16\"; via = \"198.18.0.254\"; },\n"
	  " { prefix = \"198.19.0.0/16\"; via = \"198.18.0.253\"; } );\n",
	  "t.conf:7: duplicate route prefix '198.19.0.0/16' (first at line 6)", "one next hop per prefix" },

	/* services and backends */
	{ DP PORT LSN "services = ( { name = \"web\"; backend = (); } );\n",
	  "t.conf:4: unknown key 'backend' in service 'web'", "typo in a service" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:80\"; wieght = 2; } ); } );\n",
	  "t.conf:4: unknown key 'wieght' in backend #1 of service 'web'", "typo in a backend" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:80\"; weight = 0; } ); } );\n",
	  "t.conf:4: 'weight' must be between 1 and 1000 (got 0)", "zero weight" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:80\"; weight = 1001; } ); } );\n",
	  "t.conf:4: 'weight' must be between 1 and 1000", "weight too big" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:80\"; drain = 1; } ); } );\n",
	  "t.conf:4: 'drain' must be true or false", "drain is a bool" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:0\"; } ); } );\n",
	  "t.conf:4: invalid 'address' \"198.18.1.10:0\": port must be 1..65535", "port zero" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:65536\"; } ); } );\n",
	  "port must be 1..65535", "port above 65535" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10\"; } ); } );\n",
	  "t.conf:4: invalid 'address' \"198.18.1.10\": expected a.b.c.d:port", "backend needs a port" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:80x\"; } ); } );\n",
	  "port must be 1..65535", "junk after the port" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( { weight = 1; } ); } );\n",
	  "t.conf:4: missing 'address' in backend #1 of service 'web'", "backend address required" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; },\n  { address = \"198.18.1.10:80\"; } ); } );\n",
	  "t.conf:6: duplicate backend '198.18.1.10:80' (first at line 5)", "duplicate backend" },
	{ DP PORT LSN "services = (\n { name = \"web\"; },\n { name = \"web\"; } );\n",
	  "t.conf:6: duplicate service 'web' (first at line 5)", "duplicate service" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = ( \"198.18.1.10:80\" ); } );\n",
	  "t.conf:4: each backend must be a group", "backends are groups" },
	{ DP PORT LSN "services = ( { name = \"web\"; maglev_size = 65536; } );\n",
	  "t.conf:4: 'maglev_size' must be a prime (65536 is not; 65537 is)", "Maglev needs a prime table" },
	{ DP PORT LSN "services = ( { name = \"web\"; maglev_size = 97;\n"
	  "  backends = ( { address = \"198.18.1.10:80\"; } ); } );\n",
	  "t.conf:4: 'maglev_size' must be at least 100 x 1 backends = 100", "table too small" },

	{ DP PORT LSN "services = ( { name = \"web\";\n  retries = 33; } );\n",
	  "t.conf:5: 'retries' must be between 0 and 32 (got 33)", "retries beyond the cap" },
	{ DP PORT LSN "services = ( { name = \"web\"; retries = -1; } );\n",
	  "t.conf:4: 'retries' must be between 0 and 32 (got -1)", "negative retries" },
	{ DP PORT LSN "services = ( { name = \"web\"; retries = true; } );\n",
	  "t.conf:4: 'retries' must be an integer", "retries is a count" },
	{ DP PORT LSN "services = ( { name = \"web\"; retry = 1; } );\n",
	  "t.conf:4: unknown key 'retry' in service 'web'", "typo in a service" },
	{ DP PORT LSN "services = ( { name = \"web\"; queue_ms = 9; } );\n",
	  "t.conf:4: 'queue_ms' must be between 10 and 600000 (got 9)", "queue_ms too short" },
	{ DP PORT LSN "services = ( { name = \"web\"; queue_ms = \"2s\"; } );\n",
	  "t.conf:4: 'queue_ms' must be an integer", "queue_ms has no unit suffix" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; max_conns = -1; } ); } );\n",
	  "t.conf:5: 'max_conns' must be between 0 and 1000000 (got -1)", "negative max_conns" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; max_conns = 1000001; } ); } );\n",
	  "t.conf:5: 'max_conns' must be between 0 and 1000000 (got 1000001)", "max_conns too big" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; max_conns = 4;\n    max_queue = 1000001; } ); } );\n",
	  "t.conf:6: 'max_queue' must be between 0 and 1000000 (got 1000001)", "max_queue too big" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; },\n  { address = \"198.18.1.11:80\";\n    max_queue = 5; } ); } );\n",
	  "t.conf:7: 'max_queue' needs 'max_conns' in backend #2 of service 'web'",
	  "a queue without a limit would never be used" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; max_conns = 0; max_queue = 5; } ); } );\n",
	  "t.conf:5: 'max_queue' needs 'max_conns' in backend #1 of service 'web'",
	  "max_conns = 0 is no limit" },
	{ DP PORT LSN "services = ( { name = \"web\"; backends = (\n"
	  "  { address = \"198.18.1.10:80\"; maxconn = 4; } ); } );\n",
	  "t.conf:5: unknown key 'maxconn' in backend #1 of service 'web'", "HAProxy's spelling" },
	/* services[].health */
	{ DP PORT LSN "services = ( { name = \"web\"; health = ( { path = \"/h\"; } ); } );\n",
	  "t.conf:4: 'health' must be a group", "health is a group" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { interval_ms = 1000; }; } );\n",
	  "t.conf:4: missing 'path' in health of service 'web'", "the check needs a path" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; intervl_ms = 1000; }; } );\n",
	  "t.conf:4: unknown key 'intervl_ms' in health of service 'web'", "typo in health" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"healthz\"; }; } );\n",
	  "t.conf:4: invalid 'path' \"healthz\": must start with '/'", "an origin-form target" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/a b\"; }; } );\n",
	  "must not contain spaces", "no space in a request-target" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/a#b\"; }; } );\n",
	  "must not contain '#'", "no fragment" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/" A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 "\"; }; } );\n",
	  "must be at most 200 characters", "the request fits one segment" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; interval_ms = 99; }; } );\n",
	  "t.conf:4: 'interval_ms' must be between 100 and 3600000 (got 99)", "interval too short" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; interval_ms = 1000; timeout_ms = 1000; }; } );\n",
	  "t.conf:4: 'timeout_ms' must be between 1 and 999 (got 1000)", "the timeout ends before the next check" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; timeout_ms = 0; }; } );\n",
	  "t.conf:4: 'timeout_ms' must be between 1 and 999 (got 0)", "zero timeout" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; rise = 0; }; } );\n",
	  "t.conf:4: 'rise' must be between 1 and 100 (got 0)", "rise at least 1" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; fall = 101; }; } );\n",
	  "t.conf:4: 'fall' must be between 1 and 100 (got 101)", "fall at most 100" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; port = 0; }; } );\n",
	  "t.conf:4: 'port' must be between 1 and 65535 (got 0)", "check port" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; host = \"a..b\"; }; } );\n",
	  "t.conf:4: invalid 'host' \"a..b\"", "Host header is a host name" },
	{ DP PORT LSN "services = ( { name = \"web\"; health = { path = \"/h\"; rise = true; }; } );\n",
	  "t.conf:4: 'rise' must be an integer", "rise is an integer" },

	/* tunnels */
	{ BASE "tunnels = ( { name = \"t\"; type = \"gre\"; target = \"198.18.1.21:9000\"; } );\n",
	  "t.conf:5: 'type' must be \"direct\" or \"vxlan\" (got \"gre\")", "unknown tunnel type" },
	{ BASE "tunnels = ( { name = \"t\"; target = \"198.18.1.21:9000\"; } );\n",
	  "t.conf:5: missing 'type' in tunnel 't'", "type is required" },
	{ BASE "tunnels = ( { name = \"t\"; type = \"direct\";\n  target = \"198.18.1.21:9000\"; vni = 4; } );\n",
	  "t.conf:6: 'vni' is only valid in vxlan tunnels", "vni on a direct tunnel" },
	{ BASE "tunnels = ( { name = \"t\"; type = \"direct\"; remote = \"198.18.1.20\"; target = \"198.18.1.21:9000\"; } );\n",
	  "t.conf:5: 'remote' is only valid in vxlan tunnels", "remote on a direct tunnel" },
	{ BASE "tunnels = ( { name = \"t\"; type = \"direct\"; } );\n",
	  "t.conf:5: missing 'target' in tunnel 't'", "direct needs a target" },
	{ BASE "tunnels = ( { name = \"alice\"; type = \"vxlan\"; remote = \"198.18.1.20\"; vni = 42;\n"
	  "  target = \"198.19.0.2:8080\"; } );\n",
	  "t.conf:5: missing 'source' in tunnel 'alice'", "vxlan needs a source" },
	{ BASE "tunnels = ( { name = \"alice\"; type = \"vxlan\"; remote = \"198.18.1.20\"; vni = 16777216;\n"
	  "  source = \"198.19.0.1\"; target = \"198.19.0.2:8080\"; } );\n",
	  "t.conf:5: 'vni' must be between 0 and 16777215", "VNIs are 24 bits" },
	{ BASE "tunnels = ( { name = \"alice\"; type = \"vxlan\"; remote = \"198.18.1.300\"; vni = 1;\n"
	  "  source = \"198.19.0.1\"; target = \"198.19.0.2:8080\"; } );\n",
	  "t.conf:5: invalid 'remote' \"198.18.1.300\"", "bad VTEP address" },
	{ BASE "tunnels = ( { name = \"t\"; type = \"direct\"; target = \"198.18.1.21:9000\"; fail_open = \"yes\"; } );\n",
	  "t.conf:5: 'fail_open' must be true or false", "fail_open is a bool" },
	{ BASE "tunnels = ( { name = \"t\"; type = \"direct\"; traget = \"198.18.1.21:9000\"; } );\n",
	  "t.conf:5: unknown key 'traget' in tunnel 't'", "typo in a tunnel" },
	{ BASE "tunnels = (\n { name = \"t\"; type = \"direct\"; target = \"198.18.1.21:9000\"; },\n"
	  " { name = \"t\"; type = \"direct\"; target = \"198.18.1.22:9000\"; } );\n",
	  "t.conf:7: duplicate tunnel 't' (first at line 6)", "duplicate tunnel" },

	/* listeners */
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"wbe\"; } );\n" SVC,
	  "t.conf:3: unknown service 'wbe'", "default_service must exist" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:70000\"; default_service = \"web\"; } );\n" SVC,
	  "t.conf:3: invalid 'address' \"198.18.0.1:70000\": port must be 1..65535", "listener port range" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; } );\n" SVC,
	  "t.conf:3: missing 'default_service' in listener 'web'", "default_service required" },
	{ DP PORT "listeners = (\n { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; },\n"
	  " { name = \"web\"; address = \"198.18.0.1:81\"; default_service = \"web\"; } );\n" SVC,
	  "t.conf:5: duplicate listener 'web' (first at line 4)", "duplicate listener name" },
	{ DP PORT "listeners = (\n { name = \"a\"; address = \"198.18.0.1:80\"; default_service = \"web\"; },\n"
	  " { name = \"b\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n" SVC,
	  "t.conf:5: duplicate listener address '198.18.0.1:80' (first at line 4)", "one listener per address" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { service = \"api\"; } ); } );\n" SVC,
	  "t.conf:4: route #1 of listener 'web' needs 'host', 'host_suffix' or 'path_prefix'",
	  "a route without a condition would shadow everything" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { host = \"api.example.test:80\"; service = \"api\"; } ); } );\n" SVC,
	  "t.conf:4: invalid 'host' \"api.example.test:80\": must not contain a port", "host without port" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { host = \"api_x.example.test\"; service = \"api\"; } ); } );\n" SVC,
	  "t.conf:4: invalid 'host' \"api_x.example.test\": may contain only letters, digits, '-' and '.'",
	  "DNS characters only" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { host_suffix = \"example..test\"; service = \"api\"; } ); } );\n" SVC,
	  "t.conf:4: invalid 'host_suffix' \"example..test\": must not contain an empty label", "empty label" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { path_prefix = \"v2/\"; service = \"api\"; } ); } );\n" SVC,
	  "t.conf:4: invalid 'path_prefix' \"v2/\": must start with '/'", "paths start with a slash" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { path_prefix = \"/v2/\"; service = \"apx\"; } ); } );\n" SVC,
	  "t.conf:4: unknown service 'apx'", "route service must exist" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routes = ( { hots = \"a.test\"; path_prefix = \"/\"; service = \"api\"; } ); } );\n" SVC,
	  "t.conf:4: unknown key 'hots' in route #1 of listener 'web'", "typo in a listener route" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routing = \"Request\"; } );\n" SVC,
	  "t.conf:4: 'routing' must be \"request\" or \"connection\" (got \"Request\")",
	  "routing values are compared as written, like a tunnel's type" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routing = \"per-request\"; } );\n" SVC,
	  "t.conf:4: 'routing' must be \"request\" or \"connection\" (got \"per-request\")",
	  "the docs' heading is not a value" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routing = \"\"; } );\n" SVC,
	  "t.conf:4: 'routing' must be \"request\" or \"connection\" (got \"\")",
	  "an empty routing is not the default" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routing = 1; } );\n" SVC,
	  "t.conf:4: 'routing' must be \"request\" or \"connection\"",
	  "a number (an enum's value) is refused with the allowed values" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routing = true; } );\n" SVC,
	  "t.conf:4: 'routing' must be \"request\" or \"connection\"",
	  "a bool is not a routing" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routing = \"connection\\r\\n\"; } );\n" SVC,
	  "t.conf:4: 'routing' must not contain CR or LF",
	  "no line break ever reaches the one-line message" },
	{ DP PORT "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n"
	  "  routng = \"connection\"; } );\n" SVC,
	  "t.conf:4: unknown key 'routng' in listener 'web'", "typo of routing" },

	/* intercepts */
	{ BASE TUN "intercepts = ( { name = \"alice-web\"; service = \"web\"; tunnel = \"bob\";\n"
	  "  headr = ( ); } );\n",
	  "t.conf:7: unknown key 'headr' in intercept 'alice-web'", "the brief's own example" },
	{ BASE TUN IC "} );\n" "intercepts = ();\n", "t.conf:7: duplicate setting name",
	  "intercepts given twice" },
	{ BASE TUN "intercepts = ( { name = \"x\"; service = \"web\"; tunnel = \"bbo\"; } );\n",
	  "t.conf:6: unknown tunnel 'bbo'", "tunnel must exist" },
	{ BASE TUN "intercepts = ( { name = \"x\"; service = \"wbe\"; tunnel = \"bob\"; } );\n",
	  "t.conf:6: unknown service 'wbe'", "service must exist" },
	{ BASE TUN "intercepts = ( { name = \"x\"; service = \"web\"; } );\n",
	  "t.conf:6: missing 'tunnel' in intercept 'x'", "tunnel required" },
	{ BASE TUN "intercepts = (\n { name = \"x\"; service = \"web\"; tunnel = \"bob\"; },\n"
	  " { name = \"x\"; service = \"api\"; tunnel = \"bob\"; } );\n",
	  "t.conf:8: duplicate intercept 'x' (first at line 7)", "duplicate intercept" },
	{ BASE TUN IC "headers = ( { name = \"a\"; baggage = \"b\"; value = \"v\"; } ); } );\n",
	  "t.conf:6: header matcher #1 of intercept 'x' needs exactly one of 'name'", "name and baggage" },
	{ BASE TUN IC "headers = ( { value = \"v\"; } ); } );\n",
	  "t.conf:6: header matcher #1 of intercept 'x' needs exactly one of", "neither name nor baggage" },
	{ BASE TUN IC "headers = ( { name = \"a\";\n  value = \"v\"; regex = \"r\"; } ); } );\n",
	  "t.conf:7: header matcher #1 of intercept 'x' has both 'value' and 'regex'", "two kinds" },
	{ BASE TUN IC "headers = ( { name = \"a\"; } ); } );\n",
	  "t.conf:6: header matcher #1 of intercept 'x' needs one of 'value', 'prefix', 'regex', 'present'",
	  "no kind" },
	{ BASE TUN IC "headers = ( { name = \"a\"; present = false; } ); } );\n",
	  "t.conf:6: 'present' can only be true", "present = false is not 'absent'" },
	{ BASE TUN IC "headers = ( { name = \"a\"; present = 1; } ); } );\n",
	  "t.conf:6: 'present' must be true or false", "present is a bool" },
	{ BASE TUN IC "headers = ( { name = \"a\"; prefix = \"\"; } ); } );\n",
	  "t.conf:6: 'prefix' must not be empty", "empty prefix matches everything" },
	{ BASE TUN IC "headers = ( { name = \"a\"; regex = \"\"; } ); } );\n",
	  "t.conf:6: 'regex' must not be empty", "empty regex matches everything" },
	{ BASE TUN IC "headers = ( { name = \"a\"; value = 5; } ); } );\n",
	  "t.conf:6: 'value' must be a string", "value is a string" },
	{ BASE TUN IC "headers = ( { name = \"x user\"; present = true; } ); } );\n",
	  "t.conf:6: invalid 'name' \"x user\": may contain only token characters", "header names are tokens" },
	{ BASE TUN IC "headers = ( { baggage = \"dev id\"; present = true; } ); } );\n",
	  "t.conf:6: invalid 'baggage' \"dev id\": may contain only token characters", "baggage keys are tokens" },
	{ BASE TUN IC "headers = ( { name = \"a\"; value = \"v\\r\\nx-evil: 1\"; } ); } );\n",
	  "t.conf:6: 'value' must not contain CR or LF", "no header injection" },
	{ BASE TUN IC "headers = ( { name = \"a\"; valeu = \"v\"; } ); } );\n",
	  "t.conf:6: unknown key 'valeu' in header matcher #1 of intercept 'x'", "typo in a matcher" },
	{ BASE TUN IC "headers = { name = \"a\"; present = true; }; } );\n",
	  "t.conf:6: 'headers' must be a list", "headers is a list of groups" },
	{ BASE TUN IC "headers = (\n"
	  "{ name = \"a\"; present = true; }, { name = \"b\"; present = true; }, { name = \"c\"; present = true; },\n"
	  "{ name = \"d\"; present = true; }, { name = \"e\"; present = true; }, { name = \"f\"; present = true; },\n"
	  "{ name = \"g\"; present = true; }, { name = \"h\"; present = true; }, { name = \"i\"; present = true; }\n"
	  "); } );\n",
	  "t.conf:6: at most 8 header matchers per intercept", "CONF_MAX_MATCHERS" },
	{ BASE TUN IC "path_equal = \"/a\";\n  path_prefix = \"/b\"; } );\n",
	  "t.conf:7: intercept 'x' has both 'path_equal' and 'path_prefix'", "one path matcher" },
	{ BASE TUN IC "path_equal = \"a\"; } );\n",
	  "t.conf:6: invalid 'path_equal' \"a\": must start with '/'", "paths start with a slash" },
	{ BASE TUN IC "path_prefix = \"/a?b=1\"; } );\n",
	  "t.conf:6: invalid 'path_prefix' \"/a?b=1\": must not contain '?'", "query strings are not matched" },
	{ BASE TUN IC "path_equal = \"/a b\"; } );\n",
	  "must not contain spaces or control characters", "no spaces in a request-target" },
	{ BASE TUN IC "path_regex = \"\"; } );\n",
	  "t.conf:6: 'path_regex' must not be empty", "empty path regex" },
	{ BASE TUN IC "preview = \"alice\"; } );\n",
	  "t.conf:6: 'preview' needs previews.domain to be set", "previews must be configured" },
	{ BASE TUN PREV IC "preview = \"-alice\"; } );\n",
	  "t.conf:7: invalid 'preview' \"-alice\": labels must not start or end with '-'", "DNS label rules" },
	{ BASE TUN PREV IC "preview = \"alice.dev\"; } );\n",
	  "t.conf:7: invalid 'preview' \"alice.dev\": may contain only letters, digits and '-'",
	  "a preview is one label" },
	{ BASE TUN PREV "intercepts = (\n { name = \"a\"; service = \"web\"; tunnel = \"bob\"; preview = \"alice\"; },\n"
	  " { name = \"b\"; service = \"web\"; tunnel = \"bob\"; preview = \"ALICE\"; } );\n",
	  "t.conf:9: duplicate preview 'alice' (first at line 8)", "previews are unique, case-insensitively" },

	/* previews */
	{ BASE "previews = { domain = \"preview.test\"; heder = \"x\"; };\n",
	  "t.conf:5: unknown key 'heder' in previews", "typo in previews" },
	{ BASE "previews = { domain = \".preview.test\"; };\n",
	  "t.conf:5: invalid 'domain' \".preview.test\": must not start with a dot", "no leading dot" },
	{ BASE "previews = { domain = \"preview.test.\"; };\n",
	  "t.conf:5: invalid 'domain' \"preview.test.\": must not end with a dot", "no trailing dot" },
	{ BASE "previews = { domain = \"preview.test\"; header = \"x dev\"; };\n",
	  "t.conf:5: invalid 'header' \"x dev\": may contain only token characters", "header is a token" },
	{ BASE "previews = ( );\n", "t.conf:5: 'previews' must be a group", "previews is a group" },

	/* control */
	{ BASE "control = { sockt = \"/tmp/s\"; };\n",
	  "t.conf:5: unknown key 'sockt' in control", "typo in control" },
	{ BASE "control = { metrics = \"127.0.0.1\"; };\n",
	  "t.conf:5: invalid 'metrics' \"127.0.0.1\": expected a.b.c.d:port", "metrics needs a port" },
	{ BASE "control = { socket = \"/" A16 A16 A16 A16 A16 A16 A16 "\"; };\n",
	  "t.conf:5: 'socket' must be a path of 1 to 107 characters", "sun_path is 108 bytes" },
	{ BASE "control = { socket = 5; };\n", "t.conf:5: 'socket' must be a string", "socket type" },
	{ BASE "control = { group = \"steer ops\"; };\n",
	  "t.conf:5: invalid 'group' \"steer ops\"", "group name charset" },
	{ BASE "cluster = { etcd = \"http://127.0.0.1:2379\"; };\n",
	  "t.conf:5: missing 'name' in cluster", "a cluster needs its name" },
	{ BASE "cluster = { name = \"c1\"; };\n",
	  "t.conf:5: missing 'etcd' in cluster", "and its etcd endpoints" },
	{ BASE "cluster = { name = \"c1\"; etcd = \"https://a:1\"; };\n",
	  "t.conf:5: etcd endpoints 'https://a:1'", "no TLS in this client" },
	{ BASE "cluster = { name = \"c1\"; etcd = \"a:1,\"; };\n",
	  "t.conf:5: etcd endpoints", "an empty endpoint" },
	{ BASE "cluster = { name = \"c/1\"; etcd = \"a:1\"; };\n",
	  "t.conf:5: invalid 'name'", "a name goes into etcd keys: no '/'" },
	{ BASE "cluster = { name = \"c1\"; etcd = \"a:1\"; peers = 3; };\n",
	  "t.conf:5: unknown key 'peers'", "unknown key" },
#define CL "cluster = { name = \"c1\"; etcd = \"a:1\"; "
	{ BASE CL "id = 1; };\n",
	  "t.conf:5: cluster 'id' needs a 'nodes' list", "an id alone forwards to nobody" },
	{ BASE CL "nodes = ( { id = 2; address = \"198.18.0.2\"; } ); };\n",
	  "t.conf:5: cluster 'nodes' needs this node's own 'id'", "nodes without our id" },
	{ BASE CL "id = 16; nodes = ( { id = 2; address = \"198.18.0.2\"; } ); };\n",
	  "t.conf:5: 'id' must be between 1 and 15 (got 16)", "ids are 4 ISN bits: 1..15" },
	{ BASE CL "id = 1; nodes = ( { id = 0; address = \"198.18.0.2\"; } ); };\n",
	  "t.conf:5: 'id' must be between 1 and 15 (got 0)", "id 0 is no node" },
	{ BASE CL "id = 1; nodes = ( { id = 2; address = \"198.18.9\"; } ); };\n",
	  "t.conf:5: invalid 'address'", "a node's address is a dotted quad" },
	{ BASE CL "id = 1; nodes = ( { id = 2; } ); };\n",
	  "t.conf:5: missing 'address' in cluster node #1", "a node needs its address" },
	{ BASE CL "id = 1; nodes = ( { id = 2; address = \"198.18.0.2\"; via = 1; } ); };\n",
	  "t.conf:5: unknown key 'via' in cluster node #1", "unknown keys in a node" },
	{ BASE CL "id = 1; nodes = (\n { id = 2; address = \"198.18.0.2\"; },\n"
	  " { id = 2; address = \"198.18.0.3\"; } ); };\n",
	  "t.conf:7: duplicate cluster node id 2 (first at line 6)", "ids are unique" },
	{ BASE CL "id = 1; nodes = (\n { id = 2; address = \"198.18.0.2\"; },\n"
	  " { id = 3; address = \"198.18.0.2\"; } ); };\n",
	  "t.conf:7: duplicate cluster node address (first at line 6)", "addresses are unique" },
	{ BASE CL "id = 1; nodes = ( { id = 2; address = \"10.9.9.2\"; } ); };\n",
	  "t.conf:5: cluster node #1: address not on a port's subnet", "liveness is by ARP: on-link only" },
	{ BASE "tunnels = ( { name = \"a\"; type = \"vxlan\"; remote = \"198.18.0.20\"; vni = 16777214;"
	  " source = \"198.19.0.1\"; target = \"198.19.0.2:80\"; } );\n"
	  CL "id = 1; nodes = ( { id = 2; address = \"198.18.0.2\"; } ); };\n",
	  "t.conf:6: tunnel 'a' (line 5) uses VNI 16777214", "the node-to-node VNI is reserved" },
#undef CL
};

static struct steer_conf *load(const char *text, char *err, size_t n)
{
	return conf_load_string(text, "t.conf", err, n);
}

/* Runs every case and lists all failures before failing, so one broken
 * rule does not hide the others. */
static void every_invalid_config_is_rejected_with_file_and_line(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *t = &bad_cases[i];
		char err[512] = "";
		struct steer_conf *c;

		errno = 0;
		c = load(t->text, err, sizeof(err));
		if (c != NULL) {
			conf_free(c);
			print_error("case %zu (%s): loaded, want \"%s\"\n", i,
				    t->why, t->err);
		} else if (errno != EINVAL) {
			print_error("case %zu (%s): errno %d, want EINVAL\n", i,
				    t->why, errno);
		} else if (strstr(err, t->err) == NULL) {
			print_error("case %zu (%s):\n  got  \"%s\"\n  want \"%s\"\n",
				    i, t->why, err, t->err);
		} else if (strncmp(err, "t.conf:", 7) != 0 ||
			   strchr(err, '\n') != NULL) {
			print_error("case %zu (%s): not one \"file:line: what\" line: \"%s\"\n",
				    i, t->why, err);
		} else {
			continue;
		}
		failed++;
	}
	if (failed > 0)
		fail_msg("%u of %zu invalid configs misjudged", failed,
			 ARRAY_SIZE(bad_cases));
}

static void invalid_case_table_is_large_enough(void **state)
{
	(void)state;
	assert_true(ARRAY_SIZE(bad_cases) >= 40);
}

/* The base config itself must load, or every bad case above would prove
 * nothing about the rule it names. */
static void base_config_loads_with_defaults(void **state)
{
	char err[256];
	struct steer_conf *c = load(BASE, err, sizeof(err));

	(void)state;
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(err, "");
	assert_string_equal(c->file, "t.conf");

	const struct conf_dataplane *d = &c->dataplane;
	assert_non_null(d->eal);
	assert_null(d->eal[0]);
	assert_int_equal(d->n_eal, 0);
	assert_int_equal(d->workers, 1);
	assert_int_equal(d->max_flows, 65536);
	assert_int_equal(d->header_max, 16384);
	assert_int_equal(d->header_buffers, 2048);
	assert_int_equal(d->timeouts.syn_ms, 5000);
	assert_int_equal(d->timeouts.header_ms, 10000);
	assert_int_equal(d->timeouts.connect_ms, 2000);
	assert_int_equal(d->timeouts.syn_rto_ms, 200);
	assert_int_equal(d->timeouts.idle_s, 300);
	assert_int_equal(d->timeouts.linger_ms, 2000);
	assert_false(d->idle_backoff);
	assert_int_equal(d->idle_backoff_max_us, 100);
	assert_int_equal(d->syn_cookies, CONF_COOKIES_AUTO);
	assert_int_equal(d->syn_backlog, 1024);
	assert_int_equal(d->timeouts.pool_idle_ms, 2000);
	assert_int_equal(conf_pool_max(d), 1024);

	assert_int_equal(c->n_ports, 1);
	assert_string_equal(c->ports[0].name, "edge");
	assert_string_equal(c->ports[0].device, "net_af_packet0");
	assert_int_equal(c->ports[0].ip, IP(198, 18, 0, 1));
	assert_int_equal(c->ports[0].plen, 24);
	assert_int_equal(c->ports[0].line, 2);

	assert_int_equal(c->n_routes, 0);
	assert_null(c->routes);
	assert_int_equal(c->n_listeners, 1);
	assert_int_equal(c->listeners[0].n_routes, 0);
	assert_int_equal(c->listeners[0].default_service, 0);
	assert_int_equal(c->listeners[0].routing, CONF_ROUTING_REQUEST);
	assert_int_equal(c->listeners[0].line, 3);

	assert_int_equal(c->n_services, 2);
	assert_int_equal(c->services[0].n_backends, 1);
	assert_int_equal(c->services[0].backends[0].weight, 1);
	assert_false(c->services[0].backends[0].drained);
	assert_int_equal(c->services[0].backends[0].line, 4);
	assert_int_equal(c->services[0].maglev_size, 65537);
	assert_int_equal(c->services[0].retries, 3);
	assert_int_equal(c->services[0].queue_ms, 2000);
	assert_int_equal(c->services[0].backends[0].max_conns, 0);
	assert_int_equal(c->services[0].backends[0].max_queue, 1024);
	assert_string_equal(c->services[1].name, "api");
	assert_int_equal(c->services[1].n_backends, 0);
	assert_int_equal(c->services[1].maglev_size, 65537);

	assert_int_equal(c->n_tunnels, 0);
	assert_int_equal(c->n_intercepts, 0);
	assert_null(c->previews.domain);
	assert_string_equal(c->previews.header, "x-telepresence-intercept-id");
	assert_int_equal(c->previews.line, 0);
	assert_string_equal(c->control.socket, "/run/steer/steer.sock");
	assert_string_equal(c->control.metrics, "127.0.0.1:9870");
	assert_null(c->control.group);
	conf_free(c);
}

static void optional_keys_are_parsed_and_names_lowercased(void **state)
{
	static const char text[] =
		"dataplane = { workers = 4L; max_flows = 1000; header_max = 256;\n"
		"  eal = ( \"--no-huge\", \"-m\", \"64\" );\n"
		"  idle_backoff = true; idle_backoff_max_us = 10000;\n"
		"  timeouts = { syn_ms = 100; header_ms = 600000; connect_ms = 10; idle_s = 86400; linger_ms = 0; }; };\n"
		PORT
		"routes = ( { prefix = \"0.0.0.0/0\"; via = \"198.18.0.254\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:8080\"; default_service = \"web\";\n"
		"  routes = ( { host = \"API.Example.Test\"; service = \"api\"; },\n"
		"             { host_suffix = \".Example.Test\"; path_prefix = \"/v2/\"; service = \"api\"; } ); } );\n"
		"services = ( { name = \"web\"; maglev_size = 101;\n"
		"  backends = ( { address = \"198.18.1.10:8080\"; weight = 1000; drain = true; } ); },\n"
		"  { name = \"api\"; backends = []; } );\n"
		"tunnels = ( { name = \"t\"; type = \"direct\"; target = \"198.18.1.21:9000\"; fail_open = false; },\n"
		"  { name = \"v\"; type = \"vxlan\"; remote = \"198.18.0.20\"; vni = 16777215;\n"
		"    source = \"198.19.0.1\"; target = \"198.19.0.2:8080\"; } );\n"
		"previews = { domain = \"Preview.Example.Test\"; header = \"X-Dev\"; };\n"
		"intercepts = (\n"
		"  { name = \"m\"; service = \"web\"; tunnel = \"t\";\n"
		"    headers = ( { name = \"X-User\"; value = \"\"; },\n"
		"                { baggage = \"DevID\"; prefix = \"Ca\"; },\n"
		"                { name = \"x-re\"; regex = \"^a|b\"; },\n"
		"                { name = \"x-p\"; present = true; } );\n"
		"    path_regex = \"^/api/v[0-9]+\"; preview = \"Alice-1\"; },\n"
		"  { name = \"global\"; service = \"api\"; tunnel = \"v\"; }\n"
		");\n"
		"control = { socket = \"./steer.sock\"; group = \"steer\"; metrics = \"198.18.0.1:9100\"; };\n";
	char err[256];
	struct steer_conf *c = load(text, err, sizeof(err));

	(void)state;
	if (c == NULL)
		fail_msg("%s", err);
	const struct conf_dataplane *d = &c->dataplane;
	assert_int_equal(d->workers, 4);
	assert_int_equal(d->max_flows, 1000);
	assert_int_equal(d->header_max, 256);
	/* default capped by max_flows */
	assert_int_equal(d->header_buffers, 1000);
	/* half the table by default when that is below 1024 */
	assert_int_equal(d->syn_backlog, 500);
	/* a quarter of the table by default when that is below 1024 */
	assert_int_equal(conf_pool_max(d), 250);
	assert_int_equal(d->n_eal, 3);
	assert_string_equal(d->eal[2], "64");
	assert_null(d->eal[3]);
	assert_true(d->idle_backoff);
	assert_int_equal(d->idle_backoff_max_us, 10000);
	assert_int_equal(d->timeouts.syn_ms, 100);
	assert_int_equal(d->timeouts.header_ms, 600000);
	assert_int_equal(d->timeouts.connect_ms, 10);
	assert_int_equal(d->timeouts.idle_s, 86400);
	assert_int_equal(d->timeouts.linger_ms, 0);

	assert_int_equal(c->n_routes, 1);
	assert_int_equal(c->routes[0].prefix, 0);
	assert_int_equal(c->routes[0].plen, 0);
	assert_int_equal(c->routes[0].via, IP(198, 18, 0, 254));
	assert_int_equal(c->routes[0].line, 6);

	const struct conf_listener *li = &c->listeners[0];
	assert_int_equal(li->port, 8080);
	assert_int_equal(li->n_routes, 2);
	assert_string_equal(li->routes[0].host, "api.example.test");
	assert_null(li->routes[0].host_suffix);
	assert_null(li->routes[0].path_prefix);
	assert_int_equal(li->routes[0].service, 1);
	assert_int_equal(li->routes[0].line, 8);
	assert_null(li->routes[1].host);
	assert_string_equal(li->routes[1].host_suffix, ".example.test");
	assert_string_equal(li->routes[1].path_prefix, "/v2/");
	assert_int_equal(li->routes[1].line, 9);

	assert_int_equal(c->services[0].maglev_size, 101);
	assert_int_equal(c->services[0].backends[0].weight, 1000);
	assert_true(c->services[0].backends[0].drained);
	assert_int_equal(c->services[1].n_backends, 0);

	assert_int_equal(c->tunnels[0].type, CONF_TUNNEL_DIRECT);
	assert_false(c->tunnels[0].fail_open);
	assert_int_equal(c->tunnels[0].remote, 0);
	assert_int_equal(c->tunnels[1].type, CONF_TUNNEL_VXLAN);
	assert_true(c->tunnels[1].fail_open);
	assert_int_equal(c->tunnels[1].vni, 16777215);
	assert_int_equal(c->tunnels[1].remote, IP(198, 18, 0, 20));
	assert_int_equal(c->tunnels[1].line, 14);

	assert_string_equal(c->previews.domain, "preview.example.test");
	assert_string_equal(c->previews.header, "x-dev");
	assert_int_equal(c->previews.line, 16);

	const struct conf_intercept *in = c->intercepts[0];
	assert_int_equal(in->line, 18);
	assert_int_equal(in->n_matchers, 4);
	assert_string_equal(in->matchers[0].name, "x-user");
	assert_null(in->matchers[0].baggage);
	assert_int_equal(in->matchers[0].kind, CONF_MATCH_VALUE);
	assert_string_equal(in->matchers[0].arg, "");
	assert_int_equal(in->matchers[0].line, 19);
	assert_null(in->matchers[1].name);
	assert_string_equal(in->matchers[1].baggage, "DevID");
	assert_int_equal(in->matchers[1].kind, CONF_MATCH_PREFIX);
	assert_string_equal(in->matchers[1].arg, "Ca");
	assert_int_equal(in->matchers[1].line, 20);
	assert_int_equal(in->matchers[2].kind, CONF_MATCH_REGEX);
	assert_string_equal(in->matchers[2].arg, "^a|b");
	assert_int_equal(in->matchers[3].kind, CONF_MATCH_PRESENT);
	assert_null(in->matchers[3].arg);
	assert_int_equal(in->path_kind, CONF_PATH_REGEX);
	assert_string_equal(in->path, "^/api/v[0-9]+");
	assert_int_equal(in->path_line, 23);
	assert_string_equal(in->preview, "alice-1");

	/* no matcher, no path, no preview: the whole service */
	in = c->intercepts[1];
	assert_int_equal(in->n_matchers, 0);
	assert_int_equal(in->path_kind, CONF_PATH_NONE);
	assert_null(in->path);
	assert_null(in->preview);
	assert_int_equal(in->service, 1);
	assert_int_equal(in->tunnel, 1);

	assert_string_equal(c->control.socket, "./steer.sock");
	assert_string_equal(c->control.group, "steer");
	assert_string_equal(c->control.metrics, "198.18.0.1:9100");
	conf_free(c);
}

/* Each listener has its own routing; without the key it is "request". */
static void listener_routing_defaults_to_request_and_takes_either_value(void **state)
{
	static const struct {
		const char *key;          /* the listener's routing setting, or "" */
		enum conf_routing want;
		const char *why;
	} cases[] = {
		{ "", CONF_ROUTING_REQUEST, "absent: the default" },
		{ "routing = \"request\";", CONF_ROUTING_REQUEST, "the default, written out" },
		{ "routing = \"connection\";", CONF_ROUTING_CONNECTION, "today's per-connection splice" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[1024], err[256];
		struct steer_conf *c;

		snprintf(text, sizeof(text), DP PORT
			 "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; %s },\n"
			 "  { name = \"alt\"; address = \"198.18.0.1:81\"; default_service = \"api\"; } );\n"
			 SVC, cases[i].key);
		c = load(text, err, sizeof(err));
		if (c == NULL)
			fail_msg("case %zu (%s): %s", i, cases[i].why, err);
		if (c->listeners[0].routing != cases[i].want)
			fail_msg("case %zu (%s): routing %d, want %d", i, cases[i].why,
				 (int)c->listeners[0].routing, (int)cases[i].want);
		/* the other listener keeps the default whatever this one says */
		assert_int_equal(c->listeners[1].routing, CONF_ROUTING_REQUEST);
		conf_free(c);
	}
}

/* 700 backends need a table of >= 70000 slots: the default grows to the
 * next prime rather than failing. */
/* Every key of health but path has a default; the default timeout stays
 * below a short interval. */
static void health_keys_load_with_their_defaults(void **state)
{
	static const struct {
		const char *group;
		uint32_t interval, timeout, rise, fall;
		uint16_t port;
		const char *host;
		const char *why;
	} cases[] = {
		{ "{ path = \"/healthz\"; }", 1000, 500, 2, 3, 0, NULL, "defaults" },
		{ "{ path = \"/\"; interval_ms = 200; }", 200, 100, 2, 3, 0, NULL,
		  "the default timeout is half a short interval" },
		{ "{ path = \"/h?x=1\"; interval_ms = 5000; timeout_ms = 4999; rise = 1;"
		  " fall = 100; port = 9000; host = \"Web.Example.Test\"; }",
		  5000, 4999, 1, 100, 9000, "web.example.test", "every key given" },
	};
	char text[1024], err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), DP PORT LSN
			 "services = ( { name = \"web\"; health = %s; }, { name = \"api\"; } );\n",
			 cases[i].group);
		struct steer_conf *c = load(text, err, sizeof(err));
		if (c == NULL)
			fail_msg("%s: %s", cases[i].why, err);
		const struct conf_health *h = &c->services[0].health;
		assert_true(h->enabled);
		assert_false(c->services[1].health.enabled);
		assert_int_equal(h->interval_ms, cases[i].interval);
		assert_int_equal(h->timeout_ms, cases[i].timeout);
		assert_int_equal(h->rise, cases[i].rise);
		assert_int_equal(h->fall, cases[i].fall);
		assert_int_equal(h->port, cases[i].port);
		if (cases[i].host)
			assert_string_equal(h->host, cases[i].host);
		else
			assert_null(h->host);
		assert_int_equal(h->line, 4);
		conf_free(c);
	}
}

static void many_backends_grow_the_default_maglev_size(void **state)
{
	size_t cap = 64 * 1024, len;
	char *text = malloc(cap), err[256];
	struct steer_conf *c;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap, DP PORT LSN "services = ( { name = \"web\"; backends = (\n");
	for (unsigned i = 0; i < 700; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%s{ address = \"198.18.%u.%u:80\"; }\n",
					i ? "," : "", 2 + i / 250, i % 250);
	snprintf(text + len, cap - len, "); } );\n");
	c = load(text, err, sizeof(err));
	free(text);
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->services[0].n_backends, 700);
	assert_int_equal(c->services[0].maglev_size, 70001);
	conf_free(c);
}

/* Of several repeats the message names the first one a reader would meet. */
static void first_duplicate_in_file_order_is_reported(void **state)
{
	static const char text[] = DP PORT LSN
		"services = (\n"
		" { name = \"web\"; },\n"   /* 5 */
		" { name = \"zz\"; },\n"    /* 6 */
		" { name = \"zz\"; },\n"    /* 7: the first repeat */
		" { name = \"web\"; },\n"   /* 8 */
		" { name = \"zz\"; } );\n"; /* 9 */
	char err[256];

	(void)state;
	assert_null(load(text, err, sizeof(err)));
	assert_string_equal(err, "t.conf:7: duplicate service 'zz' (first at line 6)");
}

static void demo_config_loads_with_every_field(void **state)
{
	const char *src = getenv("STEER_SRC");
	char path[4096], err[256];
	struct steer_conf *c;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/demo.conf", src ? src : ".");
	c = conf_load_file(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->file, path);

	static const char *const eal[] = { "--no-huge", "-m", "512", "--no-pci",
		"--file-prefix=steer-demo", "--vdev=net_af_packet0,iface=st-edge0",
		"--vdev=net_af_packet1,iface=st-inner0" };
	const struct conf_dataplane *d = &c->dataplane;
	assert_int_equal(d->n_eal, ARRAY_SIZE(eal));
	for (unsigned i = 0; i < ARRAY_SIZE(eal); i++)
		assert_string_equal(d->eal[i], eal[i]);
	assert_null(d->eal[ARRAY_SIZE(eal)]);
	assert_int_equal(d->workers, 1);
	assert_int_equal(d->max_flows, 65536);
	assert_int_equal(d->header_max, 16384);
	assert_int_equal(d->timeouts.syn_ms, 5000);
	assert_int_equal(d->timeouts.header_ms, 10000);
	assert_int_equal(d->timeouts.connect_ms, 2000);
	assert_int_equal(d->timeouts.idle_s, 300);
	assert_int_equal(d->timeouts.linger_ms, 2000);
	assert_true(d->idle_backoff);
	assert_int_equal(d->idle_backoff_max_us, 100);

	assert_int_equal(c->n_ports, 2);
	assert_string_equal(c->ports[0].name, "edge");
	assert_string_equal(c->ports[0].device, "net_af_packet0");
	assert_int_equal(c->ports[0].ip, IP(198, 18, 0, 1));
	assert_int_equal(c->ports[0].plen, 24);
	assert_int_equal(c->ports[0].line, 17);
	assert_string_equal(c->ports[1].name, "inner");
	assert_string_equal(c->ports[1].device, "net_af_packet1");
	assert_int_equal(c->ports[1].ip, IP(198, 18, 1, 1));
	assert_int_equal(c->ports[1].plen, 24);
	assert_int_equal(c->ports[1].line, 18);

	assert_int_equal(c->n_routes, 1);
	assert_int_equal(c->routes[0].prefix, IP(198, 19, 0, 0));
	assert_int_equal(c->routes[0].plen, 16);
	assert_int_equal(c->routes[0].via, IP(198, 18, 1, 254));
	assert_int_equal(c->routes[0].line, 20);

	int web = conf_find_service(c, "web"), api = conf_find_service(c, "api");
	assert_int_equal(web, 0);
	assert_int_equal(api, 1);

	assert_int_equal(c->n_listeners, 1);
	const struct conf_listener *li = &c->listeners[0];
	assert_string_equal(li->name, "web");
	assert_int_equal(li->ip, IP(198, 18, 0, 1));
	assert_int_equal(li->port, 80);
	assert_int_equal(li->default_service, web);
	assert_int_equal(li->line, 22);
	assert_int_equal(li->n_routes, 1);
	assert_string_equal(li->routes[0].host, "api.example.test");
	assert_null(li->routes[0].host_suffix);
	assert_string_equal(li->routes[0].path_prefix, "/v2/");
	assert_int_equal(li->routes[0].service, api);
	assert_int_equal(li->routes[0].line, 23);

	assert_int_equal(c->n_services, 2);
	const struct conf_service *s = &c->services[web];
	assert_string_equal(s->name, "web");
	assert_int_equal(s->line, 26);
	assert_int_equal(s->n_backends, 2);
	assert_int_equal(s->maglev_size, 65537);
	assert_int_equal(s->backends[0].ip, IP(198, 18, 1, 10));
	assert_int_equal(s->backends[0].port, 8080);
	assert_int_equal(s->backends[0].weight, 1);
	assert_int_equal(s->backends[0].line, 26);
	assert_int_equal(s->backends[1].ip, IP(198, 18, 1, 11));
	assert_int_equal(s->backends[1].port, 8080);
	assert_int_equal(s->backends[1].weight, 1);
	assert_int_equal(s->backends[1].line, 27);
	s = &c->services[api];
	assert_string_equal(s->name, "api");
	assert_int_equal(s->line, 28);
	assert_int_equal(s->n_backends, 1);
	assert_int_equal(s->backends[0].ip, IP(198, 18, 1, 12));
	assert_int_equal(s->backends[0].port, 8080);

	int alice = conf_find_tunnel(c, "alice"), bob = conf_find_tunnel(c, "bob");
	assert_int_equal(c->n_tunnels, 2);
	assert_int_equal(alice, 0);
	assert_int_equal(bob, 1);
	const struct conf_tunnel *t = &c->tunnels[alice];
	assert_int_equal(t->type, CONF_TUNNEL_VXLAN);
	assert_int_equal(t->remote, IP(198, 18, 1, 20));
	assert_int_equal(t->vni, 42);
	assert_int_equal(t->source, IP(198, 19, 0, 1));
	assert_int_equal(t->target_ip, IP(198, 19, 0, 2));
	assert_int_equal(t->target_port, 8080);
	assert_true(t->fail_open);
	assert_int_equal(t->line, 31);
	t = &c->tunnels[bob];
	assert_int_equal(t->type, CONF_TUNNEL_DIRECT);
	assert_int_equal(t->target_ip, IP(198, 18, 1, 21));
	assert_int_equal(t->target_port, 9000);
	assert_int_equal(t->remote, 0);
	assert_int_equal(t->vni, 0);
	assert_int_equal(t->source, 0);
	assert_true(t->fail_open);
	assert_int_equal(t->line, 33);

	assert_int_equal(c->n_intercepts, 3);
	assert_int_equal(conf_find_intercept(c, "bob-api"), 1);
	const struct conf_intercept *in = c->intercepts[0];
	assert_string_equal(in->name, "alice-web");
	assert_int_equal(in->service, web);
	assert_int_equal(in->tunnel, alice);
	assert_int_equal(in->n_matchers, 1);
	assert_string_equal(in->matchers[0].name, "x-telepresence-intercept-id");
	assert_null(in->matchers[0].baggage);
	assert_int_equal(in->matchers[0].kind, CONF_MATCH_VALUE);
	assert_string_equal(in->matchers[0].arg, "7f3a:alice-web");
	assert_int_equal(in->matchers[0].line, 37);
	assert_int_equal(in->path_kind, CONF_PATH_NONE);
	assert_null(in->path);
	assert_string_equal(in->preview, "alice-7f3a");
	assert_int_equal(in->line, 36);
	in = c->intercepts[1];
	assert_string_equal(in->name, "bob-api");
	assert_int_equal(in->service, web);
	assert_int_equal(in->tunnel, bob);
	assert_int_equal(in->n_matchers, 1);
	assert_string_equal(in->matchers[0].name, "x-user");
	assert_int_equal(in->matchers[0].kind, CONF_MATCH_REGEX);
	assert_string_equal(in->matchers[0].arg, "^bob");
	assert_int_equal(in->matchers[0].line, 40);
	assert_int_equal(in->path_kind, CONF_PATH_PREFIX);
	assert_string_equal(in->path, "/api/");
	assert_int_equal(in->path_line, 41);
	assert_null(in->preview);
	assert_int_equal(in->line, 39);
	in = c->intercepts[2];
	assert_string_equal(in->name, "carol-bg");
	assert_int_equal(in->tunnel, bob);
	assert_int_equal(in->n_matchers, 1);
	assert_null(in->matchers[0].name);
	assert_string_equal(in->matchers[0].baggage, "devid");
	assert_int_equal(in->matchers[0].kind, CONF_MATCH_VALUE);
	assert_string_equal(in->matchers[0].arg, "carol");
	assert_int_equal(in->path_kind, CONF_PATH_NONE);
	assert_null(in->preview);
	assert_int_equal(in->line, 42);

	assert_string_equal(c->previews.domain, "preview.example.test");
	assert_string_equal(c->previews.header, "x-telepresence-intercept-id");
	assert_int_equal(c->previews.line, 45);
	assert_string_equal(c->control.socket, "/run/steer/steer.sock");
	assert_string_equal(c->control.metrics, "127.0.0.1:9870");
	assert_null(c->control.group);
	conf_free(c);
}

static void cluster_section_loads_and_is_absent_by_default(void **state)
{
	char err[512];
	struct steer_conf *c = load(BASE "cluster = { name = \"c1\"; etcd = "
				    "\"http://127.0.0.1:2379,10.0.0.2:2379\"; node = \"n1\"; };\n",
				    err, sizeof(err));
	(void)state;
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->cluster.name, "c1");
	assert_string_equal(c->cluster.etcd, "http://127.0.0.1:2379,10.0.0.2:2379");
	assert_string_equal(c->cluster.node, "n1");
	assert_int_equal(c->cluster.id, 0);
	assert_int_equal(c->cluster.n_nodes, 0);
	conf_free(c);
	c = load(BASE "cluster = { name = \"c1\"; etcd = \"a:1\"; id = 2; nodes = (\n"
		 " { id = 1; address = \"198.18.0.1\"; },\n"
		 " { id = 2; address = \"198.18.0.2\"; },\n"
		 " { id = 15; address = \"198.18.0.15\"; } ); };\n", err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->cluster.id, 2);
	assert_int_equal(c->cluster.n_nodes, 3);
	assert_int_equal(c->cluster.nodes[2].id, 15);
	assert_int_equal(c->cluster.nodes[2].addr, 0xc612000f);
	assert_int_equal(c->cluster.nodes[1].line, 7);
	/* the dump reads back the same */
	char *text = conf_dump(c, NULL, err, sizeof(err));
	assert_non_null(text);
	assert_non_null(strstr(text, " id = 2; nodes = ( { id = 1; address = \"198.18.0.1\"; }"));
	free(text);
	conf_free(c);
	c = load(BASE, err, sizeof(err));
	assert_non_null(c);
	assert_null(c->cluster.name);
	conf_free(c);
}

static void minimal_config_loads(void **state)
{
	const char *src = getenv("STEER_SRC");
	char path[4096], err[256];
	struct steer_conf *c;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/minimal.conf", src ? src : ".");
	c = conf_load_file(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->n_services, 1);
	assert_int_equal(c->n_listeners, 1);
	assert_int_equal(c->n_tunnels, 0);
	assert_int_equal(c->n_intercepts, 0);
	conf_free(c);
}

static void missing_file_gives_enoent_and_a_message(void **state)
{
	char err[256] = "";

	(void)state;
	errno = 0;
	assert_null(conf_load_file("/nonexistent/steer.conf", err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_string_equal(err, "/nonexistent/steer.conf: cannot read: No such file or directory");
}

static void nul_byte_in_a_file_is_reported_with_its_line(void **state)
{
	char path[] = "/tmp/steer-conf-test-XXXXXX", err[256];
	static const char body[] = BASE "# trailing\0 junk\n";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, sizeof(body) - 1), sizeof(body) - 1);
	close(fd);
	errno = 0;
	assert_null(conf_load_file(path, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	unlink(path);
	char want[300];
	snprintf(want, sizeof(want), "%s:5: NUL byte in the file", path);
	assert_string_equal(err, want);
}

/* A short or absent error buffer truncates the message, never overflows. */
static void short_error_buffer_is_truncated_safely(void **state)
{
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_null(load("dataplane = 1;\n", err, 8));
	assert_string_equal(err, "t.conf:");
	assert_int_equal(err[8], 'x');
	assert_null(load("dataplane = 1;\n", NULL, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(conf_load_string(NULL, "t.conf", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
}

static void find_functions_return_minus_one_for_unknown_names(void **state)
{
	char err[256];
	struct steer_conf *c = load(BASE TUN, err, sizeof(err));

	(void)state;
	assert_non_null(c);
	assert_int_equal(conf_find_service(c, "api"), 1);
	assert_int_equal(conf_find_service(c, "nope"), -1);
	assert_int_equal(conf_find_tunnel(c, "bob"), 0);
	assert_int_equal(conf_find_tunnel(c, "web"), -1);
	assert_int_equal(conf_find_intercept(c, "x"), -1);
	conf_free(c);
	conf_free(NULL);
}

/* picohttpparser's discipline applied to the loader: every prefix of a
 * valid file either loads or is rejected with a message, and nothing leaks
 * on any of those paths (LSan checks at exit). */
static void every_prefix_of_the_demo_config_loads_or_fails_cleanly(void **state)
{
	const char *src = getenv("STEER_SRC");
	char path[4096], err[256];
	static char text[8192];
	size_t n;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/demo.conf", src ? src : ".");
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	assert_true(n > 0 && n < sizeof(text) - 1);
	for (size_t len = 0; len <= n; len++) {
		char *p = strndup(text, len);
		struct steer_conf *c;

		assert_non_null(p);
		err[0] = 'x';
		c = conf_load_string(p, "demo", err, sizeof(err));
		free(p);
		if (c == NULL && strncmp(err, "demo:", 5) != 0)
			fail_msg("prefix %zu: no message: \"%s\"", len, err);
		conf_free(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base_config_loads_with_defaults),
		cmocka_unit_test(invalid_case_table_is_large_enough),
		cmocka_unit_test(every_invalid_config_is_rejected_with_file_and_line),
		cmocka_unit_test(optional_keys_are_parsed_and_names_lowercased),
		cmocka_unit_test(listener_routing_defaults_to_request_and_takes_either_value),
		cmocka_unit_test(health_keys_load_with_their_defaults),
		cmocka_unit_test(many_backends_grow_the_default_maglev_size),
		cmocka_unit_test(first_duplicate_in_file_order_is_reported),
		cmocka_unit_test(demo_config_loads_with_every_field),
		cmocka_unit_test(minimal_config_loads),
		cmocka_unit_test(cluster_section_loads_and_is_absent_by_default),
		cmocka_unit_test(missing_file_gives_enoent_and_a_message),
		cmocka_unit_test(nul_byte_in_a_file_is_reported_with_its_line),
		cmocka_unit_test(short_error_buffer_is_truncated_safely),
		cmocka_unit_test(find_functions_return_minus_one_for_unknown_names),
		cmocka_unit_test(every_prefix_of_the_demo_config_loads_or_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

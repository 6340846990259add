/* Intercepts added and removed through the control command handlers
 * (ctrl_cmd_add / ctrl_cmd_remove, as steerctl's requests reach them),
 * which derive the new rules from the running ones instead of recompiling
 * (rs_derive): the next flow is routed by the change, decision counters
 * follow their intercepts' names while indexes move, and a refused change
 * leaves the running rules serving. */
#include <stdio.h>
#include <string.h>

#include "ctrl-int.h"
#include "harness.h"
#include "json.h"
#include "publish.h"
#include "rules.h"

static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

static const char bob_req[] = "GET /b HTTP/1.1\r\nHost: web.example.test\r\nX-Dev: bob\r\n\r\n";
static const char carol_req[] = "GET /c HTTP/1.1\r\nHost: web.example.test\r\n"
				"X-Telepresence-Intercept-Id: 9c1d:carol\r\n\r\n";

/* Send the control request LINE (an intercept.add or .remove) to its
 * handler; true when the reply says ok. The reply goes into REPLY. */
static bool command(struct h_env *e, const char *line, char *reply, size_t len)
{
	const char *jerr = NULL;
	char cmd[64], err[256];
	struct jw w;

	assert_true(json_parse(line, strlen(line), ctrl_nodes, MAX_NODES, &jerr) >= 0);
	assert_true(ctrl_get_str(&ctrl_nodes[0], "cmd", cmd, sizeof(cmd), true, err,
				 sizeof(err)));
	jw_init(&w);
	if (strcmp(cmd, "intercept.add") == 0)
		ctrl_cmd_add(e->sh, &ctrl_nodes[0], true, &w);
	else
		ctrl_cmd_remove(e->sh, &ctrl_nodes[0], true, &w);
	assert_false(w.failed);
	snprintf(reply, len, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
	return strstr(reply, "\"ok\":true") != NULL;
}

#define ADD_CAROL "{\"cmd\":\"intercept.add\",\"name\":\"carol\",\"service\":\"web\"," \
	"\"tunnel\":\"bob\",\"headers\":[{\"name\":\"x-telepresence-intercept-id\"," \
	"\"value\":\"9c1d:carol\"}]}"

static void added_intercept_routes_the_next_flow(void **state)
{
	struct h_env *e = *state;
	struct h_conn c, d;
	char reply[512];

	h_conn_init(&c, 41000, 1, 2);
	h_establish(e, &c, carol_req, T_ANY, &linux_opts, &be_opts);
	uint64_t gen = dp_pub_load(e->sh)->generation;
	if (!command(e, ADD_CAROL, reply, sizeof(reply)))
		fail_msg("intercept.add refused: %s", reply);
	assert_int_equal(dp_pub_load(e->sh)->generation, gen + 1);
	h_conn_init(&d, 41001, 3, 4);
	h_establish(e, &d, carol_req, T_BOB, &linux_opts, &be_opts);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_intercept, 1 }, { CNT_decisions_default, 1 });
	assert_int_equal(rs_find_intercept(dp_pub_load(e->sh)->rs, "carol"), 2);
	assert_int_equal(h_decisions(e, 2), 1);
}

static void removed_intercept_no_longer_routes_and_counters_follow_names(void **state)
{
	struct h_env *e = *state;
	struct h_conn c, d, f;
	char reply[512];

	if (!command(e, ADD_CAROL, reply, sizeof(reply)))
		fail_msg("intercept.add refused: %s", reply);
	h_conn_init(&c, 41010, 1, 2);
	h_establish(e, &c, carol_req, T_BOB, &linux_opts, &be_opts);
	h_conn_init(&d, 41011, 3, 4);
	h_establish(e, &d, bob_req, T_BOB, &linux_opts, &be_opts);
	assert_int_equal(h_decisions(e, 1), 1);   /* bob-web */
	assert_int_equal(h_decisions(e, 2), 1);   /* carol */
	if (!command(e, "{\"cmd\":\"intercept.remove\",\"name\":\"bob-web\"}",
		     reply, sizeof(reply)))
		fail_msg("intercept.remove refused: %s", reply);
	/* carol moved from index 2 to 1 and kept her count */
	assert_int_equal(rs_find_intercept(dp_pub_load(e->sh)->rs, "carol"), 1);
	assert_int_equal(rs_find_intercept(dp_pub_load(e->sh)->rs, "bob-web"), -1);
	assert_int_equal(h_decisions(e, 1), 1);
	h_conn_init(&f, 41012, 5, 6);
	h_establish(e, &f, bob_req, T_ANY, &linux_opts, &be_opts);
	NO_DROPS(e);
	h_expect_cnts(e, { CNT_decisions_intercept, 2 }, { CNT_decisions_default, 1 });
	/* and bob-web, added again, starts from zero */
	if (!command(e, "{\"cmd\":\"intercept.add\",\"name\":\"bob-web\",\"service\":\"web\","
		     "\"tunnel\":\"bob\",\"headers\":[{\"name\":\"x-dev\",\"value\":\"bob\"}]}",
		     reply, sizeof(reply)))
		fail_msg("intercept.add refused: %s", reply);
	assert_int_equal(h_decisions(e, 2), 0);
	assert_int_equal(h_decisions(e, 1), 1);
}

static void refused_change_leaves_the_running_rules_serving(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;
	char reply[512];
	static const struct { const char *line, *error, *why; } cases[] = {
		{ "{\"cmd\":\"intercept.add\",\"name\":\"bob2\",\"service\":\"web\",\"tunnel\":\"bob\","
		  "\"headers\":[{\"name\":\"x-dev\",\"value\":\"bob\"}]}",
		  "conflicts with intercept 'bob-web'", "bob-web's own matcher" },
		{ "{\"cmd\":\"intercept.add\",\"name\":\"bob-web\",\"service\":\"web\",\"tunnel\":\"bob\","
		  "\"headers\":[{\"name\":\"x-other\",\"value\":\"1\"}]}",
		  "duplicate intercept 'bob-web'", "a name in use" },
		{ "{\"cmd\":\"intercept.add\",\"name\":\"re\",\"service\":\"web\",\"tunnel\":\"bob\","
		  "\"headers\":[{\"name\":\"x-user\",\"regex\":\"(abc\"}]}",
		  "invalid regex", "a regex Hyperscan refuses" },
		{ "{\"cmd\":\"intercept.add\",\"name\":\"x\",\"service\":\"nope\",\"tunnel\":\"bob\","
		  "\"headers\":[{\"name\":\"x-a\",\"value\":\"1\"}]}",
		  "unknown service 'nope'", "an unknown service" },
		{ "{\"cmd\":\"intercept.add\",\"name\":\"pv\",\"service\":\"web\",\"tunnel\":\"bob\","
		  "\"preview\":\"bob-b0b\",\"headers\":[{\"name\":\"x-a\",\"value\":\"1\"}]}",
		  "duplicate preview 'bob-b0b'", "a preview in use" },
		{ "{\"cmd\":\"intercept.remove\",\"name\":\"nobody\"}",
		  "no intercept named 'nobody'", "removing what is not there" },
	};
	uint64_t gen = dp_pub_load(e->sh)->generation;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (command(e, cases[i].line, reply, sizeof(reply)))
			fail_msg("%s: accepted: %s", cases[i].why, reply);
		if (strstr(reply, cases[i].error) == NULL)
			fail_msg("%s: the message '%s' does not say '%s'", cases[i].why,
				 reply, cases[i].error);
	}
	assert_int_equal(dp_pub_load(e->sh)->generation, gen);
	assert_int_equal(rs_conf(dp_pub_load(e->sh)->rs)->n_intercepts, 2);
	h_conn_init(&c, 41020, 1, 2);
	h_establish(e, &c, bob_req, T_BOB, &linux_opts, &be_opts);
	NO_DROPS(e);
}

static const struct CMUnitTest tests[] = {
	T(added_intercept_routes_the_next_flow),
	T(removed_intercept_no_longer_routes_and_counters_follow_names),
	T(refused_change_leaves_the_running_rules_serving),
};

H_MAIN("packet_rule_change", tests)

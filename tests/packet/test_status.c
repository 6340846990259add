/* The status command's fields a routing health hook reads
 * (tools/steer-bgp-hook, docs/scale-out.md): "serving" only while the
 * workers poll and steerd is not quitting, and the running listeners'
 * addresses, which are the VIPs it announces. */
#include <stdio.h>
#include <string.h>

#include "ctrl-int.h"
#include "harness.h"
#include "json.h"

/* The status reply of E's steerd into OUT. */
static void status(struct h_env *e, char *out, size_t len)
{
	struct jw w;

	e->sh->config_path = "harness.conf"; /* steerd's argument; none here */
	jw_init(&w);
	ctrl_cmd_status(e->sh, &w);
	assert_false(w.failed);
	snprintf(out, len, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
}

static void status_says_serving_only_while_the_workers_poll(void **state)
{
	struct h_env *e = *state;
	char r[2048];
	static const struct {
		bool serving, quit;
		const char *want;
		const char *why;
	} cases[] = {
		{ false, false, "\"serving\":false", "workers not launched yet" },
		{ true, false, "\"serving\":true", "workers polling" },
		{ true, true, "\"serving\":false", "quitting: withdraw before the ports stop" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		e->sh->serving = cases[i].serving;
		e->sh->quit = cases[i].quit;
		status(e, r, sizeof(r));
		if (strstr(r, cases[i].want) == NULL)
			fail_msg("%s: %s lacks %s", cases[i].why, r, cases[i].want);
	}
	e->sh->quit = false;
}

static void status_lists_the_running_listeners(void **state)
{
	struct h_env *e = *state;
	char r[2048];
	struct h_params p = { .listen_port = 8443 };

	status(e, r, sizeof(r));
	if (strstr(r, "\"listeners\":[{\"name\":\"web\",\"address\":\"198.18.0.1:80\"}]") == NULL)
		fail_msg("boot listener missing: %s", r);
	/* A reload that moves the listener shows in the next status. */
	h_reload(e, &p);
	status(e, r, sizeof(r));
	if (strstr(r, "\"address\":\"198.18.0.1:8443\"") == NULL ||
	    strstr(r, "198.18.0.1:80\"") != NULL)
		fail_msg("reloaded listener not shown: %s", r);
}

static const struct CMUnitTest tests[] = {
	T(status_says_serving_only_while_the_workers_poll),
	T(status_lists_the_running_listeners),
};

H_MAIN("packet_status", tests)

/* Writing a configuration back as text: the dump loads into an equal
 * configuration and is a fixed point, every edit makes exactly its change,
 * a missing name is ENOENT with a message, and strings with quotes,
 * backslashes, comment markers and UTF-8 survive the trip. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "maglev.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
			(uint32_t)(c) << 8 | (uint32_t)(d))

/* Every optional key and matcher kind that demo.conf leaves out, and
 * strings that need escaping. */
static const char rich[] =
	"dataplane = { workers = 4; max_flows = 16777216; header_max = 256;\n"
	"  eal = [ ]; idle_backoff = false; idle_backoff_max_us = 10000;\n"
	"  syn_cookies = \"always\"; syn_backlog = 7; pool_max = 0;\n"
	"  timeouts = { syn_ms = 100; header_ms = 600000; connect_ms = 10; syn_rto_ms = 60000; idle_s = 86400; linger_ms = 0; }; };\n"
	"ports = ( { name = \"edge\"; device = \"0000:00:1f.6\"; address = \"198.18.0.1/24\"; },\n"
	"  { name = \"inner\"; device = \"net_af_packet1\"; address = \"10.0.0.1/32\"; } );\n"
	"routes = ( { prefix = \"0.0.0.0/0\"; via = \"198.18.0.254\"; },\n"
	"  { prefix = \"255.255.255.255/32\"; via = \"198.18.0.253\"; } );\n"
	"listeners = ( { name = \"web\"; address = \"198.18.0.1:65535\"; default_service = \"web\";\n"
	"  routes = ( { host = \"API.Example.Test\"; service = \"api\"; },\n"
	"             { host_suffix = \".example.test\"; path_prefix = \"/v2/\"; service = \"api\"; } ); },\n"
	"  { name = \"alt\"; address = \"198.18.0.1:1\"; default_service = \"api\"; routing = \"connection\"; } );\n"
	"services = ( { name = \"web\"; maglev_size = 101; retries = 0; queue_ms = 600000;\n"
	"  backends = ( { address = \"198.18.1.10:8080\"; weight = 1000; drain = true;\n"
	"                 max_conns = 1000000; max_queue = 0; } ); },\n"
	"  { name = \"api\"; backends = [];\n"
	"    health = { path = \"/h\\\"z?full=1\"; interval_ms = 100; timeout_ms = 99; rise = 100; fall = 1;\n"
	"               port = 65535; host = \"API.example.test\"; }; } );\n"
	"tunnels = ( { name = \"t\"; type = \"direct\"; target = \"198.18.1.21:9000\"; fail_open = false; },\n"
	"  { name = \"v\"; type = \"vxlan\"; remote = \"198.18.0.20\"; vni = 16777215;\n"
	"    source = \"198.19.0.1\"; target = \"198.19.0.2:8080\"; } );\n"
	"intercepts = (\n"
	"  { name = \"m\"; service = \"web\"; tunnel = \"t\";\n"
	"    headers = ( { name = \"X-User\"; value = \"\"; },\n"
	"                { baggage = \"DevID\"; prefix = \"Ca\"; },\n"
	"                { name = \"x-re\"; regex = \"^a\\\\.b\\\"c\"; },\n"
	"                { name = \"x-p\"; present = true; },\n"
	"                { name = \"x-odd\"; value = \"tab\there # not // a /* comment */ \\\\ \xc3\xa9 \\x7f @include\"; } );\n"
	"    path_regex = \"^/api/v[0-9]+\\\\.json$\"; },\n"
	"  { name = \"p\"; service = \"web\"; tunnel = \"v\"; path_equal = \"/exact\"; },\n"
	"  { name = \"q\"; service = \"api\"; tunnel = \"v\"; path_prefix = \"/pre\"; },\n"
	"  { name = \"global\"; service = \"api\"; tunnel = \"t\"; }\n"
	");\n"
	"control = { socket = \"./st\\\"eer.sock\"; group = \"steer\"; metrics = \"198.18.0.1:9100\"; };\n";

/* ---- comparing configurations ---- */

#define DIFF(cond, ...) do {                                    \
		if (cond) {                                     \
			print_error(__VA_ARGS__);               \
			print_error("\n");                      \
			return false;                           \
		}                                               \
	} while (0)

static bool str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool dataplane_equal(const struct conf_dataplane *a,
			    const struct conf_dataplane *b)
{
	DIFF(a->n_eal != b->n_eal, "eal: %u vs %u arguments", a->n_eal, b->n_eal);
	for (unsigned i = 0; i < a->n_eal; i++)
		DIFF(!str_eq(a->eal[i], b->eal[i]), "eal[%u]", i);
	DIFF(a->eal[a->n_eal] != NULL || b->eal[b->n_eal] != NULL, "eal end");
	DIFF(a->workers != b->workers, "workers");
	DIFF(a->max_flows != b->max_flows, "max_flows");
	DIFF(a->header_max != b->header_max, "header_max");
	DIFF(memcmp(&a->timeouts, &b->timeouts, sizeof(a->timeouts)) != 0, "timeouts");
	DIFF(a->idle_backoff != b->idle_backoff, "idle_backoff");
	DIFF(a->idle_backoff_max_us != b->idle_backoff_max_us, "idle_backoff_max_us");
	DIFF(a->syn_cookies != b->syn_cookies, "syn_cookies");
	DIFF(a->syn_backlog != b->syn_backlog, "syn_backlog");
	DIFF(a->pool_max != b->pool_max, "pool_max");
	DIFF(a->header_buffers != b->header_buffers, "header_buffers");
	return true;
}

static bool listener_equal(const struct steer_conf *ca,
			   const struct conf_listener *a,
			   const struct steer_conf *cb,
			   const struct conf_listener *b)
{
	DIFF(strcmp(a->name, b->name) != 0, "listener %s vs %s", a->name, b->name);
	DIFF(a->ip != b->ip || a->port != b->port, "listener %s address", a->name);
	DIFF(strcmp(ca->services[a->default_service].name,
		    cb->services[b->default_service].name) != 0,
	     "listener %s default_service", a->name);
	DIFF(a->routing != b->routing, "listener %s routing %d vs %d", a->name,
	     (int)a->routing, (int)b->routing);
	DIFF(a->n_routes != b->n_routes, "listener %s routes", a->name);
	for (unsigned j = 0; j < a->n_routes; j++) {
		const struct conf_lroute *x = &a->routes[j], *y = &b->routes[j];

		DIFF(!str_eq(x->host, y->host) || !str_eq(x->host_suffix, y->host_suffix) ||
		     !str_eq(x->path_prefix, y->path_prefix) ||
		     strcmp(ca->services[x->service].name, cb->services[y->service].name) != 0,
		     "listener %s route %u", a->name, j);
	}
	return true;
}

static bool service_equal(const struct conf_service *a,
			  const struct conf_service *b)
{
	DIFF(strcmp(a->name, b->name) != 0, "service %s vs %s", a->name, b->name);
	DIFF(a->maglev_size != b->maglev_size, "service %s maglev_size %u vs %u",
	     a->name, a->maglev_size, b->maglev_size);
	DIFF(a->retries != b->retries, "service %s retries %u vs %u",
	     a->name, a->retries, b->retries);
	DIFF(a->queue_ms != b->queue_ms, "service %s queue_ms %u vs %u",
	     a->name, a->queue_ms, b->queue_ms);
	const struct conf_health *ha = &a->health, *hb = &b->health;
	DIFF(ha->enabled != hb->enabled || !str_eq(ha->path, hb->path) ||
	     !str_eq(ha->host, hb->host) || ha->interval_ms != hb->interval_ms ||
	     ha->timeout_ms != hb->timeout_ms || ha->rise != hb->rise ||
	     ha->fall != hb->fall || ha->port != hb->port,
	     "service %s health", a->name);
	DIFF(a->n_backends != b->n_backends, "service %s: %u vs %u backends",
	     a->name, a->n_backends, b->n_backends);
	for (unsigned j = 0; j < a->n_backends; j++) {
		const struct conf_backend *x = &a->backends[j], *y = &b->backends[j];

		DIFF(x->ip != y->ip || x->port != y->port || x->weight != y->weight ||
		     x->drained != y->drained || x->max_conns != y->max_conns ||
		     x->max_queue != y->max_queue, "service %s backend %u", a->name, j);
	}
	return true;
}

static bool tunnel_equal(const struct conf_tunnel *a, const struct conf_tunnel *b)
{
	DIFF(strcmp(a->name, b->name) != 0 || a->type != b->type ||
	     a->target_ip != b->target_ip || a->target_port != b->target_port ||
	     a->remote != b->remote || a->vni != b->vni || a->source != b->source ||
	     a->fail_open != b->fail_open, "tunnel %s vs %s", a->name, b->name);
	return true;
}

/* Service and tunnel references compare by name: an edit may move
 * indexes. */
static bool intercept_equal(const struct steer_conf *ca,
			    const struct conf_intercept *a,
			    const struct steer_conf *cb,
			    const struct conf_intercept *b)
{
	DIFF(strcmp(a->name, b->name) != 0, "intercept %s vs %s", a->name, b->name);
	DIFF(strcmp(ca->services[a->service].name, cb->services[b->service].name) != 0,
	     "intercept %s service", a->name);
	DIFF(strcmp(ca->tunnels[a->tunnel].name, cb->tunnels[b->tunnel].name) != 0,
	     "intercept %s tunnel", a->name);
	DIFF(a->n_matchers != b->n_matchers, "intercept %s matchers", a->name);
	for (unsigned j = 0; j < a->n_matchers; j++) {
		const struct conf_matcher *x = &a->matchers[j], *y = &b->matchers[j];

		DIFF(!str_eq(x->name, y->name) || !str_eq(x->baggage, y->baggage) ||
		     x->kind != y->kind || !str_eq(x->arg, y->arg),
		     "intercept %s matcher %u", a->name, j);
	}
	DIFF(a->path_kind != b->path_kind || !str_eq(a->path, b->path),
	     "intercept %s path", a->name);
	DIFF(!str_eq(a->preview, b->preview), "intercept %s preview", a->name);
	return true;
}

/* Every field but line numbers and the file name; the first difference is
 * printed. */
static bool conf_equal(const struct steer_conf *a, const struct steer_conf *b)
{
	if (!dataplane_equal(&a->dataplane, &b->dataplane))
		return false;
	DIFF(a->n_ports != b->n_ports, "ports");
	for (unsigned i = 0; i < a->n_ports; i++) {
		const struct conf_port *x = &a->ports[i], *y = &b->ports[i];

		DIFF(strcmp(x->name, y->name) != 0 || strcmp(x->device, y->device) != 0 ||
		     x->ip != y->ip || x->plen != y->plen, "port %u", i);
	}
	DIFF(a->n_routes != b->n_routes, "routes");
	for (unsigned i = 0; i < a->n_routes; i++)
		DIFF(a->routes[i].prefix != b->routes[i].prefix ||
		     a->routes[i].plen != b->routes[i].plen ||
		     a->routes[i].via != b->routes[i].via, "route %u", i);
	DIFF(a->n_listeners != b->n_listeners, "listeners");
	for (unsigned i = 0; i < a->n_listeners; i++)
		if (!listener_equal(a, &a->listeners[i], b, &b->listeners[i]))
			return false;
	DIFF(a->n_services != b->n_services, "services");
	for (unsigned i = 0; i < a->n_services; i++)
		if (!service_equal(&a->services[i], &b->services[i]))
			return false;
	DIFF(a->n_tunnels != b->n_tunnels, "tunnels: %u vs %u", a->n_tunnels, b->n_tunnels);
	for (unsigned i = 0; i < a->n_tunnels; i++)
		if (!tunnel_equal(&a->tunnels[i], &b->tunnels[i]))
			return false;
	DIFF(a->n_intercepts != b->n_intercepts, "intercepts: %u vs %u",
	     a->n_intercepts, b->n_intercepts);
	for (unsigned i = 0; i < a->n_intercepts; i++)
		if (!intercept_equal(a, a->intercepts[i], b, b->intercepts[i]))
			return false;
	DIFF(!str_eq(a->previews.domain, b->previews.domain) ||
	     !str_eq(a->previews.header, b->previews.header), "previews");
	DIFF(!str_eq(a->control.socket, b->control.socket) ||
	     !str_eq(a->control.group, b->control.group) ||
	     !str_eq(a->control.metrics, b->control.metrics), "control");
	return true;
}

/* ---- editing a loaded configuration in memory, for expectations ---- */

static void remove_intercept(struct steer_conf *c, unsigned i)
{
	struct conf_intercept *in = c->intercepts[i];

	for (unsigned j = 0; j < in->n_matchers; j++) {
		free(in->matchers[j].name);
		free(in->matchers[j].baggage);
		free(in->matchers[j].arg);
	}
	free(in->path);
	free(in->preview);
	free(in);
	memmove(&c->intercepts[i], &c->intercepts[i + 1],
		(c->n_intercepts - i - 1) * sizeof(c->intercepts[0]));
	c->n_intercepts--;
}

static void remove_tunnel(struct steer_conf *c, unsigned i)
{
	memmove(&c->tunnels[i], &c->tunnels[i + 1],
		(c->n_tunnels - i - 1) * sizeof(c->tunnels[0]));
	c->n_tunnels--;
	for (unsigned j = 0; j < c->n_intercepts; j++)
		if (c->intercepts[j]->tunnel > i)
			c->intercepts[j]->tunnel--;
}

static void remove_backend(struct conf_service *s, unsigned i)
{
	memmove(&s->backends[i], &s->backends[i + 1],
		(s->n_backends - i - 1) * sizeof(s->backends[0]));
	s->n_backends--;
}

/* ---- helpers ---- */

static struct steer_conf *load_example(const char *name)
{
	const char *src = getenv("STEER_SRC");
	char path[4096], err[256];
	struct steer_conf *c;

	snprintf(path, sizeof(path), "%s/config/%s", src ? src : ".", name);
	c = conf_load_file(path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	return c;
}

static struct steer_conf *load_text(const char *text)
{
	char err[256];
	struct steer_conf *c = conf_load_string(text, "t.conf", err, sizeof(err));

	if (c == NULL)
		fail_msg("%s\n--- text ---\n%.4000s", err, text);
	return c;
}

/* Dump C with EDIT and load the result, which must be valid. */
static struct steer_conf *reload(const struct steer_conf *c,
				 const struct conf_edit *edit)
{
	char err[256];
	char *text = conf_dump(c, edit, err, sizeof(err));
	struct steer_conf *r;

	if (text == NULL)
		fail_msg("conf_dump: %s (errno %d)", err, errno);
	r = load_text(text);
	free(text);
	return r;
}

static void assert_round_trip(const struct steer_conf *c)
{
	char *t1 = conf_dump(c, NULL, NULL, 0), *t2;
	struct steer_conf *r;

	assert_non_null(t1);
	r = load_text(t1);
	assert_true(conf_equal(c, r));
	t2 = conf_dump(r, NULL, NULL, 0);
	assert_non_null(t2);
	/* a fixed point: what steerd dumps after a change is what it loaded */
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	conf_free(r);
}

/* ---- round trips ---- */

static void demo_config_round_trips_to_an_equal_config(void **state)
{
	struct steer_conf *c = load_example("demo.conf");

	(void)state;
	assert_round_trip(c);
	conf_free(c);
}

static void minimal_config_round_trips_with_defaults_written(void **state)
{
	struct steer_conf *c = load_example("minimal.conf");
	char *t = conf_dump(c, NULL, NULL, 0);

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "max_flows = 65536;"));
	assert_non_null(strstr(t, "linger_ms = 2000;"));
	assert_non_null(strstr(t, "maglev_size = 65537;"));
	assert_non_null(strstr(t, "socket = \"/run/steer/steer.sock\";"));
	assert_non_null(strstr(t, "tunnels = ( );"));
	assert_non_null(strstr(t, "intercepts = ( );"));
	/* no domain: previews stay off */
	assert_null(strstr(t, "domain"));
	/* routing left at its default: the key is not written */
	assert_null(strstr(t, "routing"));
	free(t);
	assert_round_trip(c);
	conf_free(c);
}

static void every_optional_key_and_special_string_round_trips(void **state)
{
	struct steer_conf *c = load_text(rich), *r;
	const struct conf_intercept *in;

	(void)state;
	assert_round_trip(c);
	r = reload(c, NULL);
	in = r->intercepts[0];
	assert_string_equal(in->matchers[0].name, "x-user");
	assert_string_equal(in->matchers[1].baggage, "DevID");
	assert_string_equal(in->matchers[2].arg, "^a\\.b\"c");
	assert_string_equal(in->matchers[4].arg,
		"tab\there # not // a /* comment */ \\ \xc3\xa9 \x7f @include");
	assert_string_equal(in->path, "^/api/v[0-9]+\\.json$");
	assert_string_equal(r->control.socket, "./st\"eer.sock");
	assert_true(r->services[0].backends[0].drained);
	assert_int_equal(r->services[0].maglev_size, 101);
	assert_int_equal(r->services[0].retries, 0);
	assert_int_equal(r->services[1].retries, 3);
	assert_int_equal(r->services[0].queue_ms, 600000);
	assert_int_equal(r->services[0].backends[0].max_conns, 1000000);
	assert_int_equal(r->services[0].backends[0].max_queue, 0);
	assert_int_equal(r->services[0].retries, 0);
	assert_int_equal(r->services[1].retries, 3);
	assert_int_equal(r->services[0].queue_ms, 600000);
	assert_int_equal(r->services[0].backends[0].max_conns, 1000000);
	assert_int_equal(r->services[0].backends[0].max_queue, 0);
	assert_false(r->tunnels[0].fail_open);
	assert_int_equal(r->dataplane.max_flows, 16777216);
	assert_int_equal(r->dataplane.timeouts.syn_rto_ms, 60000);
	assert_int_equal(r->listeners[0].routing, CONF_ROUTING_REQUEST);
	assert_int_equal(r->listeners[1].routing, CONF_ROUTING_CONNECTION);
	const struct conf_health *h = &r->services[1].health;
	assert_true(h->enabled);
	assert_false(r->services[0].health.enabled);
	assert_string_equal(h->path, "/h\"z?full=1");
	assert_string_equal(h->host, "api.example.test");
	assert_int_equal(h->interval_ms, 100);
	assert_int_equal(h->timeout_ms, 99);
	assert_int_equal(h->rise, 100);
	assert_int_equal(h->fall, 1);
	assert_int_equal(h->port, 65535);
	conf_free(r);
	conf_free(c);
}

/* A service's health group is written with every key when present (its
 * defaults included) and not at all when absent, so dumps of configs
 * without it stay what they were. */
static void health_is_written_whole_and_only_when_present(void **state)
{
	static const char text[] =
		"dataplane = { };\n"
		"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; health = { path = \"/healthz\"; };\n"
		"  backends = ( { address = \"198.18.1.10:8080\"; } ); },\n"
		"  { name = \"api\"; } );\n";
	struct steer_conf *c = load_text(text);
	char *t = conf_dump(c, NULL, NULL, 0);

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "{ name = \"web\"; maglev_size = 65537; health = { path = \"/healthz\";"
				  " interval_ms = 1000; timeout_ms = 500; rise = 2; fall = 3; };\n"));
	assert_non_null(strstr(t, "{ name = \"api\"; maglev_size = 65537;\n"));
	assert_null(strstr(t, "port ="));
	assert_null(strstr(t, "host ="));
	free(t);
	assert_round_trip(c);
	conf_free(c);
}

/* Header names are stored lowercased; the dump writes them as stored. */
static void dump_writes_names_as_stored_and_escapes_strings(void **state)
{
	struct steer_conf *c = load_text(rich);
	char *t = conf_dump(c, NULL, NULL, 0);

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "name = \"x-user\"; value = \"\";"));
	assert_non_null(strstr(t, "host = \"api.example.test\";"));
	assert_non_null(strstr(t, "regex = \"^a\\\\.b\\\"c\";"));
	assert_non_null(strstr(t, "value = \"tab\\there # not // a /* comment */ \\\\ \xc3\xa9 \\x7f @include\";"));
	assert_non_null(strstr(t, "address = \"198.18.1.10:8080\"; weight = 1000; drain = true;"));
	assert_non_null(strstr(t, "prefix = \"0.0.0.0/0\"; via = \"198.18.0.254\";"));
	assert_non_null(strstr(t, "address = \"10.0.0.1/32\";"));
	assert_non_null(strstr(t, "remote = \"198.18.0.20\"; vni = 16777215; source = \"198.19.0.1\";"));
	assert_non_null(strstr(t, "eal = [ ];"));
	/* one intercept per line, and no raw control character anywhere */
	assert_non_null(strstr(t, "\n  { name = \"p\";"));
	for (const char *p = t; *p; p++)
		assert_true(*p == '\n' || (unsigned char)*p >= 0x20);
	assert_null(strstr(t, "drain = false"));
	free(t);
	conf_free(c);
}

/* routing is written only when it is not the default, so the dumps of
 * configs that never set it stay what they were; either way the dump loads
 * back to the same routing. */
static void listener_routing_is_written_only_when_not_the_default(void **state)
{
	static const struct {
		const char *key;          /* the listener's routing setting, or "" */
		const char *dumped;       /* expected in the dump, or NULL: no key */
		enum conf_routing want;
	} cases[] = {
		{ "", NULL, CONF_ROUTING_REQUEST },
		{ "routing = \"request\";", NULL, CONF_ROUTING_REQUEST },
		{ "routing = \"connection\";",
		  "default_service = \"web\"; routing = \"connection\";",
		  CONF_ROUTING_CONNECTION },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[1024];
		struct steer_conf *c, *r;
		char *t;

		snprintf(text, sizeof(text),
			 "dataplane = { };\n"
			 "ports = ( { name = \"edge\"; device = \"d0\"; address = \"198.18.0.1/24\"; } );\n"
			 "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; %s } );\n"
			 "services = ( { name = \"web\"; } );\n", cases[i].key);
		c = load_text(text);
		assert_int_equal(c->listeners[0].routing, cases[i].want);
		t = conf_dump(c, NULL, NULL, 0);
		assert_non_null(t);
		if (cases[i].dumped == NULL)
			assert_null(strstr(t, "routing"));
		else
			assert_non_null(strstr(t, cases[i].dumped));
		r = load_text(t);
		assert_int_equal(r->listeners[0].routing, cases[i].want);
		free(t);
		conf_free(r);
		assert_round_trip(c);
		conf_free(c);
	}
}

/* Keys added with the connect policy are written only when not the
 * default, like routing; set, they survive the trip. */
static void connect_policy_keys_are_written_only_when_not_the_default(void **state)
{
	static const struct {
		const char *timeouts;     /* inside dataplane.timeouts */
		const char *service;      /* more keys of the service */
		const char *backend;      /* more keys of its backend */
		const char *dumped;       /* expected in the dump, or NULL */
		const char *absent;       /* key that must not be written, or NULL */
	} cases[] = {
		{ "", "", "", NULL, "syn_rto_ms" },
		{ "syn_rto_ms = 200;", "", "", NULL, "syn_rto_ms" },
		{ "syn_rto_ms = 10;", "", "", "connect_ms = 2000; syn_rto_ms = 10;", NULL },
		{ "", "", "", NULL, "pool_idle_ms" },
		{ "pool_idle_ms = 2000;", "", "", NULL, "pool_idle_ms" },
		{ "pool_idle_ms = 10;", "", "", "linger_ms = 2000; pool_idle_ms = 10;", NULL },
		{ "", "", "", NULL, "retries" },
		{ "", "retries = 3;", "", NULL, "retries" },
		{ "", "retries = 0;", "", "maglev_size = 65537; retries = 0;", NULL },
		{ "", "retries = 32;", "", "retries = 32;", NULL },
		{ "", "", "", NULL, "queue_ms" },
		{ "", "queue_ms = 2000;", "", NULL, "queue_ms" },
		{ "", "queue_ms = 10; retries = 1;", "", "retries = 1; queue_ms = 10;", NULL },
		{ "", "", "", NULL, "max_conns" },
		{ "", "", "max_conns = 0;", NULL, "max_conns" },
		{ "", "", "max_conns = 5;", "weight = 1; max_conns = 5; }", "max_queue" },
		{ "", "", "max_conns = 5; max_queue = 1024;", NULL, "max_queue" },
		{ "", "", "max_queue = 0; max_conns = 1000000;",
		  "max_conns = 1000000; max_queue = 0; }", NULL },
		{ "", "", "max_conns = 1; max_queue = 7;", "max_conns = 1; max_queue = 7; }", NULL },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[1024];
		struct steer_conf *c;
		char *t;

		snprintf(text, sizeof(text),
			 "dataplane = { timeouts = { %s }; };\n"
			 "ports = ( { name = \"edge\"; device = \"d0\"; address = \"198.18.0.1/24\"; } );\n"
			 "listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
			 "services = ( { name = \"web\"; %s backends = ( { address = \"198.18.1.10:8080\"; %s } ); } );\n",
			 cases[i].timeouts, cases[i].service, cases[i].backend);
		c = load_text(text);
		t = conf_dump(c, NULL, NULL, 0);
		assert_non_null(t);
		if (cases[i].dumped != NULL && strstr(t, cases[i].dumped) == NULL)
			fail_msg("case %zu: no \"%s\" in\n%s", i, cases[i].dumped, t);
		if (cases[i].absent != NULL && strstr(t, cases[i].absent) != NULL)
			fail_msg("case %zu: \"%s\" written in\n%s", i, cases[i].absent, t);
		free(t);
		assert_round_trip(c);
		conf_free(c);
	}
}

static void large_config_with_10000_intercepts_round_trips(void **state)
{
	enum { N = 10000 };
	size_t cap = (size_t)N * 200 + 4096, len;
	char *text = malloc(cap);
	struct steer_conf *c;

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap,
		"dataplane = { };\n"
		"ports = ( { name = \"edge\"; device = \"d0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; backends = ( { address = \"198.18.0.10:80\"; } ); } );\n"
		"tunnels = ( { name = \"t\"; type = \"direct\"; target = \"198.18.0.20:9000\"; } );\n"
		"previews = { domain = \"preview.test\"; };\n"
		"intercepts = (\n");
	for (unsigned i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
			"%s{ name = \"dev-%u\"; service = \"web\"; tunnel = \"t\"; "
			"headers = ( { name = \"x-dev\"; value = \"%u\"; } ); preview = \"p%u\"; }\n",
			i ? "," : "", i, i, i);
	snprintf(text + len, cap - len, ");\n");
	c = load_text(text);
	free(text);
	assert_int_equal(c->n_intercepts, N);
	assert_round_trip(c);
	conf_free(c);
}

/* ---- edits ---- */

static void dropping_an_intercept_removes_exactly_it(void **state)
{
	struct steer_conf *c = load_example("demo.conf");
	struct conf_edit e = { .drop_intercept = "bob-api" };
	struct steer_conf *r = reload(c, &e);

	(void)state;
	assert_int_equal(conf_find_intercept(r, "bob-api"), -1);
	remove_intercept(c, (unsigned)conf_find_intercept(c, "bob-api"));
	assert_true(conf_equal(c, r));
	conf_free(r);
	conf_free(c);
}

static void adding_an_intercept_appends_exactly_it(void **state)
{
	struct steer_conf *c = load_example("demo.conf"), *r;
	char q[128], add[512];
	const struct conf_intercept *in;

	(void)state;
	/* built the way steerd builds it from a JSON request */
	assert_true(conf_quote(q, sizeof(q), "9c1d:\"dave\"\\web") > 0);
	snprintf(add, sizeof(add),
		 "{ name = \"dave-web\"; service = \"web\"; tunnel = \"bob\"; "
		 "headers = ( { name = \"X-Telepresence-Intercept-Id\"; value = %s; } ); "
		 "path_prefix = \"/d/\"; }", q);
	struct conf_edit e = { .add_intercept = add };
	r = reload(c, &e);
	assert_int_equal(r->n_intercepts, c->n_intercepts + 1);
	in = r->intercepts[r->n_intercepts - 1];
	assert_string_equal(in->name, "dave-web");
	assert_string_equal(r->services[in->service].name, "web");
	assert_string_equal(r->tunnels[in->tunnel].name, "bob");
	assert_int_equal(in->n_matchers, 1);
	assert_string_equal(in->matchers[0].name, "x-telepresence-intercept-id");
	assert_string_equal(in->matchers[0].arg, "9c1d:\"dave\"\\web");
	assert_int_equal(in->path_kind, CONF_PATH_PREFIX);
	assert_string_equal(in->path, "/d/");
	remove_intercept(r, r->n_intercepts - 1);
	assert_true(conf_equal(c, r));
	conf_free(r);
	conf_free(c);
}

static void adding_to_empty_lists_works(void **state)
{
	struct steer_conf *c = load_example("minimal.conf"), *r1, *r2;
	struct conf_edit e1 = {
		.add_tunnel = "{ name = \"bob\"; type = \"direct\"; target = \"198.18.0.21:9000\"; }",
	};
	struct conf_edit e2 = {
		.add_intercept = "{ name = \"g\"; service = \"web\"; tunnel = \"bob\"; }",
	};

	(void)state;
	r1 = reload(c, &e1);
	assert_int_equal(r1->n_tunnels, 1);
	r2 = reload(r1, &e2);
	assert_int_equal(r2->n_intercepts, 1);
	assert_int_equal(r2->intercepts[0]->n_matchers, 0);
	conf_free(r2);
	conf_free(r1);
	conf_free(c);
}

static void adding_then_dropping_a_tunnel_restores_the_config(void **state)
{
	struct steer_conf *c = load_example("demo.conf"), *r1, *r2;
	char q[64], add[256];
	const struct conf_tunnel *t;

	(void)state;
	assert_true(conf_quote(q, sizeof(q), "carol") > 0);
	snprintf(add, sizeof(add),
		 "{ name = %s; type = \"vxlan\"; target = \"198.19.0.9:8080\"; "
		 "remote = \"198.18.1.30\"; vni = 7; source = \"198.19.0.1\"; fail_open = false; }", q);
	struct conf_edit e1 = { .add_tunnel = add };
	struct conf_edit e2 = { .drop_tunnel = "carol" };

	r1 = reload(c, &e1);
	assert_int_equal(r1->n_tunnels, c->n_tunnels + 1);
	t = &r1->tunnels[r1->n_tunnels - 1];
	assert_string_equal(t->name, "carol");
	assert_int_equal(t->type, CONF_TUNNEL_VXLAN);
	assert_int_equal(t->target_ip, IP(198, 19, 0, 9));
	assert_int_equal(t->target_port, 8080);
	assert_int_equal(t->remote, IP(198, 18, 1, 30));
	assert_int_equal(t->vni, 7);
	assert_int_equal(t->source, IP(198, 19, 0, 1));
	assert_false(t->fail_open);
	r2 = reload(r1, &e2);
	assert_true(conf_equal(c, r2));
	conf_free(r2);
	conf_free(r1);
	conf_free(c);
}

/* Dropping a tunnel that intercepts still use is the loader's to refuse:
 * the dump does not validate. */
static void dropping_a_used_tunnel_is_refused_by_the_loader(void **state)
{
	struct steer_conf *c = load_example("demo.conf");
	struct conf_edit e = { .drop_tunnel = "alice" };
	char err[256], *t = conf_dump(c, &e, err, sizeof(err));

	(void)state;
	assert_non_null(t);
	assert_null(conf_load_string(t, "d.conf", err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "unknown tunnel 'alice'"));
	free(t);

	/* with the intercept that uses it gone, alice can go */
	e.drop_intercept = "alice-web";
	struct steer_conf *r = reload(c, &e);

	remove_intercept(c, (unsigned)conf_find_intercept(c, "alice-web"));
	remove_tunnel(c, (unsigned)conf_find_tunnel(c, "alice"));
	assert_true(conf_equal(c, r));
	conf_free(r);
	conf_free(c);
}

static void adding_a_backend_appends_it_with_its_weight(void **state)
{
	struct steer_conf *c = load_example("demo.conf"), *r;
	struct conf_edit e = { .backend_service = "web", .backend_op = CONF_BE_ADD,
			       .backend_ip = IP(198, 18, 1, 13), .backend_port = 8081,
			       .backend_weight = 7 };
	struct conf_service *s;

	(void)state;
	r = reload(c, &e);
	s = &r->services[conf_find_service(r, "web")];
	assert_int_equal(s->n_backends, 3);
	assert_int_equal(s->backends[2].ip, IP(198, 18, 1, 13));
	assert_int_equal(s->backends[2].port, 8081);
	assert_int_equal(s->backends[2].weight, 7);
	assert_false(s->backends[2].drained);
	assert_int_equal(s->backends[2].max_conns, 0);
	assert_int_equal(s->backends[2].max_queue, CONF_MAX_QUEUE);
	remove_backend(s, 2);
	assert_true(conf_equal(c, r));
	conf_free(r);

	/* weight 0 means the default */
	e.backend_weight = 0;
	e.backend_service = "api";
	r = reload(c, &e);
	s = &r->services[conf_find_service(r, "api")];
	assert_int_equal(s->n_backends, 2);
	assert_int_equal(s->backends[1].weight, 1);
	conf_free(r);

	/* an address already there is the loader's duplicate */
	e.backend_ip = IP(198, 18, 1, 12);
	e.backend_port = 8080;
	char err[256], *t = conf_dump(c, &e, err, sizeof(err));

	assert_non_null(t);
	assert_null(conf_load_string(t, "d.conf", err, sizeof(err)));
	assert_non_null(strstr(err, "duplicate backend '198.18.1.12:8080'"));
	free(t);
	conf_free(c);
}

static void removing_a_backend_removes_exactly_it(void **state)
{
	struct steer_conf *c = load_example("demo.conf"), *r;
	struct conf_edit e = { .backend_service = "web", .backend_op = CONF_BE_REMOVE,
			       .backend_ip = IP(198, 18, 1, 10), .backend_port = 8080 };
	struct conf_service *s;

	(void)state;
	r = reload(c, &e);
	s = &c->services[conf_find_service(c, "web")];
	remove_backend(s, 0);
	assert_true(conf_equal(c, r));
	conf_free(r);

	/* the last backend may go too: the service then answers 503 */
	e.backend_service = "api";
	e.backend_ip = IP(198, 18, 1, 12);
	r = reload(c, &e);
	assert_int_equal(r->services[conf_find_service(r, "api")].n_backends, 0);
	conf_free(r);
	conf_free(c);
}

static void draining_a_backend_sets_only_its_flag(void **state)
{
	struct steer_conf *c = load_example("demo.conf"), *r, *r2;
	struct conf_edit e = { .backend_service = "web", .backend_op = CONF_BE_DRAIN,
			       .backend_ip = IP(198, 18, 1, 11), .backend_port = 8080 };
	struct conf_service *s;

	(void)state;
	r = reload(c, &e);
	s = &r->services[conf_find_service(r, "web")];
	assert_true(s->backends[1].drained);
	assert_false(s->backends[0].drained);
	/* draining again changes nothing */
	r2 = reload(r, &e);
	assert_true(conf_equal(r, r2));
	conf_free(r2);
	s->backends[1].drained = false;
	assert_true(conf_equal(c, r));
	conf_free(r);
	conf_free(c);
}

/* A backend edit rewrites the service's backends: the limits of each
 * (and the service's own keys) stay as they were. */
static void backend_edits_keep_the_connection_limits(void **state)
{
	struct steer_conf *c = load_text(
		"dataplane = { };\n"
		"ports = ( { name = \"edge\"; device = \"d0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; retries = 1; queue_ms = 500; backends = (\n"
		"  { address = \"198.18.1.10:80\"; max_conns = 5; },\n"
		"  { address = \"198.18.1.11:80\"; max_conns = 6; max_queue = 7; },\n"
		"  { address = \"198.18.1.12:80\"; } ); } );\n"), *r, *r2;
	struct conf_edit e = { .backend_service = "web", .backend_op = CONF_BE_DRAIN,
			       .backend_ip = IP(198, 18, 1, 11), .backend_port = 80 };
	const struct conf_service *s;

	(void)state;
	r = reload(c, &e);
	s = &r->services[0];
	assert_true(s->backends[1].drained);
	assert_int_equal(s->backends[1].max_conns, 6);
	assert_int_equal(s->backends[1].max_queue, 7);
	assert_int_equal(s->backends[0].max_conns, 5);
	assert_int_equal(s->backends[0].max_queue, CONF_MAX_QUEUE);
	assert_int_equal(s->retries, 1);
	assert_int_equal(s->queue_ms, 500);
	e.backend_op = CONF_BE_REMOVE;
	e.backend_ip = IP(198, 18, 1, 10);
	r2 = reload(r, &e);
	s = &r2->services[0];
	assert_int_equal(s->n_backends, 2);
	assert_int_equal(s->backends[0].max_conns, 6);
	assert_int_equal(s->backends[1].max_conns, 0);
	conf_free(r2);
	conf_free(r);
	conf_free(c);
}

/* The default table grows with the backends, as it would in a file; an
 * explicit one stays; removal never resizes. */
static void adding_backends_grows_a_default_maglev_table(void **state)
{
	size_t cap = 64 * 1024, len;
	char *text = malloc(cap);
	struct steer_conf *c, *r, *r2;
	struct conf_edit e = { .backend_service = "web", .backend_op = CONF_BE_ADD,
			       .backend_ip = IP(198, 18, 9, 9), .backend_port = 80 };

	(void)state;
	assert_non_null(text);
	len = (size_t)snprintf(text, cap,
		"dataplane = { };\n"
		"ports = ( { name = \"edge\"; device = \"d0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; backends = (\n");
	for (unsigned i = 0; i < 655; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"%s{ address = \"198.18.%u.%u:80\"; }\n",
					i ? "," : "", 2 + i / 250, i % 250);
	snprintf(text + len, cap - len, "); } );\n");
	c = load_text(text);
	assert_int_equal(c->services[0].maglev_size, MAGLEV_DEFAULT_SIZE);
	r = reload(c, &e);
	assert_int_equal(r->services[0].n_backends, 656);
	assert_int_equal(r->services[0].maglev_size, maglev_next_prime(65600));

	/* removing it keeps the larger table */
	e.backend_op = CONF_BE_REMOVE;
	r2 = reload(r, &e);
	assert_int_equal(r2->services[0].n_backends, 655);
	assert_int_equal(r2->services[0].maglev_size, maglev_next_prime(65600));
	conf_free(r2);
	conf_free(r);
	conf_free(c);

	free(text);

	/* an explicit size is kept */
	c = load_text("dataplane = { };\n"
		"ports = ( { name = \"edge\"; device = \"d0\"; address = \"198.18.0.1/24\"; } );\n"
		"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
		"services = ( { name = \"web\"; maglev_size = 101; } );\n");
	e.backend_op = CONF_BE_ADD;
	r = reload(c, &e);
	assert_int_equal(r->services[0].maglev_size, 101);
	conf_free(r);
	conf_free(c);
}

static void editing_a_missing_name_is_enoent_with_a_message(void **state)
{
	static const struct {
		struct conf_edit e;
		const char *msg;
	} cases[] = {
		{ { .drop_intercept = "nobody" }, "unknown intercept 'nobody'" },
		{ { .drop_tunnel = "nowhere" }, "unknown tunnel 'nowhere'" },
		{ { .backend_service = "wbe", .backend_op = CONF_BE_ADD,
		    .backend_ip = IP(1, 2, 3, 4), .backend_port = 80 },
		  "unknown service 'wbe'" },
		{ { .backend_service = "web", .backend_op = CONF_BE_REMOVE,
		    .backend_ip = IP(198, 18, 1, 10), .backend_port = 8081 },
		  "service 'web' has no backend 198.18.1.10:8081" },
		{ { .backend_service = "api", .backend_op = CONF_BE_DRAIN,
		    .backend_ip = IP(198, 18, 1, 10), .backend_port = 8080 },
		  "service 'api' has no backend 198.18.1.10:8080" },
	};
	struct steer_conf *c = load_example("demo.conf");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char err[256] = "";

		errno = 0;
		assert_null(conf_dump(c, &cases[i].e, err, sizeof(err)));
		assert_int_equal(errno, ENOENT);
		assert_string_equal(err, cases[i].msg);
	}
	/* a malformed edit is EINVAL */
	struct conf_edit bad = { .backend_op = CONF_BE_DRAIN };
	char err[256];

	assert_null(conf_dump(c, &bad, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	bad.backend_service = "web";
	bad.backend_op = (enum conf_backend_op)42;
	assert_null(conf_dump(c, &bad, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	/* no error buffer is fine */
	assert_null(conf_dump(c, &cases[0].e, NULL, 0));
	assert_int_equal(errno, ENOENT);
	assert_null(conf_dump(NULL, NULL, NULL, 0));
	assert_int_equal(errno, EINVAL);
	conf_free(c);
}

/* ---- conf_quote ---- */

static void conf_quote_escapes_quotes_and_backslashes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "", "\"\"" },
		{ "plain", "\"plain\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "\\\"\\", "\"\\\\\\\"\\\\\"" },
		{ "^a\\.b\"c", "\"^a\\\\.b\\\"c\"" },
		{ "# // /* */ @include", "\"# // /* */ @include\"" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(conf_quote(buf, sizeof(buf), cases[i].in),
				 strlen(cases[i].out));
		assert_string_equal(buf, cases[i].out);
	}
	/* exactly room for it and the NUL, then one byte less */
	assert_int_equal(conf_quote(buf, 7, "a\"b"), 6);
	assert_string_equal(buf, "\"a\\\"b\"");
	assert_int_equal(conf_quote(buf, 6, "a\"b"), -ENOSPC);
	assert_int_equal(conf_quote(buf, 0, ""), -ENOSPC);
}

static void conf_quote_rejects_control_characters(void **state)
{
	static const char *const bad[] = { "a\nb", "a\rb", "\t", "x\x01", "\x1f",
		"del\x7f", "\x1b[31m" };
	char buf[64];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(conf_quote(buf, sizeof(buf), bad[i]), -EINVAL);
}

/* What conf_quote() writes, libconfig reads back as the same bytes. */
static void quoted_strings_load_back_unchanged(void **state)
{
	static const char *const values[] = { "", "a\"b", "a\\b", "\\",
		"\"", "^a\\.b\"c", "a\\x41b", "\\n", "# x", "// x", "/* x */",
		"caf\xc3\xa9", "\xff\xfe", "x\\" };
	struct steer_conf *c = load_example("demo.conf");

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		char q[64], add[256];
		struct steer_conf *r;

		assert_true(conf_quote(q, sizeof(q), values[i]) >= 2);
		snprintf(add, sizeof(add),
			 "{ name = \"n\"; service = \"api\"; tunnel = \"bob\"; "
			 "headers = ( { name = \"x-v\"; value = %s; } ); }", q);
		struct conf_edit e = { .add_intercept = add };

		r = reload(c, &e);
		assert_string_equal(r->intercepts[r->n_intercepts - 1]->matchers[0].arg,
				    values[i]);
		/* and the dump of that writes it back the same way */
		assert_round_trip(r);
		conf_free(r);
	}
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demo_config_round_trips_to_an_equal_config),
		cmocka_unit_test(minimal_config_round_trips_with_defaults_written),
		cmocka_unit_test(every_optional_key_and_special_string_round_trips),
		cmocka_unit_test(dump_writes_names_as_stored_and_escapes_strings),
		cmocka_unit_test(health_is_written_whole_and_only_when_present),
		cmocka_unit_test(listener_routing_is_written_only_when_not_the_default),
		cmocka_unit_test(connect_policy_keys_are_written_only_when_not_the_default),
		cmocka_unit_test(large_config_with_10000_intercepts_round_trips),
		cmocka_unit_test(dropping_an_intercept_removes_exactly_it),
		cmocka_unit_test(adding_an_intercept_appends_exactly_it),
		cmocka_unit_test(adding_to_empty_lists_works),
		cmocka_unit_test(adding_then_dropping_a_tunnel_restores_the_config),
		cmocka_unit_test(dropping_a_used_tunnel_is_refused_by_the_loader),
		cmocka_unit_test(adding_a_backend_appends_it_with_its_weight),
		cmocka_unit_test(removing_a_backend_removes_exactly_it),
		cmocka_unit_test(draining_a_backend_sets_only_its_flag),
		cmocka_unit_test(backend_edits_keep_the_connection_limits),
		cmocka_unit_test(adding_backends_grows_a_default_maglev_table),
		cmocka_unit_test(editing_a_missing_name_is_enoent_with_a_message),
		cmocka_unit_test(conf_quote_escapes_quotes_and_backslashes),
		cmocka_unit_test(conf_quote_rejects_control_characters),
		cmocka_unit_test(quoted_strings_load_back_unchanged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

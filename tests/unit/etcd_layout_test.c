/* The etcd key layout: keys name the kind and the object, and every other
 * key under or outside the prefix is no object; the objects of a range on
 * top of a node's configuration load as the loader would take them, and
 * a bad one is refused with the key named. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conf.h"
#include "etcd_layout.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void keys_map_to_kinds_and_names(void **state)
{
	static const struct { const char *key; int kind; const char *name; } cases[] = {
		{ "/steer/c1/intercepts/alice", EK_INTERCEPT, "alice" },
		{ "/steer/c1/tunnels/dev", EK_TUNNEL, "dev" },
		{ "/steer/c1/nodes/n1", EK_NODE, "n1" },
		{ "/steer/c1/epoch", EK_EPOCH, "" },
		{ "/steer/c1/intercepts/", EK_NONE, "" },
		{ "/steer/c1/intercepts/a/b", EK_NONE, "" },
		{ "/steer/c1/listeners/web", EK_LISTENER, "web" },
		{ "/steer/c1/services/api", EK_SERVICE, "api" },
		{ "/steer/c1/previews", EK_PREVIEWS, "" },
		{ "/steer/c1/previews/x", EK_NONE, "" },
		{ "/steer/c1/services/", EK_NONE, "" },
		{ "/steer/c1/backends/x", EK_NONE, "" },
		{ "/steer/c2/intercepts/alice", EK_NONE, "" },
		{ "/steer/c1x/intercepts/alice", EK_NONE, "" },
	};
	char name[64], key[128];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		name[0] = '\0';
		assert_int_equal(etcd_key_kind("/steer/c1/", cases[i].key, name,
					       sizeof(name)), cases[i].kind);
		if (etcd_kind_is_rule(cases[i].kind)) {
			assert_string_equal(name, cases[i].name);
			assert_int_equal(etcd_key(key, sizeof(key), "c1", cases[i].kind,
						  name), 0);
			assert_string_equal(key, cases[i].key);
		}
	}
	assert_int_equal(etcd_key(key, sizeof(key), "c1", EK_INTERCEPT, "a/b"), -1);
	assert_int_equal(etcd_key(key, sizeof(key), "c/1", EK_INTERCEPT, "a"), -1);
	assert_int_equal(etcd_prefix(key, sizeof(key), ""), -1);
	assert_int_equal(etcd_key(key, 10, "c1", EK_INTERCEPT, "alice"), -1);
}

static const char base_text[] =
	"dataplane = { eal = [ \"--no-huge\" ]; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
	"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
	"services = ( { name = \"web\"; backends = ( { address = \"198.18.0.10:8080\"; } ); } );\n";

static struct etcd_kv kv(const char *key, const char *value)
{
	struct etcd_kv k = { .value = (char *)value, .value_len = strlen(value) };
	strcpy(k.key, key);
	return k;
}

static void a_range_loads_on_top_of_the_node_configuration(void **state)
{
	char err[1024];
	struct steer_conf *base = conf_load_string(base_text, "base", err, sizeof(err));
	(void)state;
	if (base == NULL)
		fail_msg("%s", err);
	/* the intercept comes first in the range: tunnels still go first */
	struct etcd_kv kvs[] = {
		kv("/steer/c1/intercepts/alice", "{\"name\":\"alice\",\"service\":\"web\","
		   "\"tunnel\":\"dev\",\"headers\":[{\"name\":\"x-user\",\"value\":\"alice\"}]}"),
		kv("/steer/c1/tunnels/dev", "{\"name\":\"dev\",\"type\":\"direct\","
		   "\"target\":\"198.18.0.21:9000\"}"),
		kv("/steer/c1/nodes/n1", "not json, not an object: ignored"),
		kv("/steer/c1/epoch", "x"),
	};
	struct steer_conf *c = etcd_conf_apply(base, "/steer/c1/", kvs,
					       ARRAY_SIZE(kvs), false, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->n_tunnels, 1);
	assert_int_equal(c->n_intercepts, 1);
	assert_int_equal(conf_find_intercept(c, "alice"), 0);
	conf_free(c);

	static const struct { const char *key, *value, *msg; } bad[] = {
		{ "/steer/c1/intercepts/bob", "{\"name\":\"bob\",\"service\":\"nope\","
		  "\"tunnel\":\"dev\"}", "unknown service 'nope'" },
		{ "/steer/c1/intercepts/bob", "{\"name\":\"carl\",\"service\":\"web\","
		  "\"tunnel\":\"dev\"}", "the key's last part" },
		{ "/steer/c1/intercepts/bob", "{\"name\":", "not a JSON object" },
		{ "/steer/c1/intercepts/bob", "{\"name\":\"bob\",\"service\":\"web\"}",
		  "missing field 'tunnel'" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct etcd_kv k2[] = { kvs[1], kv(bad[i].key, bad[i].value) };
		err[0] = '\0';
		assert_null(etcd_conf_apply(base, "/steer/c1/", k2, 2, false, err, sizeof(err)));
		if (strstr(err, bad[i].msg) == NULL || strstr(err, "/steer/c1/intercepts/bob") == NULL)
			fail_msg("case %zu: '%s' lacks '%s' or the key", i, err, bad[i].msg);
	}
	conf_free(base);
}

/* Services, listeners and previews from etcd: they replace the file's of
 * the same name, are added beside the others, and an intercept in etcd
 * may name a service that only etcd has. */
static void services_listeners_and_previews_replace_the_files(void **state)
{
	char err[1024];
	struct steer_conf *base = conf_load_string(base_text, "base", err, sizeof(err));
	(void)state;
	if (base == NULL)
		fail_msg("%s", err);
	struct etcd_kv kvs[] = {
		kv("/steer/c1/services/web", "{\"name\":\"web\",\"retries\":1,\"backends\":["
		   "{\"address\":\"198.18.0.11:8080\",\"weight\":3},"
		   "{\"address\":\"198.18.0.12:8080\",\"drain\":true}]}"),
		kv("/steer/c1/services/api", "{\"name\":\"api\",\"backends\":[],"
		   "\"health\":{\"path\":\"/healthz\",\"interval_ms\":500}}"),
		kv("/steer/c1/listeners/api", "{\"name\":\"api\",\"address\":\"198.18.0.1:81\","
		   "\"default_service\":\"api\",\"routes\":[{\"path_prefix\":\"/w\","
		   "\"service\":\"web\"}]}"),
		kv("/steer/c1/previews", "{\"domain\":\"preview.example.test\"}"),
		kv("/steer/c1/tunnels/dev", "{\"name\":\"dev\",\"type\":\"direct\","
		   "\"target\":\"198.18.0.21:9000\"}"),
		kv("/steer/c1/intercepts/al", "{\"name\":\"al\",\"service\":\"api\","
		   "\"tunnel\":\"dev\",\"preview\":\"al\"}"),
	};
	struct steer_conf *c = etcd_conf_apply(base, "/steer/c1/", kvs,
					       ARRAY_SIZE(kvs), true, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->n_services, 2);
	int web = conf_find_service(c, "web"), api = conf_find_service(c, "api");
	assert_true(web >= 0 && api >= 0);
	assert_int_equal(c->services[web].n_backends, 2);
	assert_int_equal(c->services[web].backends[0].ip, 0xc612000b);
	assert_int_equal(c->services[web].backends[0].weight, 3);
	assert_true(c->services[web].backends[1].drained);
	assert_int_equal(c->services[web].retries, 1);
	assert_true(c->services[api].health.enabled);
	assert_int_equal(c->n_listeners, 2);
	assert_int_equal(c->listeners[1].port, 81);
	assert_int_equal(c->listeners[1].default_service, (unsigned)api);
	assert_int_equal(c->listeners[1].routes[0].service, (unsigned)web);
	assert_string_equal(c->previews.domain, "preview.example.test");
	assert_int_equal(c->n_intercepts, 1);
	conf_free(c);

	/* each bad object is refused with its key and the line in it */
	static const struct { const char *key, *value, *msg; } bad[] = {
		{ "/steer/c1/services/web", "{\"name\":\"web\",\"backendz\":[]}",
		  "etcd:/steer/c1/services/web:1:" },
		{ "/steer/c1/services/web", "{\"name\":\"web\",\"backends\":["
		  "{\"address\":\"nowhere\"}]}", "etcd:/steer/c1/services/web:1:" },
		{ "/steer/c1/listeners/x", "{\"name\":\"x\",\"address\":\"198.18.0.1:82\","
		  "\"default_service\":\"nope\"}", "etcd:/steer/c1/listeners/x:1:" },
		{ "/steer/c1/listeners/x", "{\"name\":\"y\"}", "the key's last part" },
		{ "/steer/c1/services/web", "{\"name\":\"web\",\"retries\":1.5}",
		  "an integer" },
		/* past long long's range: refused, not cast (UBSan, etcd_object) */
		{ "/steer/c1/services/web", "{\"name\":\"web\",\"retries\":3e23}",
		  "an integer" },
		{ "/steer/c1/services/web", "{\"name\":\"web\",\"retries\":-3e23}",
		  "an integer" },
		{ "/steer/c1/services/web", "{\"name\":\"web\",\"a b\":1}", "bad key" },
		{ "/steer/c1/previews", "{\"domain\":\"-bad-\"}", "etcd:/steer/c1/previews:1:" },
		{ "/steer/c1/intercepts/r", "{\"name\":\"r\",\"service\":\"web\","
		  "\"tunnel\":\"dev\",\"headers\":[{\"name\":\"x\",\"regex\":\"(\"}]}",
		  "etcd:/steer/c1/intercepts/r:" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct etcd_kv k2[] = { kvs[4], kv(bad[i].key, bad[i].value) };
		err[0] = '\0';
		assert_null(etcd_conf_apply(base, "/steer/c1/", k2, 2, true, err,
					    sizeof(err)));
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err, bad[i].msg);
	}
	conf_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_map_to_kinds_and_names),
		cmocka_unit_test(a_range_loads_on_top_of_the_node_configuration),
		cmocka_unit_test(services_listeners_and_previews_replace_the_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
		{ "/steer/c1/listeners/web", EK_NONE, "" },
		{ "/steer/c2/intercepts/alice", EK_NONE, "" },
		{ "/steer/c1x/intercepts/alice", EK_NONE, "" },
	};
	char name[64], key[128];
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		name[0] = '\0';
		assert_int_equal(etcd_key_kind("/steer/c1/", cases[i].key, name,
					       sizeof(name)), cases[i].kind);
		if (cases[i].kind == EK_INTERCEPT || cases[i].kind == EK_TUNNEL) {
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
					       ARRAY_SIZE(kvs), err, sizeof(err));
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
		assert_null(etcd_conf_apply(base, "/steer/c1/", k2, 2, err, sizeof(err)));
		if (strstr(err, bad[i].msg) == NULL || strstr(err, "/steer/c1/intercepts/bob") == NULL)
			fail_msg("case %zu: '%s' lacks '%s' or the key", i, err, bad[i].msg);
	}
	conf_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_map_to_kinds_and_names),
		cmocka_unit_test(a_range_loads_on_top_of_the_node_configuration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

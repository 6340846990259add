/* steer-etcd's cluster.apply parts (ctrl/steer_etcd_set.c): a set larger
 * than steerd's request line is cut into requests that each fit the line
 * (64 KiB) and steerd's 4096 JSON nodes, numbered in order, and together
 * carry every object exactly once, each in its kind's list. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"
#include "steer_etcd.h"

static struct json_node nodes[4096];   /* steerd's MAX_NODES */

static void add(struct objset *s, enum etcd_kind k, const char *key, const char *v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->o = realloc(s->o, sizeof(*s->o) * s->cap);
		assert_non_null(s->o);
	}
	snprintf(s->o[s->n].key, sizeof(s->o[s->n].key), "%s", key);
	s->o[s->n].value = strdup(v);
	s->o[s->n++].kind = k;
}

static void check_parts(const struct objset *s, unsigned want_min_parts)
{
	char **parts;
	unsigned n, seen = 0;
	size_t total = 0;
	const char *jerr;

	assert_int_equal(set_parts(s, 42, &parts, &n), 0);
	assert_true(n >= want_min_parts);
	for (unsigned p = 0; p < n; p++) {
		size_t len = strlen(parts[p]);
		total += len;
		if (len > 65536)
			fail_msg("part %u is %zu bytes: over steerd's line", p, len);
		if (json_parse(parts[p], len, nodes, 4096, &jerr) < 0)
			fail_msg("part %u does not parse in 4096 nodes: %s", p, jerr);
		const struct json_node *r = &nodes[0];
		assert_int_equal((int)json_get(nodes, r, "part")->number, (int)p);
		assert_int_equal((int)json_get(nodes, r, "parts")->number, (int)n);
		assert_int_equal((int)json_get(nodes, r, "revision")->number, 42);
		static const char *const lists[] = { "tunnels", "intercepts",
						     "services", "listeners" };
		for (unsigned l = 0; l < 4; l++) {
			const struct json_node *a = json_get(nodes, r, lists[l]);
			assert_non_null(a);
			for (uint32_t i = 0; i < a->n_children; i++) {
				const struct json_node *nm =
					json_get(nodes, json_child(nodes, a, i), "name");
				char name[64];
				assert_non_null(nm);
				json_str_copy(nm, name, sizeof(name));
				/* the objects come in order, in their kind's list */
				assert_true(seen < s->n);
				while (s->o[seen].kind == EK_PREVIEWS)
					seen++;
				assert_string_equal(etcd_kind_dir(s->o[seen].kind), lists[l]);
				assert_non_null(strstr(s->o[seen].key, name));
				seen++;
			}
		}
		free(parts[p]);
	}
	free(parts);
	while (seen < s->n && s->o[seen].kind == EK_PREVIEWS)
		seen++;
	assert_int_equal(seen, s->n);
	if (want_min_parts > 1 && total <= 65536)
		fail_msg("%zu bytes in all: not above one line", total);
}

static void a_large_set_is_cut_into_parts_that_fit_a_request(void **state)
{
	struct objset s = { 0 };
	char key[128], v[512];
	(void)state;

	/* intercepts of many small nodes (the node limit binds) and of
	 * long values (the byte limit binds) */
	for (unsigned i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "/steer/c/intercepts/dev-%04u", i);
		if (i % 2)
			snprintf(v, sizeof(v), "{\"name\":\"dev-%04u\",\"service\":\"web\","
				 "\"tunnel\":\"t\",\"headers\":[{\"name\":\"a\",\"value\":\"1\"},"
				 "{\"name\":\"b\",\"value\":\"2\"},{\"name\":\"c\",\"present\":true}]}", i);
		else
			snprintf(v, sizeof(v), "{\"name\":\"dev-%04u\",\"service\":\"web\","
				 "\"tunnel\":\"t\",\"path_regex\":\"^/%0300u\"}", i, i);
		add(&s, EK_INTERCEPT, key, v);
	}
	check_parts(&s, 10);
	for (unsigned i = 0; i < s.n; i++)
		free(s.o[i].value);
	free(s.o);
}

static void an_empty_set_is_one_part_that_empties_the_lists(void **state)
{
	struct objset s = { 0 };
	char **parts;
	unsigned n;
	(void)state;

	assert_int_equal(set_parts(&s, 7, &parts, &n), 0);
	assert_int_equal(n, 1);
	assert_non_null(strstr(parts[0], "\"intercepts\":[]"));
	assert_non_null(strstr(parts[0], "\"services\":[]"));
	assert_null(strstr(parts[0], "previews"));
	free(parts[0]);
	free(parts);

	add(&s, EK_PREVIEWS, "/steer/c/previews", "{\"domain\":\"p.example.test\"}");
	add(&s, EK_SERVICE, "/steer/c/services/web", "{\"name\":\"web\",\"backends\":[]}");
	check_parts(&s, 1);
	assert_int_equal(set_parts(&s, 7, &parts, &n), 0);
	assert_non_null(strstr(parts[0], "\"previews\":{\"domain\":\"p.example.test\"}"));
	free(parts[0]);
	free(parts);
	for (unsigned i = 0; i < s.n; i++)
		free(s.o[i].value);
	free(s.o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_large_set_is_cut_into_parts_that_fit_a_request),
		cmocka_unit_test(an_empty_set_is_one_part_that_empties_the_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

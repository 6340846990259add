/* Derived rulesets (rs_derive, conf_derive): after every change of a
 * random sequence of intercept adds and removes, the derived ruleset must
 * decide every request exactly as a from-scratch compile of the same
 * change made through the text of the configuration (conf_dump() with an
 * edit, conf_load_string(), rs_compile()) - the path every other change
 * takes - and `dump` must print the same text. A change one path refuses
 * the other must refuse too, and the running ruleset must keep deciding
 * as before. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "http.h"
#include "rules.h"

#define BASE_CONF                                                             \
	"dataplane = { workers = 1; };\n"                                     \
	"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n" \
	"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\";\n" \
	"  routes = ( { host = \"api.test\"; service = \"api\"; } ); } );\n" \
	"services = (\n"                                                      \
	"  { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; }, { address = \"198.18.1.11:8080\"; } ); },\n" \
	"  { name = \"api\"; backends = ( { address = \"198.18.1.12:8080\"; } ); } );\n" \
	"tunnels = (\n"                                                       \
	"  { name = \"t0\"; type = \"direct\"; target = \"198.18.2.1:9000\"; },\n" \
	"  { name = \"t1\"; type = \"direct\"; target = \"198.18.2.2:9000\"; },\n" \
	"  { name = \"t2\"; type = \"direct\"; target = \"198.18.2.3:9000\"; } );\n" \
	"previews = { domain = \"pv.test\"; };\n"

#define MAX_REQ 400

static uint64_t rng = 7;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)((rng >> 33) % n);
}

struct sbuf {
	char p[1 << 20];
	size_t len;
};

static void put(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, sizeof(b->p) - b->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(b->p) - b->len);
	b->len += (size_t)n;
}

/* One random intercept group named i<N>. Small value spaces, so that
 * conflicts, duplicate previews and shared subjects come up often. */
static unsigned vrange = 40;        /* values drawn from 0..vrange-1 */

static void gen_intercept(struct sbuf *b, unsigned n)
{
	const char *svc = rnd(4) == 0 ? "api" : "web";
	unsigned k = rnd(100), v = rnd(vrange);

	put(b, "{ name = \"i%u\"; service = \"%s\"; tunnel = \"t%u\"; ", n, svc, rnd(3));
	if (k < 45)
		put(b, "headers = ( { name = \"x-telepresence-intercept-id\"; value = \"s:%u\"; } ); ", v);
	else if (k < 55)
		put(b, "headers = ( { baggage = \"devid\"; value = \"d%u\"; } ); ", v);
	else if (k < 62)
		put(b, "headers = ( { name = \"x-user\"; regex = \"^r%u-[a-z]+$\"; } ); ", v);
	else if (k < 68)
		put(b, "headers = ( { name = \"x-env\"; prefix = \"f%u-\"; } ); ", v);
	else if (k < 72)
		put(b, "headers = ( { name = \"x-p%u\"; present = true; } ); ", v % 4);
	else if (k < 80)
		put(b, "headers = ( { name = \"x-telepresence-intercept-id\"; value = \"s:%u\"; }, "
		       "{ name = \"x-t\"; value = \"%u\"; } ); path_prefix = \"/p%u/\"; ",
		    v, rnd(3), v % 5);
	else if (k < 84)
		put(b, "path_prefix = \"/p%u/\"; ", v);
	else if (k < 87)
		put(b, "path_equal = \"/e%u\"; ", v);
	else if (k < 90)
		put(b, "path_regex = \"^/rx%u/[0-9]+$\"; ", v);
	else if (k < 92)
		put(b, "preview = \"pv%u\"; ", v % 8);           /* preview only */
	else if (k < 94)
		;                                        /* global */
	else if (k < 96)
		put(b, "headers = ( { name = \"x-user\"; regex = \"(r%u\"; } ); ", v); /* bad */
	else if (k < 98)
		put(b, "headers = ( { name = \"x-telepresence-intercept-id\"; value = \"s:%u\"; } ); "
		       "preview = \"pv%u\"; ", v, v % 8);
	else
		put(b, "headers = ( { name = \"x-telepresence-intercept-id\"; value = \"s:%u\"; } ); "
		       "tunnel_typo = 1; ", v);          /* unknown key */
	put(b, "}");
}

/* The header lines (and path, host) that satisfy intercept IN. */
static void satisfy(const struct conf_intercept *in, char *lines, size_t len,
		    const char **path, char *host, size_t hlen)
{
	size_t o = strlen(lines);
	static char pbuf[8][128];
	static unsigned pi;

	for (unsigned k = 0; k < in->n_matchers; k++) {
		const struct conf_matcher *m = &in->matchers[k];
		char v[128];
		switch (m->kind) {
		case CONF_MATCH_VALUE:
			snprintf(v, sizeof(v), "%s", m->arg);
			break;
		case CONF_MATCH_PREFIX:
			snprintf(v, sizeof(v), "%sq", m->arg);
			break;
		case CONF_MATCH_REGEX:       /* "^rN-[a-z]+$" -> "rN-abc" */
			snprintf(v, sizeof(v), "%.*sabc", (int)(strlen(m->arg) - 8),
				 m->arg + 1);
			break;
		default:
			snprintf(v, sizeof(v), "yes");
			break;
		}
		if (m->name)
			o += (size_t)snprintf(lines + o, len - o, "%s: %s\r\n", m->name, v);
		else
			o += (size_t)snprintf(lines + o, len - o, "baggage: a=1,%s=%s\r\n",
					      m->baggage, v);
	}
	char *p = pbuf[pi++ % 8];
	switch (in->path_kind) {
	case CONF_PATH_EQUAL:
		snprintf(p, 128, "%s", in->path);
		*path = p;
		break;
	case CONF_PATH_PREFIX:
		snprintf(p, 128, "%sz", in->path);
		*path = p;
		break;
	case CONF_PATH_REGEX:        /* "^/rxN/[0-9]+$" -> "/rxN/12" */
		snprintf(p, 128, "%.*s12", (int)(strlen(in->path) - 8), in->path + 1);
		*path = p;
		break;
	default:
		break;
	}
	if (in->service == 1)
		snprintf(host, hlen, "api.test");
	if (in->preview && rnd(3) == 0)
		snprintf(host, hlen, "%s.pv.test", in->preview);
}

struct reqs {
	char text[MAX_REQ][1024];
	unsigned n;
};

/* Requests aimed at C's intercepts, alone and two at a time, and a few
 * at nothing. */
static void gen_requests(const struct steer_conf *c, struct reqs *r)
{
	r->n = 0;
	while (r->n < MAX_REQ) {
		char lines[800] = "", host[96] = "www.test";
		const char *path = "/";
		unsigned pick = rnd(10);
		if (c->n_intercepts > 0 && pick < 9) {
			satisfy(c->intercepts[rnd(c->n_intercepts)], lines, sizeof(lines),
				&path, host, sizeof(host));
			if (pick < 3)
				satisfy(c->intercepts[rnd(c->n_intercepts)], lines,
					sizeof(lines), &path, host, sizeof(host));
		}
		snprintf(r->text[r->n++], sizeof(r->text[0]),
			 "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, host, lines);
	}
}

static void decide_all(const struct ruleset *rs, const struct reqs *r,
		       struct rs_decision *out)
{
	struct rs_scratch *s = rs_scratch_alloc(rs, NULL);

	assert_non_null(s);
	for (unsigned i = 0; i < r->n; i++) {
		struct http_req req;
		http_req_init(&req);
		int n = http_parse_request(&req, r->text[i], strlen(r->text[i]));
		if (n <= 0)
			fail_msg("request %u does not parse: %s", i, r->text[i]);
		assert_int_equal(rs_decide(rs, s, 0, &req, 77u * i, &out[i]), 0);
	}
	rs_scratch_free(s);
}

static void same_decisions(const struct reqs *r, const struct rs_decision *a,
			   const struct rs_decision *b, unsigned step)
{
	for (unsigned i = 0; i < r->n; i++) {
		const struct rs_decision *x = &a[i], *y = &b[i];
		bool same = x->target == y->target && x->why == y->why &&
			    x->service == y->service && x->intercept == y->intercept &&
			    x->tunnel == y->tunnel && x->backend == y->backend &&
			    x->n_inject == y->n_inject;
		for (unsigned k = 0; same && k < x->n_inject; k++)
			same = x->inject[k].value_len == y->inject[k].value_len &&
			       memcmp(x->inject[k].value, y->inject[k].value,
				      x->inject[k].value_len) == 0;
		if (!same)
			fail_msg("step %u, request %u: derived says target %d intercept %d "
				 "tunnel %d, compiled says target %d intercept %d tunnel %d:\n%s",
				 step, i, x->target, x->intercept, x->tunnel, y->target,
				 y->intercept, y->tunnel, r->text[i]);
	}
}

/* The reference: the same change through the configuration's text. */
static struct ruleset *reference(const struct steer_conf *c, const char *add,
				 const char *drop, char *err, size_t errlen)
{
	struct conf_edit e = { .add_intercept = add, .drop_intercept = drop };
	char *text = conf_dump(c, &e, err, errlen);

	assert_non_null(text);
	struct steer_conf *nc = conf_load_string(text, "running-config", err, errlen);
	free(text);
	if (nc == NULL)
		return NULL;
	struct ruleset *rs = rs_compile(nc, err, errlen);
	if (rs == NULL)
		conf_free(nc);
	return rs;
}

/* BIG: a base of that many exact ids (and a few of each other kind, from
 * a wide value range) instead of 40 random intercepts, so the copied hash
 * tables are large, grow and wrap. */
static void run_sequence(unsigned big, unsigned steps, unsigned min_accepted,
			 unsigned min_refused, unsigned min_removed)
{
	static struct sbuf b;
	static struct reqs reqs;
	static struct rs_decision da[MAX_REQ], db[MAX_REQ];
	char err[1024], rerr[1024];
	unsigned next = 0, accepted = 0, refused = 0, removed = 0;

	/* A base of up to 40 random intercepts, each kept if the file
	 * with it still compiles. */
	b.len = 0;
	put(&b, "%sintercepts = (\n", BASE_CONF);
	bool first = true;
	for (unsigned i = 0; i < big; i++) {
		put(&b, "%s{ name = \"i%u\"; service = \"%s\"; tunnel = \"t%u\"; headers = ( "
		    "{ name = \"x-telepresence-intercept-id\"; value = \"s:%u\"; } ); }",
		    first ? "" : ",\n", next, i % 3 ? "web" : "api", i % 3, 1000 + i);
		next++;
		first = false;
	}
	for (unsigned i = 0; i < (big ? 0 : 40); i++) {
		size_t mark = b.len;
		put(&b, "%s", first ? "" : ",\n");
		gen_intercept(&b, next++);
		put(&b, ");\n");
		struct steer_conf *c = conf_load_string(b.p, "base.conf", err, sizeof(err));
		struct ruleset *t = c ? rs_compile(c, err, sizeof(err)) : NULL;
		if (t == NULL)
			conf_free(c);
		rs_free(t);
		b.len = t ? b.len - 3 : mark;
		b.p[b.len] = '\0';
		first = first && t == NULL;
	}
	put(&b, ");\n");
	struct steer_conf *c0 = conf_load_string(b.p, "base.conf", err, sizeof(err));
	assert_non_null(c0);
	struct ruleset *cur = rs_compile(c0, err, sizeof(err));
	assert_non_null(cur);

	for (unsigned step = 0; step < steps; step++) {
		const struct steer_conf *c = rs_conf(cur);
		struct sbuf add = { .len = 0 };
		int drop = -1;
		char dname[64] = "";
		bool do_add = c->n_intercepts == 0 || rnd(5) < 3;

		if (do_add) {
			/* now and then a name that exists already */
			gen_intercept(&add, c->n_intercepts && rnd(20) == 0 ?
				      (unsigned)atoi(c->intercepts[rnd(c->n_intercepts)]->name + 1) :
				      next++);
		} else {
			drop = (int)rnd(c->n_intercepts);
			snprintf(dname, sizeof(dname), "%s", c->intercepts[drop]->name);
		}
		struct ruleset *ref = reference(c, do_add ? add.p : NULL,
						do_add ? NULL : dname, rerr, sizeof(rerr));
		struct steer_conf *nc = conf_derive(c, do_add ? add.p : NULL, drop,
						    err, sizeof(err));
		struct ruleset *rs = NULL;
		if (nc != NULL) {
			rs = rs_derive(cur, nc, drop, do_add, err, sizeof(err));
			if (rs == NULL)
				conf_free(nc);
		}
		if ((rs == NULL) != (ref == NULL))
			fail_msg("step %u: derived %s (%s), compiled %s (%s) for %s",
				 step, rs ? "accepts" : "refuses", err,
				 ref ? "accepts" : "refuses", rerr,
				 do_add ? add.p : dname);
		gen_requests(ref ? rs_conf(ref) : c, &reqs);
		if (rs == NULL) {
			/* refused whole, with a message; the running rules
			 * still decide as a fresh compile of them */
			assert_true(err[0] != '\0');
			refused++;
			struct ruleset *again = reference(c, NULL, NULL, rerr, sizeof(rerr));
			assert_non_null(again);
			decide_all(cur, &reqs, da);
			decide_all(again, &reqs, db);
			same_decisions(&reqs, da, db, step);
			rs_free(again);
			continue;
		}
		char *ta = conf_dump(rs_conf(rs), NULL, err, sizeof(err));
		char *tb = conf_dump(rs_conf(ref), NULL, err, sizeof(err));
		assert_non_null(ta);
		assert_non_null(tb);
		if (strcmp(ta, tb) != 0)
			fail_msg("step %u: dumps differ", step);
		free(ta);
		free(tb);
		decide_all(rs, &reqs, da);
		decide_all(ref, &reqs, db);
		same_decisions(&reqs, da, db, step);
		assert_int_equal(rs_find_intercept(rs, do_add ? rs_conf(rs)->intercepts[
			rs_conf(rs)->n_intercepts - 1]->name : dname),
			do_add ? (int)rs_conf(rs)->n_intercepts - 1 : -1);
		rs_free(ref);
		/* as dp_publish() does once RS is in force */
		rs_adopt(rs, cur);
		rs_free(cur);
		cur = rs;
		accepted++;
		removed += !do_add;
	}
	/* the sequence exercised both outcomes and both kinds of change */
	assert_true(accepted > min_accepted);
	assert_true(refused > min_refused);
	assert_true(removed > min_removed);
	rs_free(cur);
}

static void random_changes_decide_as_a_full_compile(void **state)
{
	(void)state;
	rng = 7;
	run_sequence(0, 300, 60, 15, 30);
}

static void random_changes_to_thousands_decide_as_a_full_compile(void **state)
{
	(void)state;
	rng = 11;
	run_sequence(2000, 50, 20, 2, 8);
}

/* What conf_derive() refuses before any ruleset is built, with the
 * loader's messages where the loader has one. */
static void derive_refuses_malformed_changes(void **state)
{
	(void)state;
	static const struct { const char *add; int drop; int err; const char *msg, *why; } cases[] = {
		{ "{ name = \"a\"; service = \"web\"; tunnel = \"t0\"; }, "
		  "{ name = \"b\"; service = \"web\"; tunnel = \"t0\"; }", -1, EINVAL,
		  "intercept.add:1: one intercept at a time, not 2", "two groups in one add" },
		{ "{ name = \"a\"; service = \"web\"; tunnel = \"t0\"; } ); x = ( 1", -1, EINVAL,
		  "intercept.add:1: unknown key 'x' in an added intercept", "text past the group" },
		{ "{ name = \"a\"; service = \"web\"; tunnel = \"t0\"; }\n@include \"/etc/passwd\"",
		  -1, EINVAL, "@include is not supported", "an include" },
		{ "{ name = \"a\"; service = \"web\"; tunnel = \"t9\"; }", -1, EINVAL,
		  "intercept.add:1: unknown tunnel 't9'", "the loader's reference check" },
		{ "{ name = \"a b\"; service = \"web\"; tunnel = \"t0\"; }", -1, EINVAL,
		  "intercept.add:1: ", "the loader's name check" },
		{ "{ name = \"a\"; service = \"web\"; tunnel = \"t0\"; preview = \"x\"; "
		  "headers = ( { name = \"x-a\"; value = \"1\"; }, { name = \"x-a\"; } ); }",
		  -1, EINVAL, "intercept.add:1: header matcher #2", "the loader's matcher check" },
		{ NULL, 5, EINVAL, "no intercept #5", "removing past the end" },
	};
	char err[512];
	struct steer_conf *c = conf_load_string(BASE_CONF
		"intercepts = ( { name = \"i0\"; service = \"web\"; tunnel = \"t0\"; } );\n",
		"base.conf", err, sizeof(err));

	assert_non_null(c);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errno = 0;
		struct steer_conf *nc = conf_derive(c, cases[i].add, cases[i].drop, err,
						    sizeof(err));
		if (nc != NULL || errno != cases[i].err || strstr(err, cases[i].msg) == NULL)
			fail_msg("case %u (%s): got %s, errno %d, '%s'; want '%s'", i,
				 cases[i].why, nc ? "a configuration" : "NULL", errno, err,
				 cases[i].msg);
	}
	/* a derived configuration, not adopted, owns nothing to derive from */
	struct steer_conf *nc = conf_derive(c, NULL, 0, err, sizeof(err));
	assert_non_null(nc);
	assert_int_equal(nc->n_intercepts, 0);
	assert_null(conf_derive(nc, NULL, -1, err, sizeof(err)));
	assert_int_equal(errno, EBUSY);
	conf_free(nc);            /* frees only its own: C is whole */
	assert_string_equal(c->intercepts[0]->name, "i0");
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_changes_decide_as_a_full_compile),
		cmocka_unit_test(random_changes_to_thousands_decide_as_a_full_compile),
		cmocka_unit_test(derive_refuses_malformed_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

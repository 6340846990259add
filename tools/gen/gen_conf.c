/* Loading steer-gen's libconfig file (see gen_conf.h). */
#include <arpa/inet.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_conf.h"
#include "gen_pace.h"

int gen_parse_addr(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[32];
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	struct in_addr a;

	if (n >= sizeof(buf) || (port != NULL) != (colon != NULL))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	if (port) {
		char *end;
		long p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return -1;
		*port = (uint16_t)p;
	}
	return 0;
}

int gen_parse_classes(const char *s, bool *per_connection)
{
	if (strcmp(s, "request") == 0)
		*per_connection = false;
	else if (strcmp(s, "connection") == 0)
		*per_connection = true;
	else
		return -1;
	return 0;
}

int gen_parse_percent(double pct, int *permille)
{
	if (!(pct >= 0.0 && pct <= 100.0))
		return -1;
	/* 99.7 is not exact in binary: round to the nearest tenth. */
	*permille = (int)(pct * 10.0 + 0.5);
	return 0;
}

#define FAIL(set, ...) do { \
	int l_ = snprintf(err, errlen, "%s:%d: ", path, \
			  (set) ? config_setting_source_line(set) : 0); \
	snprintf(err + l_, errlen - (size_t)l_, __VA_ARGS__); \
	goto out; \
} while (0)

static bool get_str(const config_setting_t *g, const char *k, char *dst, size_t cap)
{
	const char *v;

	if (!config_setting_lookup_string(g, k, &v) || strlen(v) >= cap)
		return false;
	strcpy(dst, v);
	return true;
}

static void get_uint(const config_setting_t *g, const char *k, unsigned *dst)
{
	int v;

	if (config_setting_lookup_int(g, k, &v) && v >= 0)
		*dst = (unsigned)v;
}

int gen_conf_load(struct gen_conf *c, const char *path, char *err, size_t errlen)
{
	config_t cf;
	config_setting_t *s, *g;
	char buf[256];
	int ret = -1;

	memset(c, 0, sizeof(*c));
	c->run = (struct gen_run){ .duration_s = 10, .concurrency = 256,
				   .requests = 1, .response_body = 256,
				   .timeout_ms = 5000,
				   .slowloris_interval_ms = 1000,
				   .min_success_pm = -1 };
	gen_cidr_parse(GEN_SPOOF_ALLOWED, &c->run.flood_src);
	strcpy(c->echo_header, "x-telepresence-intercept-id");
	config_init(&cf);
	if (!config_read_file(&cf, path)) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cf),
			 config_error_text(&cf));
		goto out;
	}
	s = config_lookup(&cf, "eal");
	for (int i = 0; s && i < config_setting_length(s); i++) {
		const char *a = config_setting_get_string_elem(s, i);
		if (a == NULL || c->n_eal == GEN_MAX_EAL)
			FAIL(s, "'eal' must be at most %d strings", GEN_MAX_EAL);
		c->eal[c->n_eal++] = strdup(a);
	}
	g = config_lookup(&cf, "edge");
	if (g == NULL || !get_str(g, "device", c->edge_dev, sizeof(c->edge_dev)))
		FAIL(g, "'edge' needs a 'device'");
	if (!get_str(g, "router", buf, sizeof(buf)) ||
	    gen_parse_addr(buf, &c->edge_router, NULL))
		FAIL(g, "'edge.router' must be an address");
	if (!get_str(g, "listener", buf, sizeof(buf)) ||
	    gen_parse_addr(buf, &c->listener_ip, &c->listener_port))
		FAIL(g, "'edge.listener' must be a.b.c.d:port");
	if (!get_str(g, "clients", buf, sizeof(buf)) || strchr(buf, '-') == NULL)
		FAIL(g, "'edge.clients' must be \"first-last\"");
	*strchr(buf, '-') = 0;
	if (gen_parse_addr(buf, &c->client_first, NULL) ||
	    gen_parse_addr(buf + strlen(buf) + 1, &c->client_last, NULL) ||
	    c->client_last < c->client_first || c->client_last - c->client_first > 65535)
		FAIL(g, "'edge.clients' must be \"first-last\", at most 65536 addresses");
	g = config_lookup(&cf, "inner");
	if (g == NULL || !get_str(g, "device", c->inner_dev, sizeof(c->inner_dev)))
		FAIL(g, "'inner' needs a 'device'");
	if (!get_str(g, "router", buf, sizeof(buf)) ||
	    gen_parse_addr(buf, &c->inner_router, NULL))
		FAIL(g, "'inner.router' must be an address");
	if (get_str(g, "vtep", buf, sizeof(buf)) && gen_parse_addr(buf, &c->vtep_ip, NULL))
		FAIL(g, "'inner.vtep' must be an address");
	get_str(cf.root, "echo_header", c->echo_header, sizeof(c->echo_header));

	s = config_lookup(&cf, "servers");
	for (int i = 0; s && i < config_setting_length(s); i++) {
		g = config_setting_get_elem(s, (unsigned)i);
		if (c->mix.n_servers == GEN_MAX_SERVERS)
			FAIL(g, "at most %d servers", GEN_MAX_SERVERS);
		struct gen_server *sv = &c->mix.server[c->mix.n_servers++];
		if (!get_str(g, "name", sv->name, sizeof(sv->name)) ||
		    !get_str(g, "group", sv->group, sizeof(sv->group)))
			FAIL(g, "a server needs a 'name' and a 'group' (< %d chars)", GEN_NAME_MAX);
		if (!get_str(g, "address", buf, sizeof(buf)) ||
		    gen_parse_addr(buf, &sv->ip, &sv->port))
			FAIL(g, "server '%s': 'address' must be a.b.c.d:port", sv->name);
		int vni;
		if (config_setting_lookup_int(g, "vni", &vni)) {
			if (vni < 0 || vni > 0xffffff || c->vtep_ip == 0)
				FAIL(g, "server '%s': 'vni' must be 0..16777215, with inner.vtep set", sv->name);
			sv->vxlan = true;
			sv->vni = (uint32_t)vni;
		}
	}
	s = config_lookup(&cf, "mix");
	for (int i = 0; s && i < config_setting_length(s); i++) {
		g = config_setting_get_elem(s, (unsigned)i);
		if (c->mix.n_entries == GEN_MAX_MIX)
			FAIL(g, "at most %d mix entries", GEN_MAX_MIX);
		struct gen_mix_entry *e = &c->mix.entry[c->mix.n_entries++];
		e->weight = 1;
		strcpy(e->method, "GET");
		strcpy(e->path, "/");
		if (!get_str(g, "name", e->name, sizeof(e->name)) ||
		    !get_str(g, "host", e->host, sizeof(e->host)) ||
		    !get_str(g, "expect", e->expect, sizeof(e->expect)))
			FAIL(g, "a mix entry needs 'name', 'host' and 'expect'");
		get_uint(g, "weight", &e->weight);
		get_uint(g, "body", &e->body);
		get_str(g, "method", e->method, sizeof(e->method));
		get_str(g, "path", e->path, sizeof(e->path));
		get_str(g, "echo", e->echo, sizeof(e->echo));
		config_setting_t *h = config_setting_lookup(g, "headers");
		for (int j = 0; h && j < config_setting_length(h); j++) {
			const char *line = config_setting_get_string_elem(h, j);
			size_t used = strlen(e->extra);
			if (line == NULL || used + strlen(line) + 3 > sizeof(e->extra))
				FAIL(h, "mix entry '%s': 'headers' must be strings, %zu bytes in all",
				     e->name, sizeof(e->extra) - 1);
			snprintf(e->extra + used, sizeof(e->extra) - used, "%s\r\n", line);
		}
	}
	g = config_lookup(&cf, "run");
	if (g) {
		unsigned conns = 0;
		get_uint(g, "duration_s", &c->run.duration_s);
		get_uint(g, "connections", &conns);
		c->run.connections = conns;
		get_uint(g, "concurrency", &c->run.concurrency);
		get_uint(g, "rate", &c->run.rate);
		get_uint(g, "requests", &c->run.requests);
		get_uint(g, "response_body", &c->run.response_body);
		get_uint(g, "timeout_ms", &c->run.timeout_ms);
		get_uint(g, "syn_flood", &c->run.syn_flood);
		get_uint(g, "flood_duration_s", &c->run.flood_duration_s);
		get_uint(g, "slowloris", &c->run.slowloris);
		get_uint(g, "slowloris_interval_ms", &c->run.slowloris_interval_ms);
		if (get_str(g, "flood_src", buf, sizeof(buf)) &&
		    gen_cidr_parse(buf, &c->run.flood_src) != 0)
			FAIL(config_setting_lookup(g, "flood_src"),
			     "'run.flood_src' must be a.b.c.d/len without host bits");
		double pct;
		if (config_setting_lookup_float(g, "min_success", &pct)) {
			if (gen_parse_percent(pct, &c->run.min_success_pm) != 0)
				FAIL(config_setting_lookup(g, "min_success"),
				     "'run.min_success' must be 0.0..100.0");
		}
		config_setting_t *k = config_setting_lookup(g, "classes");
		const char *v = k ? config_setting_get_string(k) : NULL;
		if (k && (v == NULL || gen_parse_classes(v, &c->run.per_connection)))
			FAIL(k, "'run.classes' must be \"request\" or \"connection\"");
	}
	if (gen_mix_check(&c->mix, buf, sizeof(buf)) != 0)
		FAIL(config_lookup(&cf, "mix"), "%s", buf);
	ret = 0;
out:
	config_destroy(&cf);
	if (ret != 0)
		gen_conf_free(c);
	return ret;
}

void gen_conf_free(struct gen_conf *c)
{
	for (unsigned i = 0; i < c->n_eal; i++)
		free(c->eal[i]);
	c->n_eal = 0;
}

int gen_conf_check_attacks(const struct gen_conf *c, char *err, size_t errlen)
{
	const struct gen_run *r = &c->run;

	if (r->syn_flood) {
		if (r->syn_flood > GEN_PACE_MAX_RATE) {
			snprintf(err, errlen, "--syn-flood is at most %u SYNs/s", GEN_PACE_MAX_RATE);
			return -1;
		}
		if (r->duration_s == 0) {
			snprintf(err, errlen, "--syn-flood needs a duration of at least 1 s");
			return -1;
		}
		if (gen_spoof_check(&r->flood_src, c->listener_ip, c->client_first,
				    c->client_last, err, errlen) != 0)
			return -1;
	}
	if (r->slowloris) {
		if (r->slowloris > GEN_SLOW_MAX) {
			snprintf(err, errlen, "--slowloris is at most %u connections", GEN_SLOW_MAX);
			return -1;
		}
		if (r->slowloris_interval_ms < 10 || r->slowloris_interval_ms > 600000) {
			snprintf(err, errlen, "--slowloris-interval must be 10..600000 ms");
			return -1;
		}
		if (gen_target_check(c->listener_ip, err, errlen) != 0)
			return -1;
	}
	return 0;
}

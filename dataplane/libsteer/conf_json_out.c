/* Services, listeners and previews as etcd's JSON objects, and a backend
 * edit inside one (conf_json_out.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_json_out.h"
#include "maglev.h"

static void put_addr(struct jw *w, const char *key, uint32_t ip, uint16_t port)
{
	char s[32];

	snprintf(s, sizeof(s), "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255, port);
	jw_key(w, key);
	jw_str(w, s);
}

static void put_uint(struct jw *w, const char *key, unsigned long long v)
{
	jw_key(w, key);
	jw_uint(w, v);
}

static void put_str(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s);
}

void conf_json_put_service(struct jw *w, const struct steer_conf *c, unsigned i)
{
	const struct conf_service *s = &c->services[i];
	uint32_t need = 100u * s->n_backends;
	uint32_t dflt = need > MAGLEV_DEFAULT_SIZE ? maglev_next_prime(need) :
			MAGLEV_DEFAULT_SIZE;

	jw_obj_begin(w);
	put_str(w, "name", s->name);
	/* the loader's own choice is left to the loader, so that the table
	 * grows with backends added later, as in a file */
	if (s->maglev_size != dflt)
		put_uint(w, "maglev_size", s->maglev_size);
	if (s->retries != CONF_RETRIES)
		put_uint(w, "retries", s->retries);
	if (s->queue_ms != CONF_QUEUE_MS)
		put_uint(w, "queue_ms", s->queue_ms);
	if (s->health.enabled) {
		const struct conf_health *h = &s->health;
		jw_key(w, "health");
		jw_obj_begin(w);
		put_str(w, "path", h->path);
		put_uint(w, "interval_ms", h->interval_ms);
		put_uint(w, "timeout_ms", h->timeout_ms);
		put_uint(w, "rise", h->rise);
		put_uint(w, "fall", h->fall);
		if (h->port)
			put_uint(w, "port", h->port);
		if (h->host)
			put_str(w, "host", h->host);
		jw_obj_end(w);
	}
	jw_key(w, "backends");
	jw_arr_begin(w);
	for (unsigned j = 0; j < s->n_backends; j++) {
		const struct conf_backend *b = &s->backends[j];
		jw_obj_begin(w);
		put_addr(w, "address", b->ip, b->port);
		put_uint(w, "weight", b->weight);
		if (b->drained) {
			jw_key(w, "drain");
			jw_bool(w, true);
		}
		if (b->max_conns) {
			put_uint(w, "max_conns", b->max_conns);
			if (b->max_queue != CONF_MAX_QUEUE)
				put_uint(w, "max_queue", b->max_queue);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

void conf_json_put_listener(struct jw *w, const struct steer_conf *c, unsigned i)
{
	const struct conf_listener *l = &c->listeners[i];

	jw_obj_begin(w);
	put_str(w, "name", l->name);
	put_addr(w, "address", l->ip, l->port);
	put_str(w, "default_service", c->services[l->default_service].name);
	if (l->routing == CONF_ROUTING_CONNECTION)
		put_str(w, "routing", "connection");
	jw_key(w, "routes");
	jw_arr_begin(w);
	for (unsigned j = 0; j < l->n_routes; j++) {
		const struct conf_lroute *r = &l->routes[j];
		jw_obj_begin(w);
		if (r->host)
			put_str(w, "host", r->host);
		if (r->host_suffix)
			put_str(w, "host_suffix", r->host_suffix);
		if (r->path_prefix)
			put_str(w, "path_prefix", r->path_prefix);
		put_str(w, "service", c->services[r->service].name);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

void conf_json_put_previews(struct jw *w, const struct steer_conf *c)
{
	jw_obj_begin(w);
	if (c->previews.domain)
		put_str(w, "domain", c->previews.domain);
	put_str(w, "header", c->previews.header);
	jw_obj_end(w);
}

void conf_json_copy(struct jw *w, const struct json_node *nodes,
		    const struct json_node *n, const char *const *skip)
{
	char s[4096];
	long long iv;

	switch (n->type) {
	case JSON_NULL: jw_null(w); return;
	case JSON_BOOL: jw_bool(w, n->boolean); return;
	case JSON_NUMBER:
		if (json_int(n, &iv)) {
			jw_int(w, iv);
		} else {
			snprintf(s, sizeof(s), "%.17g", n->number);
			jw_raw(w, s, strlen(s));
		}
		return;
	case JSON_STRING:
		if (json_str_copy(n, s, sizeof(s)) < 0)
			w->failed = true;
		else
			jw_str(w, s);
		return;
	case JSON_ARRAY:
	case JSON_OBJECT:
		break;
	}
	if (n->type == JSON_ARRAY)
		jw_arr_begin(w);
	else
		jw_obj_begin(w);
	for (uint32_t i = 0; i < n->n_children; i++) {
		const struct json_node *c = json_child(nodes, n, i);
		if (n->type == JSON_OBJECT) {
			bool skipped = false;
			snprintf(s, sizeof(s), "%.*s", (int)c->key_len, c->key);
			for (unsigned k = 0; skip && skip[k]; k++)
				skipped |= strcmp(s, skip[k]) == 0;
			if (skipped)
				continue;
			jw_key(w, s);
		}
		conf_json_copy(w, nodes, c, NULL);
	}
	if (n->type == JSON_ARRAY)
		jw_arr_end(w);
	else
		jw_obj_end(w);
}

/* "a.b.c.d:port" into IP, PORT; false if it is not one. */
static bool parse_addr(const char *s, uint32_t *ip, uint16_t *port)
{
	unsigned a, b, c, d, p;
	char end;

	if (sscanf(s, "%3u.%3u.%3u.%3u:%5u%c", &a, &b, &c, &d, &p, &end) != 5 ||
	    a > 255 || b > 255 || c > 255 || d > 255 || p > 65535)
		return false;
	*ip = a << 24 | b << 16 | c << 8 | d;
	*port = (uint16_t)p;
	return true;
}

int conf_json_backend_edit(const char *value, size_t len, enum conf_backend_op op,
			   uint32_t ip, uint16_t port, uint32_t weight,
			   struct jw *w, char *err, size_t errlen)
{
	static const char *const skip_be[] = { "backends", NULL };
	static const char *const skip_drain[] = { "drain", NULL };
	static struct json_node nodes[16384];
	const struct json_node *be, *root = &nodes[0];
	const char *jerr;
	bool found = false;

	if (json_parse(value, len, nodes, 16384, &jerr) < 0 || root->type != JSON_OBJECT) {
		snprintf(err, errlen, "the service is not a JSON object");
		return -EINVAL;
	}
	be = json_get(nodes, root, "backends");
	if (be != NULL && be->type != JSON_ARRAY) {
		snprintf(err, errlen, "the service's backends are not a list");
		return -EINVAL;
	}
	/* the members but backends, then the edited backends */
	struct jw head;
	jw_init(&head);
	conf_json_copy(&head, nodes, root, skip_be);
	if (head.failed || head.len < 2) {
		jw_free(&head);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	jw_raw(w, head.buf, head.len - 1);          /* without its '}' */
	w->need_comma = head.len > 2;               /* "{}": no member yet */
	jw_free(&head);
	jw_key(w, "backends");
	jw_arr_begin(w);
	for (uint32_t i = 0; be && i < be->n_children; i++) {
		const struct json_node *b = json_child(nodes, be, i);
		const struct json_node *a = json_get(nodes, b, "address");
		char s[64];
		uint32_t bip;
		uint16_t bport;
		bool mine = a != NULL && json_str_copy(a, s, sizeof(s)) >= 0 &&
			    parse_addr(s, &bip, &bport) && bip == ip && bport == port;
		found |= mine;
		if (mine && op == CONF_BE_REMOVE)
			continue;
		if (mine && op == CONF_BE_DRAIN) {
			struct jw d;
			jw_init(&d);
			conf_json_copy(&d, nodes, b, skip_drain);
			if (d.failed || d.len < 2) {
				jw_free(&d);
				snprintf(err, errlen, "out of memory");
				return -ENOMEM;
			}
			jw_raw(w, d.buf, d.len - 1);
			w->need_comma = d.len > 2;
			jw_free(&d);
			jw_key(w, "drain");
			jw_bool(w, true);
			jw_obj_end(w);
			continue;
		}
		conf_json_copy(w, nodes, b, NULL);
	}
	char a[32];
	snprintf(a, sizeof(a), "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255,
		 (ip >> 8) & 255, ip & 255, port);
	if (op == CONF_BE_ADD) {
		if (found) {
			snprintf(err, errlen, "the service already has backend %s", a);
			return -EEXIST;
		}
		jw_obj_begin(w);
		put_str(w, "address", a);
		if (weight)
			put_uint(w, "weight", weight);
		jw_obj_end(w);
	} else if (!found) {
		snprintf(err, errlen, "the service has no backend %s", a);
		return -ENOENT;
	}
	jw_arr_end(w);
	jw_obj_end(w);
	return 0;
}

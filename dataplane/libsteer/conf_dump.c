/* Writing a loaded configuration back as libconfig text, optionally with one
 * edit (an intercept, tunnel or backend added, removed or drained).
 *
 * This is how steerd applies runtime changes: dump the running config with
 * the edit, then load and compile the text exactly like a file
 * (docs/control.md, "How a change is applied"). So the dump must be
 * faithful: every key is written, defaults included, so that loading gives
 * an equal configuration whatever the defaults of the reader (keys added
 * later, a backend's drain and a listener's routing, are written only when
 * not the default, so that older readers still load the dump); and it is
 * deterministic, so that dumping the reloaded text gives the same bytes.
 * Nothing here validates: the loader does, with its file:line messages.
 *
 * This file holds what is written, section by section, and the edit; the
 * buffer and the quoting it writes with are conf_dump_out.c's.
 *
 * Control thread only (malloc). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_dump_out.h"
#include "conf_health.h"
#include "conf_overlay.h"
#include "maglev.h"

/* The line O's next byte is on, counted as the text grows (for the
 * overlay's objects, conf_overlay.h). */
struct lines {
	size_t at;
	int line;
};

static int line_now(const struct out *o, struct lines *ln)
{
	for (; o->buf != NULL && ln->at < o->len; ln->at++)
		ln->line += o->buf[ln->at] == '\n';
	return ln->line;
}

static bool hidden(const struct conf_edit *e, enum conf_okind k, const char *name)
{
	return e->overlay != NULL && conf_overlay_hides(e->overlay, k, name);
}

/* The overlay's objects of kind K, as more elements of list L. */
static void dump_overlay(struct out *o, struct list *l, const struct conf_edit *e,
			 enum conf_okind k, struct lines *ln)
{
	struct conf_overlay *ov = e->overlay;

	for (unsigned i = 0; ov != NULL && i < ov->n; i++) {
		struct conf_overlay_obj *ob = &ov->o[i];
		if (ob->kind != k)
			continue;
		list_elem(l);
		ob->line = line_now(o, ln);
		out_puts(o, ob->text);
		ob->lines = line_now(o, ln) - ob->line + 1;
	}
}

/* ---- sections ---- */

static void dump_dataplane(struct out *o, const struct conf_dataplane *d)
{
	const struct conf_timeouts *t = &d->timeouts;

	out_puts(o, "dataplane = {\n  eal = [");
	for (unsigned i = 0; i < d->n_eal; i++) {
		out_puts(o, i ? ", " : " ");
		out_lit(o, d->eal[i]);
	}
	out_puts(o, " ];\n ");
	out_uint(o, "workers", d->workers);
	out_uint(o, "max_flows", d->max_flows);
	out_uint(o, "header_max", d->header_max);
	out_uint(o, "header_buffers", d->header_buffers);
	out_puts(o, "\n  timeouts = {");
	out_uint(o, "syn_ms", t->syn_ms);
	out_uint(o, "header_ms", t->header_ms);
	out_uint(o, "connect_ms", t->connect_ms);
	/* written only when not the default (see the top of this file) */
	if (t->syn_rto_ms != CONF_SYN_RTO_MS)
		out_uint(o, "syn_rto_ms", t->syn_rto_ms);
	out_uint(o, "idle_s", t->idle_s);
	out_uint(o, "linger_ms", t->linger_ms);
	if (t->pool_idle_ms != CONF_POOL_IDLE_MS)
		out_uint(o, "pool_idle_ms", t->pool_idle_ms);
	out_puts(o, " };\n ");
	out_bool(o, "idle_backoff", d->idle_backoff);
	out_uint(o, "idle_backoff_max_us", d->idle_backoff_max_us);
	out_puts(o, "\n  syn_cookies = ");
	out_lit(o, d->syn_cookies == CONF_COOKIES_ALWAYS ? "always" :
		   d->syn_cookies == CONF_COOKIES_NEVER ? "never" : "auto");
	out_puts(o, ";");
	out_uint(o, "syn_backlog", d->syn_backlog);
	if (d->pool_max != CONF_POOL_DEFAULT)
		out_uint(o, "pool_max", d->pool_max);
	out_puts(o, "\n};\n");
}

static void dump_ports(struct out *o, const struct steer_conf *c)
{
	struct list l;
	char ip[16];

	list_begin(&l, o, "", "ports");
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct conf_port *p = &c->ports[i];

		list_elem(&l);
		out_puts(o, "{");
		out_str(o, "name", p->name);
		out_str(o, "device", p->device);
		fmt_ip(ip, p->ip);
		out_printf(o, " address = \"%s/%u\"; }", ip, p->plen);
	}
	list_end(&l);
	out_puts(o, ";\n");
}

static void dump_routes(struct out *o, const struct steer_conf *c)
{
	struct list l;
	char ip[16];

	list_begin(&l, o, "", "routes");
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct conf_route *r = &c->routes[i];

		list_elem(&l);
		fmt_ip(ip, r->prefix);
		out_printf(o, "{ prefix = \"%s/%u\";", ip, r->plen);
		out_ip(o, "via", r->via);
		out_puts(o, " }");
	}
	list_end(&l);
	out_puts(o, ";\n");
}

static void dump_listeners(struct out *o, const struct steer_conf *c,
			   const struct conf_edit *e, struct lines *ln)
{
	static const char *const routing[] = {
		[CONF_ROUTING_REQUEST] = "request",
		[CONF_ROUTING_CONNECTION] = "connection",
	};
	struct list l, rl;

	list_begin(&l, o, "", "listeners");
	for (unsigned i = 0; i < c->n_listeners; i++) {
		const struct conf_listener *li = &c->listeners[i];

		if (hidden(e, CO_LISTENER, li->name))
			continue;
		list_elem(&l);
		out_puts(o, "{");
		out_str(o, "name", li->name);
		out_ip_port(o, "address", li->ip, li->port);
		out_str(o, "default_service",
			c->services[li->default_service].name);
		/* written only when not the default, like a backend's drain:
		 * dumps of configs without it stay byte for byte what they
		 * were and load in a steerd that predates the key. Sound only
		 * while the default stays "request" (docs/configuration.md). */
		if (li->routing != CONF_ROUTING_REQUEST)
			out_str(o, "routing", routing[li->routing]);
		out_puts(o, "\n    ");
		list_begin(&rl, o, "    ", "routes");
		for (unsigned j = 0; j < li->n_routes; j++) {
			const struct conf_lroute *r = &li->routes[j];

			list_elem(&rl);
			out_puts(o, "{");
			if (r->host != NULL)
				out_str(o, "host", r->host);
			if (r->host_suffix != NULL)
				out_str(o, "host_suffix", r->host_suffix);
			if (r->path_prefix != NULL)
				out_str(o, "path_prefix", r->path_prefix);
			out_str(o, "service", c->services[r->service].name);
			out_puts(o, " }");
		}
		list_end(&rl);
		out_puts(o, "; }");
	}
	dump_overlay(o, &l, e, CO_LISTENER, ln);
	list_end(&l);
	out_puts(o, ";\n");
}

/* The maglev_size the loader picks for N backends when none is given. */
static uint32_t default_maglev_size(unsigned n)
{
	uint32_t need = 100u * n;

	return need > MAGLEV_DEFAULT_SIZE ? maglev_next_prime(need) :
					    MAGLEV_DEFAULT_SIZE;
}

static void dump_backend(struct out *o, struct list *l,
			 const struct conf_backend *b)
{
	list_elem(l);
	out_puts(o, "{");
	out_ip_port(o, "address", b->ip, b->port);
	out_uint(o, "weight", b->weight);
	/* written only when set: the keys are new, and a dump without them
	 * still loads in a steerd that predates them */
	if (b->drained)
		out_bool(o, "drain", true);
	if (b->max_conns != 0) {
		out_uint(o, "max_conns", b->max_conns);
		if (b->max_queue != CONF_MAX_QUEUE)
			out_uint(o, "max_queue", b->max_queue);
	}
	out_puts(o, " }");
}

/* The backend edit applies to service SVC (or none: -1), backend BE (for
 * remove and drain). */
static void dump_services(struct out *o, const struct steer_conf *c,
			  const struct conf_edit *e, int svc, int be,
			  struct lines *ln)
{
	struct list l, bl;

	list_begin(&l, o, "", "services");
	for (unsigned i = 0; i < c->n_services; i++) {
		const struct conf_service *s = &c->services[i];
		enum conf_backend_op op = (int)i == svc ? e->backend_op : CONF_BE_NONE;
		uint32_t size = s->maglev_size;

		/* A table the loader sized by default grows with the
		 * backends, as it would have in a file: otherwise the 651st
		 * backend could never be added. An explicit size stays, and
		 * removing a backend never shrinks the table: resizing
		 * moves new flows of every backend. */
		if (op == CONF_BE_ADD && size == default_maglev_size(s->n_backends))
			size = default_maglev_size(s->n_backends + 1);
		if (hidden(e, CO_SERVICE, s->name))
			continue;
		list_elem(&l);
		out_puts(o, "{");
		out_str(o, "name", s->name);
		out_uint(o, "maglev_size", size);
		/* written only when not the default (see the top) */
		if (s->retries != CONF_RETRIES)
			out_uint(o, "retries", s->retries);
		if (s->queue_ms != CONF_QUEUE_MS)
			out_uint(o, "queue_ms", s->queue_ms);
		/* written only when present, like a backend's drain */
		char health[CONF_HEALTH_TEXT_MAX];
		if (conf_health_format(&s->health, health, sizeof(health)) < 0)
			o->failed = true;
		else
			out_puts(o, health);
		out_puts(o, "\n    ");
		list_begin(&bl, o, "    ", "backends");
		for (unsigned j = 0; j < s->n_backends; j++) {
			const struct conf_backend *b = &s->backends[j];
			bool mine = op != CONF_BE_NONE && (int)j == be;

			if (mine && op == CONF_BE_REMOVE)
				continue;
			struct conf_backend d = *b;
			d.drained |= mine && op == CONF_BE_DRAIN;
			dump_backend(o, &bl, &d);
		}
		if (op == CONF_BE_ADD) {
			const struct conf_backend a = {
				.ip = e->backend_ip, .port = e->backend_port,
				.weight = e->backend_weight ? e->backend_weight : 1,
				.max_queue = CONF_MAX_QUEUE,
			};
			dump_backend(o, &bl, &a);
		}
		list_end(&bl);
		out_puts(o, "; }");
	}
	dump_overlay(o, &l, e, CO_SERVICE, ln);
	list_end(&l);
	out_puts(o, ";\n");
}

/* Text supplied by the caller as one more element of list L. */
static void dump_added(struct out *o, struct list *l, const char *text)
{
	if (text == NULL)
		return;
	list_elem(l);
	out_puts(o, text);
}

static void dump_tunnels(struct out *o, const struct steer_conf *c,
			 const struct conf_edit *e, int drop, struct lines *ln)
{
	struct list l;

	list_begin(&l, o, "", "tunnels");
	for (unsigned i = 0; i < c->n_tunnels; i++) {
		const struct conf_tunnel *t = &c->tunnels[i];

		if ((int)i == drop || hidden(e, CO_TUNNEL, t->name))
			continue;
		list_elem(&l);
		out_puts(o, "{");
		out_str(o, "name", t->name);
		out_str(o, "type", t->type == CONF_TUNNEL_VXLAN ? "vxlan" : "direct");
		out_ip_port(o, "target", t->target_ip, t->target_port);
		/* the vxlan-only keys are an error on a direct tunnel */
		if (t->type == CONF_TUNNEL_VXLAN) {
			out_ip(o, "remote", t->remote);
			out_uint(o, "vni", t->vni);
			out_ip(o, "source", t->source);
		}
		out_bool(o, "fail_open", t->fail_open);
		out_puts(o, " }");
	}
	dump_added(o, &l, e->add_tunnel);
	dump_overlay(o, &l, e, CO_TUNNEL, ln);
	list_end(&l);
	out_puts(o, ";\n");
}

static void dump_matchers(struct out *o, const struct conf_intercept *in)
{
	static const char *const kind[] = {
		[CONF_MATCH_VALUE] = "value", [CONF_MATCH_PREFIX] = "prefix",
		[CONF_MATCH_REGEX] = "regex", [CONF_MATCH_PRESENT] = "present",
	};

	out_puts(o, " headers = (");
	for (unsigned j = 0; j < in->n_matchers; j++) {
		const struct conf_matcher *m = &in->matchers[j];

		out_puts(o, j ? ", {" : " {");
		if (m->name != NULL)
			out_str(o, "name", m->name);
		else
			out_str(o, "baggage", m->baggage);
		if (m->kind == CONF_MATCH_PRESENT)
			out_bool(o, "present", true);
		else
			out_str(o, kind[m->kind], m->arg);
		out_puts(o, " }");
	}
	out_puts(o, " );");
}

static void dump_intercepts(struct out *o, const struct steer_conf *c,
			    const struct conf_edit *e, int drop, struct lines *ln)
{
	static const char *const path_key[] = {
		[CONF_PATH_EQUAL] = "path_equal",
		[CONF_PATH_PREFIX] = "path_prefix",
		[CONF_PATH_REGEX] = "path_regex",
	};
	struct list l;

	list_begin(&l, o, "", "intercepts");
	for (unsigned i = 0; i < c->n_intercepts; i++) {
		const struct conf_intercept *in = c->intercepts[i];

		if ((int)i == drop || hidden(e, CO_INTERCEPT, in->name))
			continue;
		list_elem(&l);
		out_puts(o, "{");
		out_str(o, "name", in->name);
		out_str(o, "service", c->services[in->service].name);
		out_str(o, "tunnel", c->tunnels[in->tunnel].name);
		dump_matchers(o, in);
		if (in->path_kind != CONF_PATH_NONE)
			out_str(o, path_key[in->path_kind], in->path);
		if (in->preview != NULL)
			out_str(o, "preview", in->preview);
		out_puts(o, " }");
	}
	dump_added(o, &l, e->add_intercept);
	dump_overlay(o, &l, e, CO_INTERCEPT, ln);
	list_end(&l);
	out_puts(o, ";\n");
}

static void dump_previews(struct out *o, const struct conf_previews *p,
			  const struct conf_edit *e, struct lines *ln)
{
	struct conf_overlay *ov = e->overlay;

	if (ov != NULL && ov->previews != NULL) {
		out_puts(o, "previews =\n");
		ov->previews_line = line_now(o, ln);
		out_puts(o, ov->previews);
		ov->previews_lines = line_now(o, ln) - ov->previews_line + 1;
		out_puts(o, ";\n");
		return;
	}
	out_puts(o, "previews = {");
	/* absent domain: previews off, the only way to say so */
	if (p->domain != NULL)
		out_str(o, "domain", p->domain);
	out_str(o, "header", p->header);
	out_puts(o, " };\n");
}

static void dump_control(struct out *o, const struct conf_control *ct)
{
	out_puts(o, "control = {");
	out_str(o, "socket", ct->socket);
	/* absent group: owner-only socket, the only way to say so */
	if (ct->group != NULL)
		out_str(o, "group", ct->group);
	out_str(o, "metrics", ct->metrics);
	out_puts(o, " };\n");
}

static void dump_cluster(struct out *o, const struct conf_cluster *cl)
{
	if (cl->name == NULL)
		return;           /* no cluster: the section is absent */
	out_puts(o, "cluster = {");
	out_str(o, "name", cl->name);
	out_str(o, "etcd", cl->etcd);
	if (cl->node != NULL)
		out_str(o, "node", cl->node);
	if (cl->id != 0) {
		out_uint(o, "id", cl->id);
		out_puts(o, " nodes = (");
		for (unsigned i = 0; i < cl->n_nodes; i++) {
			out_puts(o, i ? ", {" : " {");
			out_uint(o, "id", cl->nodes[i].id);
			out_ip(o, "address", cl->nodes[i].addr);
			out_puts(o, " }");
		}
		out_puts(o, " );");
	}
	out_puts(o, " };\n");
}

/* ---- edits ---- */

static int __attribute__((format(printf, 4, 5)))
edit_fail(int e, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -e;
}

/* Resolves the names EDIT refers to into indexes (-1: none). */
static int edit_resolve(const struct steer_conf *c, const struct conf_edit *e,
			char *err, size_t errlen, int *drop_ic, int *drop_tun,
			int *svc, int *be)
{
	const struct conf_service *s;
	char ip[16];

	*drop_ic = *drop_tun = *svc = *be = -1;
	if (e->drop_intercept != NULL &&
	    (*drop_ic = conf_find_intercept(c, e->drop_intercept)) < 0)
		return edit_fail(ENOENT, err, errlen, "unknown intercept '%.63s'",
				 e->drop_intercept);
	if (e->drop_tunnel != NULL &&
	    (*drop_tun = conf_find_tunnel(c, e->drop_tunnel)) < 0)
		return edit_fail(ENOENT, err, errlen, "unknown tunnel '%.63s'",
				 e->drop_tunnel);
	switch (e->backend_op) {
	case CONF_BE_NONE:
		return 0;
	case CONF_BE_ADD:
	case CONF_BE_REMOVE:
	case CONF_BE_DRAIN:
		break;
	default:
		return edit_fail(EINVAL, err, errlen, "unknown backend operation %d",
				 (int)e->backend_op);
	}
	if (e->backend_service == NULL)
		return edit_fail(EINVAL, err, errlen, "backend operation without a service");
	if ((*svc = conf_find_service(c, e->backend_service)) < 0)
		return edit_fail(ENOENT, err, errlen, "unknown service '%.63s'",
				 e->backend_service);
	if (e->backend_op == CONF_BE_ADD)
		return 0;
	s = &c->services[*svc];
	for (unsigned j = 0; j < s->n_backends; j++)
		if (s->backends[j].ip == e->backend_ip &&
		    s->backends[j].port == e->backend_port) {
			*be = (int)j;
			return 0;
		}
	fmt_ip(ip, e->backend_ip);
	return edit_fail(ENOENT, err, errlen, "service '%s' has no backend %s:%u",
			 s->name, ip, e->backend_port);
}

char *conf_dump(const struct steer_conf *c, const struct conf_edit *edit,
		char *err, size_t errlen)
{
	static const struct conf_edit none = { .backend_op = CONF_BE_NONE };
	struct out o = { 0 };
	struct lines ln = { 0, 1 };
	int drop_ic, drop_tun, svc, be, rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (c == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if (edit == NULL)
		edit = &none;
	if ((rc = edit_resolve(c, edit, err, errlen, &drop_ic, &drop_tun,
			       &svc, &be)) != 0) {
		errno = -rc;
		return NULL;
	}
	out_puts(&o, "# Steer configuration written by conf_dump(): every key\n"
		     "# explicit, defaults included (docs/configuration.md).\n");
	dump_dataplane(&o, &c->dataplane);
	dump_ports(&o, c);
	dump_routes(&o, c);
	dump_listeners(&o, c, edit, &ln);
	dump_services(&o, c, edit, svc, be, &ln);
	dump_tunnels(&o, c, edit, drop_tun, &ln);
	dump_intercepts(&o, c, edit, drop_ic, &ln);
	dump_previews(&o, &c->previews, edit, &ln);
	dump_control(&o, &c->control);
	dump_cluster(&o, &c->cluster);
	if (o.failed) {
		free(o.buf);
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	return o.buf;
}

char *conf_dump_one(const struct steer_conf *c, enum conf_okind kind,
		    unsigned idx)
{
	static const struct conf_edit none = { .backend_op = CONF_BE_NONE };
	struct steer_conf v = *c;
	struct lines ln = { 0, 1 };
	struct out o = { 0 };

	/* C with that one object of its kind: the section's writer, then
	 * the group cut out of "KEY = (\n  { ... }\n);" */
	switch (kind) {
	case CO_TUNNEL:
		if (idx >= c->n_tunnels)
			return NULL;
		v.tunnels = &c->tunnels[idx];
		v.n_tunnels = 1;
		dump_tunnels(&o, &v, &none, -1, &ln);
		break;
	case CO_INTERCEPT:
		if (idx >= c->n_intercepts)
			return NULL;
		v.intercepts = &c->intercepts[idx];
		v.n_intercepts = 1;
		dump_intercepts(&o, &v, &none, -1, &ln);
		break;
	case CO_SERVICE:
		if (idx >= c->n_services)
			return NULL;
		v.services = &c->services[idx];
		v.n_services = 1;
		dump_services(&o, &v, &none, -1, -1, &ln);
		break;
	case CO_LISTENER:
		if (idx >= c->n_listeners)
			return NULL;
		v.listeners = &c->listeners[idx];
		v.n_listeners = 1;
		dump_listeners(&o, &v, &none, &ln);
		break;
	default:
		return NULL;
	}
	char *a = o.failed ? NULL : strchr(o.buf, '{');
	char *b = a ? strrchr(a, '}') : NULL;
	if (b == NULL) {
		free(o.buf);
		return NULL;
	}
	b[1] = '\0';
	memmove(o.buf, a, (size_t)(b - a) + 2);
	return o.buf;
}

/* steer-etcd: make one steerd follow a cluster's rules in etcd
 * (docs/scale-out.md). It reads the prefix (a range, at revision R), hands
 * the objects to steerd, then watches from R + 1 and hands over every
 * change; after a disconnect it watches again from the last revision it
 * handled, and when etcd has compacted that revision away it reads the
 * prefix again (a full resync). Every second it tells steerd how etcd is
 * (cluster.report) and keeps the node's registration under nodes/<node>
 * alive. A companion process rather than code in steerd's control thread:
 * the etcd client blocks, and steerd's main loop must not; and steerd's
 * own validate → compile → publish path is reached over the socket like
 * any steerctl edit. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "conf.h"
#include "etcd_layout.h"
#include "steer_etcd.h"
#include "steerctl-int.h"

#define NODE_TTL_S 10
#define RETRY_MS 500

static volatile sig_atomic_t stop;
static struct follower F;
static int64_t node_lease;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void etcd_ok(struct follower *f)
{
	f->last_ok_ms = now_ms();
	if (strncmp(f->last_error, "etcd", 4) == 0)
		f->last_error[0] = '\0';   /* it answers again */
}

static void etcd_down(struct follower *f, const char *err)
{
	if (strcmp(f->last_error, err) != 0)
		fprintf(stderr, "steer-etcd: %s (serving the last rules)\n", err);
	snprintf(f->last_error, sizeof(f->last_error), "%s", err);
}

static void report(struct follower *f)
{
	char err[1024];
	struct jw w;

	jw_init(&w);
	jw_obj_begin(&w);
	jw_key(&w, "cmd");
	jw_str(&w, "cluster.report");
	jw_key(&w, "cluster");
	jw_str(&w, f->cluster);
	jw_key(&w, "node");
	jw_str(&w, f->node);
	jw_key(&w, "endpoints");
	jw_str(&w, f->endpoints);
	jw_key(&w, "revision");
	jw_int(&w, f->revision);
	jw_key(&w, "refused");
	jw_uint(&w, f->refused);
	jw_key(&w, "etcd_ago_s");
	jw_int(&w, f->last_ok_ms ? (now_ms() - f->last_ok_ms) / 1000 : -1);
	jw_key(&w, "last_error");
	jw_str(&w, f->last_error);
	jw_obj_end(&w);
	char *resp = NULL;
	size_t rl = 0;
	if (!w.failed && ctl_call(f->socket, w.buf, w.len, f->timeout_ms, NULL,
				  &resp, &rl, err, sizeof(err)) < 0) {
		fprintf(stderr, "steer-etcd: steerd: %s\n", err);
	} else if (resp != NULL && strstr(resp, "\"applied\":false") != NULL &&
		   f->revision > 0) {
		/* a steerd that started after us, or reloaded its file */
		fprintf(stderr, "steer-etcd: steerd does not run the cluster's "
			"rules: sending them again\n");
		set_reapply(f);
	}
	free(resp);
	jw_free(&w);
}

/* nodes/<node> = {"revision": R, "refused": N}, under a lease that a
 * node gone silent lets expire; kept alive once a second. */
static void heartbeat(struct follower *f, bool rewrite)
{
	char key[ETCD_KEY_MAX], val[128], err[512];
	struct etcd_resp r;
	struct jw w;

	if (node_lease != 0 && !rewrite) {
		jw_init(&w);
		etcd_req_lease_id(&w, node_lease);
		int rc = etcd_call(&f->c, "/v3/lease/keepalive", w.buf, w.len, &r,
				   err, sizeof(err));
		jw_free(&w);
		if (rc < 0) {
			etcd_down(f, err);
			return;
		}
		etcd_ok(f);
		if (r.ttl > 0)
			return;
		node_lease = 0;   /* expired while etcd was away: a new one */
	}
	if (node_lease == 0) {
		jw_init(&w);
		etcd_req_lease_grant(&w, NODE_TTL_S);
		int rc = etcd_call(&f->c, "/v3/lease/grant", w.buf, w.len, &r, err,
				   sizeof(err));
		jw_free(&w);
		if (rc < 0) {
			etcd_down(f, err);
			return;
		}
		node_lease = r.id;
	}
	etcd_key(key, sizeof(key), f->cluster, EK_NODE, f->node);
	snprintf(val, sizeof(val), "{\"revision\":%lld,\"refused\":%llu}",
		 (long long)f->revision, (unsigned long long)f->refused);
	jw_init(&w);
	etcd_req_put(&w, key, val, node_lease);
	if (etcd_call(&f->c, "/v3/kv/put", w.buf, w.len, &r, err, sizeof(err)) < 0)
		etcd_down(f, err);
	else
		etcd_ok(f);
	jw_free(&w);
	etcd_resp_free(&r);
}

static int resync(struct follower *f)
{
	char err[512];
	struct etcd_resp r;
	struct jw w;

	jw_init(&w);
	etcd_req_range(&w, f->prefix, true);
	int rc = etcd_call(&f->c, "/v3/kv/range", w.buf, w.len, &r, err, sizeof(err));
	jw_free(&w);
	if (rc < 0) {
		etcd_down(f, err);
		return -1;
	}
	etcd_ok(f);
	f->revision = r.revision;
	set_resync(f, r.kvs, r.n_kvs);
	etcd_resp_free(&r);
	report(f);
	heartbeat(f, true);
	return 0;
}

/* Watch from the last revision handled + 1 until the stream breaks.
 * Returns 1 when a resync is needed (compacted), 0 to watch again. */
static int follow(struct follower *f)
{
	char err[512];
	struct etcd_stream s;
	struct jw w;
	int64_t last_beat = now_ms();
	int rc;

	jw_init(&w);
	etcd_req_watch(&w, f->prefix, f->revision + 1);
	rc = etcd_stream_open(&f->c, "/v3/watch", w.buf, w.len, &s, err, sizeof(err));
	jw_free(&w);
	if (rc < 0) {
		etcd_down(f, err);
		etcd_stream_close(&s);
		return 0;
	}
	fprintf(stderr, "steer-etcd: watching from revision %lld\n",
		(long long)f->revision + 1);
	while (!stop) {
		struct etcd_resp r;
		rc = etcd_stream_next(&s, 1000, &r, err, sizeof(err));
		if (rc == -ETIMEDOUT || now_ms() - last_beat >= 1000) {
			heartbeat(f, false);
			report(f);
			last_beat = now_ms();
		}
		if (rc == -ETIMEDOUT)
			continue;
		if (rc < 0) {
			etcd_down(f, err);
			break;
		}
		etcd_ok(f);
		if (r.compact_rev > 0 || r.canceled) {
			fprintf(stderr, "steer-etcd: revision %lld compacted away: "
				"resync\n", (long long)f->revision + 1);
			etcd_resp_free(&r);
			etcd_stream_close(&s);
			return 1;
		}
		bool changed = false;
		for (unsigned i = 0; i < r.n_kvs; i++) {
			char name[128];
			enum etcd_kind k = etcd_key_kind(f->prefix, r.kvs[i].key, name,
							 sizeof(name));
			if (!etcd_kind_is_rule(k))
				continue;
			f->revision = r.kvs[i].mod_rev;
			set_change(f, r.kvs[i].key, r.kvs[i].value);
			changed = true;
		}
		if (r.revision > f->revision && !r.created)
			f->revision = r.revision;
		etcd_resp_free(&r);
		if (changed) {
			report(f);
			heartbeat(f, true);
		}
	}
	etcd_stream_close(&s);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: steer-etcd [--config FILE] [--etcd ENDPOINTS] "
		"[--cluster NAME] [--node NAME] [--socket PATH] [--timeout S]\n"
		"--config reads the cluster section (and control.socket) of the "
		"node's configuration file.\n"
		"Makes the steerd at --socket follow the rules under "
		"/steer/<cluster>/ in etcd (docs/scale-out.md).\n");
	return 2;
}

int main(int argc, char **argv)
{
	static char host[64];
	struct follower *f = &F;
	const char *config = NULL;
	bool cluster_set = false, node_set = false, socket_set = false;
	struct steer_conf *cc = NULL;
	char err[4096];

	f->socket = CLI_SOCKET_DEFAULT;
	f->cluster = "default";
	f->timeout_ms = 2000;
	gethostname(host, sizeof(host) - 1);
	f->node = host;
	for (int i = 1; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			return usage();
		if (strcmp(o, "--etcd") == 0)
			f->endpoints = v;
		else if (strcmp(o, "--cluster") == 0)
			f->cluster = v, cluster_set = true;
		else if (strcmp(o, "--node") == 0)
			f->node = v, node_set = true;
		else if (strcmp(o, "--config") == 0)
			config = v;
		else if (strcmp(o, "--socket") == 0)
			f->socket = v, socket_set = true;
		else if (strcmp(o, "--timeout") == 0 && atof(v) > 0)
			f->timeout_ms = (int)(atof(v) * 1000);
		else
			return usage();
	}
	/* --config: the node's own file; its cluster section and control
	 * socket, unless given on the command line */
	if (config != NULL) {
		if ((cc = conf_load_file(config, err, sizeof(err))) == NULL) {
			fprintf(stderr, "steer-etcd: %s\n", err);
			return 2;
		}
		if (cc->cluster.name == NULL) {
			fprintf(stderr, "steer-etcd: %s has no cluster section\n", config);
			return 2;
		}
		if (f->endpoints == NULL)
			f->endpoints = cc->cluster.etcd;
		if (!cluster_set)
			f->cluster = cc->cluster.name;
		if (!node_set && cc->cluster.node != NULL)
			f->node = cc->cluster.node;
		if (!socket_set)
			f->socket = cc->control.socket;
	}
	if (f->endpoints == NULL || strchr(f->node, '/') != NULL)
		return usage();
	if (etcd_client_init(&f->c, f->endpoints, f->timeout_ms, err, sizeof(err)) < 0 ||
	    etcd_prefix(f->prefix, sizeof(f->prefix), f->cluster) < 0) {
		fprintf(stderr, "steer-etcd: %s\n", *err ? err : "bad --cluster");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "steer-etcd: following %s on %s for %s\n", f->prefix,
		f->endpoints, f->socket);
	bool need_sync = true;
	while (!stop) {
		if (need_sync && resync(f) < 0) {
			report(f);
			usleep(RETRY_MS * 1000);
			continue;
		}
		need_sync = follow(f) == 1;
		if (!need_sync && !stop) {
			report(f);
			usleep(RETRY_MS * 1000);
		}
	}
	conf_free(cc);
	return 0;
}

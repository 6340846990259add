/* Types of a loaded Steer configuration (the libconfig schema, see
 * docs/configuration.md). A struct steer_conf is built once by conf_load_*()
 * on the control thread (malloc is allowed there), validated whole, and then
 * only read. Every element keeps the line it came from so later stages (the
 * rule compiler) can still report `file:line: what`.
 *
 * Addresses are IPv4 in host byte order; ports in host byte order.
 */
#ifndef STEER_CONF_T_H
#define STEER_CONF_T_H

#include <stdbool.h>
#include <stdint.h>

#define CONF_NAME_MAX 64          /* names: [A-Za-z0-9._-]{1,63} */
#define CONF_MAX_MATCHERS 8       /* header/baggage matchers per intercept */

/* Defaults of keys that conf_dump() writes only when they differ. */
#define CONF_SYN_RTO_MS 200       /* dataplane.timeouts.syn_rto_ms */
#define CONF_RETRIES 3            /* services[].retries */
#define CONF_QUEUE_MS 2000        /* services[].queue_ms */
#define CONF_MAX_QUEUE 1024       /* services[].backends[].max_queue */

struct conf_timeouts {
	uint32_t syn_ms;          /* half-open flow lifetime */
	uint32_t header_ms;       /* request header must be complete by then (408) */
	uint32_t connect_ms;      /* backend/tunnel connect attempt */
	uint32_t syn_rto_ms;      /* first SYN retransmission of an attempt */
	uint32_t idle_s;          /* spliced flow idle timeout */
	uint32_t linger_ms;       /* after both FINs / RST */
	uint32_t pool_idle_ms;    /* an idle backend leg waits this long for a
				   * request before it is closed */
};

/* When a worker answers a SYN with a cookie instead of a flow entry. */
enum conf_syn_cookies {
	CONF_COOKIES_AUTO,        /* past syn_backlog half-open flows */
	CONF_COOKIES_ALWAYS,
	CONF_COOKIES_NEVER,
};

struct conf_dataplane {
	char **eal;               /* EAL arguments, NULL-terminated, n_eal long */
	unsigned n_eal;
	unsigned workers;         /* polling lcores, 1..64 */
	uint32_t max_flows;       /* per worker */
	uint32_t header_max;      /* request header bytes before 431 */
	uint32_t header_buffers;  /* per worker; default min(max_flows, 2048) */
	struct conf_timeouts timeouts;
	bool idle_backoff;        /* sleep after empty polls (on for demo/tests) */
	uint32_t idle_backoff_max_us;
	uint8_t syn_cookies;      /* enum conf_syn_cookies */
	uint32_t syn_backlog;     /* half-open flows per worker before cookies */
	uint32_t pool_max;        /* idle backend legs per worker (0: no pool);
				   * CONF_POOL_DEFAULT: conf_pool_max() */
};

#define CONF_POOL_DEFAULT UINT32_MAX
#define CONF_POOL_IDLE_MS 2000

/* The idle pool's size: by default 1024 legs per worker, at most a quarter
 * of the flow table, so idle legs never crowd out clients. */
static inline uint32_t conf_pool_max(const struct conf_dataplane *d)
{
	uint32_t q = d->max_flows / 4;

	if (d->pool_max != CONF_POOL_DEFAULT)
		return d->pool_max < q ? d->pool_max : q;
	return q < 1024 ? q : 1024;
}

struct conf_port {
	char name[CONF_NAME_MAX];
	char device[CONF_NAME_MAX]; /* DPDK device name, e.g. net_af_packet0 */
	uint32_t ip;
	uint8_t plen;
	int line;
};

struct conf_route {
	uint32_t prefix;
	uint8_t plen;
	uint32_t via;
	int line;
};

/* A listener route picks a service by Host and/or path. All given fields
 * must hold; the first matching route wins, else default_service. */
struct conf_lroute {
	char *host;               /* exact, lowercased, no port; or NULL */
	char *host_suffix;        /* lowercased, e.g. ".example.test"; or NULL */
	char *path_prefix;        /* or NULL */
	unsigned service;         /* index into steer_conf.services */
	int line;
};

/* How the requests of one client connection are routed (listeners[].routing,
 * docs/configuration.md "Per-request routing"). REQUEST is 0 so that a
 * zeroed listener gets the default. */
enum conf_routing {
	CONF_ROUTING_REQUEST,     /* each request decided by its own header */
	CONF_ROUTING_CONNECTION,  /* first request decides; then spliced to the end */
};

struct conf_listener {
	char name[CONF_NAME_MAX];
	uint32_t ip;
	uint16_t port;
	unsigned default_service;
	enum conf_routing routing;
	struct conf_lroute *routes;
	unsigned n_routes;
	int line;
};

struct conf_backend {
	uint32_t ip;
	uint16_t port;
	uint32_t weight;          /* 1..1000, default 1 */
	bool drained;             /* no new flows; existing ones finish */
	uint32_t max_conns;       /* connections open or connecting; 0: no limit */
	uint32_t max_queue;       /* flows waiting for one (with max_conns) */
	int line;
};

/* Active health checks of a service's backends (services[].health). */
#define CONF_HEALTH_PATH_MAX 200  /* the check request fits one segment */

struct conf_health {
	bool enabled;             /* the group is present */
	char *path;               /* request target, starts with '/' */
	char *host;               /* Host header; NULL: the backend's ip:port */
	uint32_t interval_ms;     /* 100..3600000, default 1000 */
	uint32_t timeout_ms;      /* 1..interval_ms - 1, default min(500, interval / 2) */
	uint32_t rise;            /* 1..100, default 2 */
	uint32_t fall;            /* 1..100, default 3 */
	uint16_t port;            /* 0: the backend's own port */
	int line;
};

struct conf_service {
	char name[CONF_NAME_MAX];
	struct conf_backend *backends;
	unsigned n_backends;      /* may be 0: requests then get 503 */
	uint32_t maglev_size;     /* prime >= 100 * n_backends; default 65537 */
	uint32_t retries;         /* connect attempts after the first fails */
	uint32_t queue_ms;        /* longest wait for a backend's connection */
	struct conf_health health;
	int line;
};

enum conf_tunnel_type { CONF_TUNNEL_DIRECT, CONF_TUNNEL_VXLAN };

struct conf_tunnel {
	char name[CONF_NAME_MAX];
	enum conf_tunnel_type type;
	uint32_t target_ip;       /* direct: gateway; vxlan: developer in overlay */
	uint16_t target_port;
	uint32_t remote;          /* vxlan: VTEP address */
	uint32_t vni;             /* vxlan: 24-bit VNI */
	uint32_t source;          /* vxlan: router's overlay address */
	bool fail_open;           /* connect failure -> cluster (true) or 502 */
	int line;
};

enum conf_match_kind {
	CONF_MATCH_VALUE,         /* exact, case-sensitive value */
	CONF_MATCH_PREFIX,
	CONF_MATCH_REGEX,         /* Hyperscan syntax, unanchored unless anchored */
	CONF_MATCH_PRESENT,
};

/* One header or baggage matcher of an intercept. Exactly one of name and
 * baggage is set. */
struct conf_matcher {
	char *name;               /* header name, lowercased; or NULL */
	char *baggage;            /* W3C baggage member key; or NULL */
	enum conf_match_kind kind;
	char *arg;                /* value / prefix / regex; NULL for present */
	int line;
};

enum conf_path_kind {
	CONF_PATH_NONE,
	CONF_PATH_EQUAL,          /* query string stripped */
	CONF_PATH_PREFIX,
	CONF_PATH_REGEX,          /* query string stripped */
};

struct conf_intercept {
	char name[CONF_NAME_MAX];
	unsigned service;         /* index into steer_conf.services */
	unsigned tunnel;          /* index into steer_conf.tunnels */
	struct conf_matcher matchers[CONF_MAX_MATCHERS];
	unsigned n_matchers;
	enum conf_path_kind path_kind;
	char *path;               /* NULL when path_kind == CONF_PATH_NONE */
	int path_line;
	char *preview;            /* preview token (a DNS label, lowercased) or NULL */
	int line;
};

struct conf_previews {
	char *domain;             /* lowercased; NULL: preview hosts disabled */
	char *header;             /* lowercased; default x-telepresence-intercept-id */
	int line;
};

struct conf_control {
	char *socket;             /* default /run/steer/steer.sock */
	char *group;              /* or NULL: socket mode 0600 */
	char *metrics;            /* "ip:port", default 127.0.0.1:9870 */
};

/* cluster: the etcd prefix this node follows (docs/scale-out.md). Read
 * by steer-etcd and steerctl --config; steerd itself only carries it. */
#define CONF_NODE_ID_MAX 15       /* node ids 1..15: 4 ISN bits (docs/scale-out.md) */
#define CONF_NODE_VNI 0xfffffeu   /* node-to-node VXLAN (16777214) */

/* One node of the cluster for owner forwarding: its id and the address of
 * one of its ports (its inner address), where forwarded segments go. */
struct conf_node {
	uint8_t id;
	uint32_t addr;
	int line;
};

struct conf_cluster {
	char *name;               /* NULL: no cluster (the rest is NULL too) */
	char *etcd;               /* "http://host:port,..." */
	char *node;               /* or NULL: the host name */
	uint8_t id;               /* this node's id; 0: no owner forwarding */
	unsigned n_nodes;
	struct conf_node nodes[CONF_NODE_ID_MAX]; /* file order; may list us */
};

struct steer_conf {
	char *file;               /* name used in messages */
	struct conf_dataplane dataplane;
	struct conf_port *ports;
	unsigned n_ports;
	struct conf_route *routes;
	unsigned n_routes;
	struct conf_listener *listeners;
	unsigned n_listeners;
	struct conf_service *services;
	unsigned n_services;
	struct conf_tunnel *tunnels;
	unsigned n_tunnels;
	/* One allocation per intercept, so that a configuration derived by
	 * adding or removing one (conf_derive()) shares the others instead of
	 * copying them; see icpt_borrowed. */
	struct conf_intercept **intercepts;
	unsigned n_intercepts;
	struct conf_previews previews;
	struct conf_control control;
	struct conf_cluster cluster;

	/* Sharing with the configuration this one was derived from
	 * (conf_derive(), conf_adopt()). While BORROWED, everything but the
	 * INTERCEPTS array itself and OWN belongs to another configuration. */
	bool borrowed;
	struct conf_intercept *own;      /* the one intercept a borrowed one frees */
	struct conf_intercept *dropped;  /* derived: the base's intercept left out */
	const struct steer_conf *base;   /* derived, not adopted yet: its base */
};

#endif

/* steer-gen's shared state: ports, the two connection tables (its client
 * side and its server side), counters. One lcore runs everything, so
 * nothing here is shared between threads. */
#ifndef STEER_GEN_H
#define STEER_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gen_check.h"
#include "gen_conf.h"
#include "gen_hist.h"
#include "gen_http.h"
#include "gen_pace.h"
#include "gen_spoof.h"
#include "gen_tcp.h"

#define GEN_BURST 32
#define GEN_MSS 1460              /* what our ends offer */
#define GEN_VXLAN_MSS 1410        /* inside the overlay: 50 bytes of VXLAN */
#define GEN_RESP_HDR_MAX 512      /* response header a client keeps */
#define GEN_REQ_HDR_MAX 2048      /* request header a server keeps */
#define VXLAN_UDP_PORT 4789
#define GEN_FIRST_PORT 1024u      /* client ports: 1024..65535 */

enum { PORT_EDGE, PORT_INNER, GEN_N_PORTS };

/* Not errors, but worth seeing when something is off. */
struct gen_notes {
	uint64_t rx_frames, tx_frames, tx_dropped, mbuf_alloc_failed;
	uint64_t arp_answered, stray_segments, rst_sent, retransmits;
	uint64_t no_slot, unknown_frames, server_conns, tuple_reused;
	uint64_t timewait_acks;   /* FINs of freed connections acknowledged */
	uint64_t class_changes;   /* requests of another entry than the one
				     before them on their connection */
	uint64_t server_requests; /* requests our servers answered */
	uint64_t server_router_fin; /* server connections the router closed
				       first (it moved the client elsewhere,
				       or the client left) */
	uint64_t server_router_rst; /* ... or reset */
};

/* The SYN flood: what went out and what the router said to addresses
 * that never sent anything (never answered; counted and dropped). */
struct gen_flood_stats {
	uint64_t syns_sent;       /* taken by the driver */
	uint64_t synacks_seen;    /* the router's SYN-ACKs to spoofed sources */
	uint64_t rsts_seen;       /* ... its RSTs (a full flow table) */
	uint64_t other_seen;      /* ... anything else it sent them */
	uint64_t tx_dropped;      /* a full TX ring: not sent, not retried */
	uint64_t alloc_failed;    /* no mbuf for the frame */
	uint64_t refused;         /* the frame builder refused the addresses
				     (never, once the options are checked) */
};

/* Slowloris connections: how the router ended them. */
struct gen_slow_stats {
	uint64_t opened, established;
	uint64_t refused;         /* reset before the handshake completed */
	uint64_t connect_failed;  /* SYN never answered */
	uint64_t cut_408;         /* the router answered 408 (then closed) */
	uint64_t cut_status;      /* ... another status (431, 400, 503) */
	uint64_t cut_rst;         /* ... reset without a response */
	uint64_t cut_fin;         /* ... closed without a response */
	uint64_t lost;            /* our lines stopped being acknowledged */
	uint64_t lines_sent;      /* header lines after the request line */
	uint64_t open_at_end;     /* still open when the run ended (reset) */
	uint64_t lifetime_ms;     /* summed over the cut ones */
};

struct gen_stats {
	uint64_t conns_opened, conns_done, requests, responses, misroutes;
	/* Legitimate requests: answered right (not misrouted), and failed
	 * (aborted with it in flight or before it could be sent, or
	 * misrouted). Their sum is what was attempted. */
	uint64_t legit_ok, legit_failed;
	uint64_t rx_bytes;        /* TCP payload bytes our ends received */
	uint64_t err[GEN_ERR__COUNT];
	uint64_t misroute_by_entry[GEN_MAX_MIX];
	uint64_t responses_by_entry[GEN_MAX_MIX];
	struct gen_notes notes;
	struct gen_flood_stats flood;
	struct gen_slow_stats slow;
};

struct gen_port {
	uint16_t id;
	struct rte_ether_addr mac;
	uint32_t router_ip;       /* network order */
	struct rte_ether_addr router_mac;
	bool router_known;
	unsigned n_tx;
	struct rte_mbuf *tx[GEN_BURST];
};

struct gen_cconn {
	struct gtcp t;
	uint32_t ip;              /* our client address, network order */
	uint16_t lport;           /* network order */
	uint8_t entry;            /* mix entry of the request in flight */
	bool used;
	bool have_hdr;            /* response header parsed */
	bool misrouted;           /* the response in flight came from the
				     wrong group */
	uint16_t reqs;            /* requests sent */
	uint16_t hdr_len;         /* response header bytes kept */
	uint32_t serial;
	uint32_t msg_start;       /* stream offset of the current request */
	uint32_t req_hdr;         /* its header length */
	int64_t body_left;
	uint32_t body_seen;
	uint64_t sent_tsc;
	uint64_t deadline_ms;
	uint32_t next_free;
	char hdr[GEN_RESP_HDR_MAX];
};

/* A slowloris connection slot: holds one connection at a time, and
 * opens the next when the router cuts it off. */
struct gen_lconn {
	struct gtcp t;
	uint32_t ip;              /* network order */
	uint16_t lport;           /* network order */
	bool used;                /* a connection is open in the slot */
	bool cut;                 /* the router ended it; we are closing */
	uint8_t st_len;
	char st[12];              /* the first bytes the router sent */
	uint64_t open_at_ms;      /* !used: open the next one then */
	uint64_t est_ms;          /* handshake completed; 0: not yet */
	uint64_t next_line_ms;
};

/* A client tuple: both the client and the slowloris table use it. */
struct gen_ckey {
	uint32_t ip;
	uint16_t port;
	uint16_t pad;
};

struct gen_sconn {
	struct gtcp t;
	uint32_t local_ip, peer_ip;       /* network order */
	uint16_t local_port, peer_port;   /* network order */
	uint32_t outer_peer_ip;           /* VXLAN: the router's outer address */
	struct rte_ether_addr peer_mac;   /* inner for VXLAN */
	struct rte_ether_addr outer_mac;  /* VXLAN: the router's port MAC */
	uint8_t server;
	bool used;
	bool close_after;
	bool responding;
	uint32_t msg_start;
	uint32_t resp_hdr;
	int64_t body_left;        /* request body still to come */
	uint32_t rx_len;
	uint32_t next_free;
	char id[GEN_ID_LEN + 1];
	char echo[64];
	char fwd[16];             /* X-Forwarded-For as the request had it */
	char rx[GEN_REQ_HDR_MAX];
};

struct gen {
	struct gen_conf *conf;
	struct gen_port port[GEN_N_PORTS];
	struct rte_mempool *pool;
	uint64_t tsc_hz, now_ms, now_tsc;
	uint64_t rng;

	unsigned max_conns;
	struct gen_cconn *cc;
	struct rte_hash *ch;
	uint32_t c_free, c_active, c_scan;
	uint32_t next_ip, next_port;  /* tuple cursor: never reused soon */
	uint32_t serial;
	double tokens;
	bool opening;                 /* still opening connections */

	struct gen_sconn *sc;
	struct rte_hash *sh;
	uint32_t s_free, s_active, s_scan;

	struct gen_lconn *lc;         /* run.slowloris slots */
	struct rte_hash *lh;
	uint32_t l_active, l_scan;
	struct gen_pace slow_pace;    /* slowloris opens */
	char slow_prefix[GEN_HDR_MAX];
	uint32_t slow_plen;

	bool flooding;
	uint64_t flood_end_ms;
	uint64_t flood_ms;            /* how long it flooded */
	struct gen_pace flood_pace;

	struct gen_stats st;
	struct gen_hist lat;          /* request -> response, µs */
};

/* gen_net.c */
int gen_ports_start(struct gen *g);
void gen_rx(struct gen *g);
void gen_tx_flush(struct gen *g);
void gen_arp_tick(struct gen *g);
/* Fill DST with stream bytes [OFF, OFF+LEN) of a connection (ARG). */
typedef void (*gen_fill_fn)(void *arg, uint8_t *dst, uint32_t off, uint32_t len);
/* Ethernet + IPv4 + TCP (MSS option on SYNs) with LEN payload bytes from
 * FILL at stream offset OFF; addresses and ports in network order;
 * checksums complete. NULL when the pool is empty (counted). */
struct rte_mbuf *gen_tcp_frame(struct gen *g, uint32_t src_ip, uint32_t dst_ip,
			       uint16_t sport, uint16_t dport,
			       const struct rte_ether_addr *src_mac,
			       const struct rte_ether_addr *dst_mac,
			       const struct gtcp *t, uint32_t seq, uint8_t flags,
			       gen_fill_fn fill, void *arg, uint32_t off,
			       uint32_t len);
/* The MAC a server in an overlay answers with. */
void gen_overlay_mac(uint32_t ip, struct rte_ether_addr *mac);
void gen_send(struct gen *g, unsigned port, struct rte_mbuf *m);
bool gen_vxlan_wrap(struct gen *g, struct rte_mbuf *m, uint32_t vni,
		    uint32_t dst_ip, const struct rte_ether_addr *dst_mac,
		    uint16_t entropy);

/* gen_client.c */
int gen_client_init(struct gen *g);
void gen_client_open(struct gen *g);
void gen_client_input(struct gen *g, const struct gtcp_seg *s, uint32_t ip,
		      uint16_t port, const uint8_t *payload);
void gen_client_timers(struct gen *g, unsigned n);
void gen_client_abort_all(struct gen *g);

/* gen_flood.c */
void gen_flood_start(struct gen *g, uint64_t start_ms);
void gen_flood_tick(struct gen *g);
/* A frame to a spoofed source (M, its IPv4 header IP, L4LEN bytes after
 * it): counted and freed, never answered. */
void gen_flood_input(struct gen *g, struct rte_mbuf *m,
		     const struct rte_ipv4_hdr *ip, uint32_t l4len);
static inline bool gen_flood_dst(const struct gen *g, uint32_t ip_be)
{
	return g->conf->run.syn_flood &&
	       gen_cidr_contains(&g->conf->run.flood_src, rte_be_to_cpu_32(ip_be));
}

/* gen_slow.c */
int gen_slow_init(struct gen *g);
/* Check N slots: open, send a line, retransmit; once the run stops
 * opening, reset the open ones a burst at a time. */
void gen_slow_tick(struct gen *g, unsigned n);
/* Segment S for our client IP:PORT (network order): true when it was a
 * slowloris connection's. */
bool gen_slow_input(struct gen *g, const struct gtcp_seg *s, uint32_t ip,
		    uint16_t port, const uint8_t *payload);
/* Reset every open one at once (the run is being cut short). */
void gen_slow_stop(struct gen *g);

/* gen_server.c */
int gen_server_init(struct gen *g);
void gen_server_input(struct gen *g, const struct gtcp_seg *s,
		      const struct rte_ether_hdr *eth, uint32_t src_ip,
		      uint32_t dst_ip, uint16_t sport, uint16_t dport,
		      int server, uint32_t outer_ip,
		      const struct rte_ether_addr *outer_mac,
		      const uint8_t *payload);
void gen_server_timers(struct gen *g, unsigned n);

/* gen_report.c */
void gen_report_progress(const struct gen *g, const struct gen_stats *prev,
			 double secs);
void gen_report_summary(const struct gen *g, double secs, bool json);
uint64_t gen_errors(const struct gen_stats *st);

static inline uint64_t gen_rand(struct gen *g)
{
	/* xorshift64*: enough to pick mix entries and ISNs */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545f4914f6cdd1dull;
}

/* The next client tuple in *K (network order), address first: the same
 * one comes back only after n_ips * 64512 connections, long after the
 * router's linger has let it go. False when the client or the slowloris
 * table still holds it (skip it). */
static inline bool gen_tuple_next(struct gen *g, struct gen_ckey *k)
{
	uint32_t n_ips = g->conf->client_last - g->conf->client_first + 1;

	*k = (struct gen_ckey){
		.ip = rte_cpu_to_be_32(g->conf->client_first + g->next_ip),
		.port = rte_cpu_to_be_16((uint16_t)(GEN_FIRST_PORT + g->next_port)),
	};
	if (++g->next_ip == n_ips) {
		g->next_ip = 0;
		g->next_port = (g->next_port + 1) % (65536u - GEN_FIRST_PORT);
	}
	return rte_hash_lookup(g->ch, k) < 0 && (g->lh == NULL || rte_hash_lookup(g->lh, k) < 0);
}

#endif

/* steer-gen's shared state: ports, the two connection tables (its client
 * side and its server side), counters. One lcore runs everything, so
 * nothing here is shared between threads. */
#ifndef STEER_GEN_H
#define STEER_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_mbuf.h>

#include "gen_check.h"
#include "gen_conf.h"
#include "gen_hist.h"
#include "gen_http.h"
#include "gen_tcp.h"

#define GEN_BURST 32
#define GEN_MSS 1460              /* what our ends offer */
#define GEN_VXLAN_MSS 1410        /* inside the overlay: 50 bytes of VXLAN */
#define GEN_RESP_HDR_MAX 512      /* response header a client keeps */
#define GEN_REQ_HDR_MAX 2048      /* request header a server keeps */
#define VXLAN_UDP_PORT 4789

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

struct gen_stats {
	uint64_t conns_opened, conns_done, requests, responses, misroutes;
	uint64_t rx_bytes;        /* TCP payload bytes our ends received */
	uint64_t err[GEN_ERR__COUNT];
	uint64_t misroute_by_entry[GEN_MAX_MIX];
	uint64_t responses_by_entry[GEN_MAX_MIX];
	struct gen_notes notes;
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

#endif

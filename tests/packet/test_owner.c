/* Owner forwarding (docs/scale-out.md "Flows that move"): the node id in
 * the ISNs a cluster node chooses, a segment of no flow forwarded to the
 * node its ACK names, the owner carrying on with a forwarded segment, and
 * the RSTs of today whenever forwarding does not apply. */
#include <string.h>

#include "harness.h"
#include "owner.h"
#include "tcp.h"

#define PEER_IP IP4(198, 18, 1, 2)   /* the other node's inner address */
static const struct rte_ether_addr peer_mac = { { 0x02, 0x0e, 0, 0, 0, 0x02 } };
static const struct h_sopts linux_opts = { .mss = 1460, .ws = WS(7), .sackok = true };
static const struct h_sopts be_opts = { .mss = 1460, .ws = WS(7), .sackok = true };

/* We are node SELF (inner 198.18.1.1), the peer is node OTHER. */
static char cluster_text[512];
static const char *cluster(unsigned self, unsigned other)
{
	snprintf(cluster_text, sizeof(cluster_text),
		 "cluster = { name = \"c1\"; etcd = \"127.0.0.1:2379\"; id = %u;\n"
		 "  nodes = ( { id = %u; address = \"198.18.1.1\"; },\n"
		 "            { id = %u; address = \"198.18.1.2\"; } ); };\n",
		 self, self, other);
	return cluster_text;
}

static struct h_env *env(unsigned self, unsigned other, const char *cookies)
{
	struct h_params p = { .extra = cluster(self, other), .syn_cookies = cookies };

	return h_env_new(&p);
}

/* The peer answers ARP (or has stopped: ALIVE false, the clock moved
 * past OWNER_DEAD_MS); the main lcore's liveness round runs. */
static void peer_heard(struct h_env *e, bool alive)
{
	if (alive) {
		h_rx(e, 0, H_PORT_INNER, h_arp_frame(e, 2, &peer_mac, PEER_IP,
						      &h_inner_mac, H_INNER_IP));
		h_control_poll(e);
		owner_tick(e->sh, worker_ms());
	} else {
		owner_tick(e->sh, worker_ms() + OWNER_DEAD_MS + 1000);
	}
	h_tick(e);                /* the probes' ARP requests go out: */
	h_drain(e);               /* not what the tests look at */
}

/* A client segment of no flow here whose ACK number is ISN + 1 + SENT
 * for ISN = owner_isn(ID, 0x0123456). */
static struct rte_mbuf *stray(struct h_env *e, struct h_conn *c, unsigned id,
			      uint32_t sent, uint8_t flags, const char *data)
{
	struct h_seg s = { .flags = flags, .seq = C_(1),
			   .ack = ABS(owner_isn(id, 0x0123456) + 1 + sent), .data = data };

	return h_seg_frame(e, c, F_CLIENT, &s);
}

static void expect_rst_to_client(struct h_env *e, struct h_conn *c, uint32_t seq,
				 const char *why)
{
	h_tick(e);
	h_collect(e);
	struct rte_mbuf *m = h_take(e);
	struct h_pkt p;

	if (m == NULL)
		fail_msg("%s: nothing sent", why);
	assert_true(h_parse(m, &p));
	rte_pktmbuf_free(m);
	if (p.vxlan || p.port != H_PORT_EDGE || p.dip != c->c_ip || p.flags != TCP_RST ||
	    p.seq != seq)
		fail_msg("%s: not an RST at %08x to the client (port %u, flags %02x, seq %08x%s)",
			 why, seq, p.port, p.flags, p.seq, p.vxlan ? ", vxlan" : "");
	assert_int_equal(h_drain(e), 0);
}

static void isn_carries_the_node_id_for_128_mib_and_more(void **state)
{
	(void)state;
	struct h_env *e = env(5, 2, NULL);

	for (unsigned i = 0; i < 16; i++) {
		struct h_conn c;
		h_conn_init(&c, (uint16_t)(41000 + i * 7), 0x1000u * i, 0);
		h_handshake(e, &c, &linux_opts);
		assert_true(c.r_known);
		assert_int_equal(c.r_isn >> OWNER_ID_SHIFT, 5);
		assert_int_equal(c.r_isn >> OWNER_LOW_BITS & 1, 0);   /* the guard */
		/* the client's ACK after N bytes from us still names node 5 */
		static const uint32_t sent[] = { 0, 1, 1u << 20, (1u << 27) - 1 };
		for (unsigned k = 0; k < 4; k++)
			assert_int_equal(owner_of_ack(c.r_isn + 1 + sent[k]), 5);
	}
	/* 2^28 bytes always reach the id: the limit is real */
	assert_int_not_equal(owner_of_ack(owner_isn(5, 0) + 1 + (1u << 28)), 5);
	/* the id tops a SYN cookie too, and the cookie still opens its flow */
	h_env_free(e);
	e = env(5, 2, "always");
	struct h_conn c;
	h_conn_init(&c, 42000, 0xfffffff0u, 0);
	h_handshake(e, &c, &linux_opts);
	assert_int_equal(c.r_isn >> OWNER_ID_SHIFT, 5);
	h_expect_cnts(e, { CNT_syn_cookies_sent, 1 }, { CNT_syn_cookies_ok, 1 },
		      { CNT_flows_active, 1 });
	NO_DROPS(e);
	h_env_free(e);
}

static void segment_of_another_nodes_flow_goes_to_it_in_vxlan(void **state)
{
	(void)state;
	struct h_env *e = env(1, 2, NULL);
	struct h_conn c;
	const char body[] = "GET /more HTTP/1.1\r\nHost: web.example.test\r\n\r\n";

	peer_heard(e, true);
	h_conn_init(&c, 43000, 0x55550000u, 0);
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 2, 5000, ACK | PSH, body));
	h_tick(e);
	h_collect(e);
	struct rte_mbuf *m = h_take(e);
	struct h_pkt p;
	assert_non_null(m);
	assert_true(h_parse(m, &p));
	rte_pktmbuf_free(m);
	assert_true(p.vxlan);
	assert_int_equal(p.port, H_PORT_INNER);
	assert_int_equal(p.o_sip, H_INNER_IP);
	assert_int_equal(p.o_dip, PEER_IP);
	assert_memory_equal(&p.o_dst_mac, &peer_mac, 6);
	assert_memory_equal(&p.o_src_mac, &h_inner_mac, 6);
	assert_int_equal(p.o_dport, 4789);
	assert_true(p.o_sport >= 49152);
	assert_int_equal(p.vni, OWNER_VNI);
	/* inside: the client's segment as it came */
	assert_int_equal(p.sip, H_CLIENT_IP);
	assert_int_equal(p.dip, H_EDGE_IP);
	assert_int_equal(p.sport, 43000);
	assert_int_equal(p.dport, H_LISTEN_PORT);
	assert_int_equal(p.seq, c.c_isn + 1);
	assert_int_equal(p.ack, owner_isn(2, 0x0123456) + 1 + 5000);
	assert_int_equal(p.len, strlen(body));
	assert_memory_equal(p.data, body, p.len);
	assert_int_equal(h_drain(e), 0);
	h_expect_cnts(e, { CNT_owner_forwarded, 1 }, { CNT_rst_sent, 0 },
		      { CNT_flows_created, 0 });
	NO_DROPS(e);
	h_env_free(e);
}

static void owner_takes_a_forwarded_segment_and_the_flow_goes_on(void **state)
{
	(void)state;
	struct h_env *e = env(2, 1, NULL);
	struct h_conn c;
	const char req[] = "GET /a HTTP/1.1\r\nHost: web.example.test\r\n\r\n";
	const char more[] = "ping";
	char fwd[300];
	const int n = (int)strlen(req);

	h_conn_init(&c, 44000, 0x66660000u, 0x7000000);
	h_establish(e, &c, req, T_ANY, &linux_opts, &be_opts);
	int fn = (int)strlen(h_with_xff(req, H_CLIENT_IP, fwd, sizeof(fwd)));
	/* ECMP moved the client to node 1, which forwards to us */
	struct h_seg s = { .flags = ACK | PSH, .seq = C_(1 + n), .ack = R_(1), .data = more };
	h_rx(e, 0, H_PORT_INNER, h_vxlan_frame(e, h_seg_frame(e, &c, F_CLIENT, &s),
						PEER_IP, OWNER_VNI));
	const struct h_step st[] = {
		{ "the forwarded bytes are spliced to the backend as the client's", 0,
		  F_NONE, { 0 },
		  { { X_BACKEND, .s = { .flags = ACK | PSH, .seq = S_(1 + fn), .ack = B_(1),
					.data = more } } } },
		{ "the backend's answer goes straight to the client", 0, F_BACKEND,
		  { .flags = ACK | PSH, .seq = B_(1), .ack = S_(1 + fn + 4), .data = "pong" },
		  { { X_CLIENT, .s = { .flags = ACK | PSH, .seq = R_(1), .ack = C_(1 + n + 4),
				       .data = "pong" } } } },
	};
	h_play(e, &c, st);
	h_expect_cnts(e, { CNT_owner_received, 1 }, { CNT_owner_forwarded, 0 });
	NO_DROPS(e);
	h_env_free(e);
}

static void forwarded_segment_of_no_flow_gets_an_rst_and_is_never_sent_back(void **state)
{
	(void)state;
	struct h_env *e = env(2, 1, NULL);
	struct h_conn c;

	peer_heard(e, true);      /* node 1 live: still not sent back to it */
	/* the client's next hop, for the RST */
	h_rx(e, 0, H_PORT_EDGE, h_arp_frame(e, 2, &h_client_mac, H_CLIENT_IP,
					     &h_edge_mac, H_EDGE_IP));
	h_control_poll(e);
	h_conn_init(&c, 45000, 0x77770000u, 0);
	uint32_t ack = owner_isn(1, 0x0123456) + 1 + 10;
	h_rx(e, 0, H_PORT_INNER, h_vxlan_frame(e, stray(e, &c, 1, 10, ACK, NULL),
						PEER_IP, OWNER_VNI));
	expect_rst_to_client(e, &c, ack, "id 1 from node 1");
	/* ours, and the flow is gone (a restart): the RST of today */
	ack = owner_isn(2, 0x0123456) + 1 + 10;
	h_rx(e, 0, H_PORT_INNER, h_vxlan_frame(e, stray(e, &c, 2, 10, ACK, NULL),
						PEER_IP, OWNER_VNI));
	expect_rst_to_client(e, &c, ack, "our id, no flow");
	h_expect_cnts(e, { CNT_owner_received, 2 }, { CNT_owner_forwarded, 0 });
	h_expect_drops(e, { DROP_tcp_no_flow, 2 });
	/* node-to-node VXLAN from an address of no node: dropped */
	h_rx(e, 0, H_PORT_INNER, h_vxlan_frame(e, stray(e, &c, 2, 10, ACK, NULL),
						H_VTEP_IP, OWNER_VNI));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_drops(e, { DROP_tcp_no_flow, 2 }, { DROP_owner_bad, 1 });
	h_env_free(e);
}

static void own_unknown_or_dead_owner_gets_todays_rst(void **state)
{
	(void)state;
	struct h_env *e = env(1, 2, NULL);
	struct h_conn c;

	h_conn_init(&c, 46000, 0x88880000u, 0);
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 1, 0, ACK, NULL));
	expect_rst_to_client(e, &c, owner_isn(1, 0x0123456) + 1, "our own id");
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 7, 0, ACK, NULL));
	expect_rst_to_client(e, &c, owner_isn(7, 0x0123456) + 1, "id of no node");
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 2, 0, ACK, NULL));
	expect_rst_to_client(e, &c, owner_isn(2, 0x0123456) + 1, "node 2 never heard");
	h_expect_cnts(e, { CNT_owner_id_unknown, 1 }, { CNT_owner_node_down, 1 },
		      { CNT_owner_forwarded, 0 });
	/* node 2 answers: forwarded; then it falls silent (killed): RST */
	peer_heard(e, true);
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 2, 0, ACK, NULL));
	h_tick(e);
	assert_int_equal(h_drain(e), 1);
	h_expect_cnts(e, { CNT_owner_forwarded, 1 });
	peer_heard(e, false);
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 2, 0, ACK, NULL));
	expect_rst_to_client(e, &c, owner_isn(2, 0x0123456) + 1, "node 2 gone silent");
	h_expect_cnts(e, { CNT_owner_node_down, 2 }, { CNT_owner_forwarded, 1 });
	h_expect_drops(e, { DROP_tcp_no_flow, 4 });
	h_env_free(e);
}

static void no_cluster_is_todays_behaviour(void **state)
{
	struct h_env *e = *state;
	struct h_conn c;

	h_conn_init(&c, 47000, 0x99990000u, 0);
	h_rx(e, 0, H_PORT_EDGE, stray(e, &c, 2, 0, ACK, NULL));
	expect_rst_to_client(e, &c, owner_isn(2, 0x0123456) + 1, "no cluster");
	h_rx(e, 0, H_PORT_INNER, h_vxlan_frame(e, stray(e, &c, 2, 0, ACK, NULL),
						PEER_IP, OWNER_VNI));
	h_tick(e);
	assert_int_equal(h_drain(e), 0);
	h_expect_cnts(e, { CNT_owner_id_unknown, 0 }, { CNT_owner_node_down, 0 },
		      { CNT_owner_forwarded, 0 }, { CNT_owner_received, 0 });
	h_expect_drops(e, { DROP_tcp_no_flow, 1 }, { DROP_owner_bad, 1 });
}

static const struct CMUnitTest tests[] = {
	TN(isn_carries_the_node_id_for_128_mib_and_more),
	TN(segment_of_another_nodes_flow_goes_to_it_in_vxlan),
	TN(owner_takes_a_forwarded_segment_and_the_flow_goes_on),
	TN(forwarded_segment_of_no_flow_gets_an_rst_and_is_never_sent_back),
	TN(own_unknown_or_dead_owner_gets_todays_rst),
	T(no_cluster_is_todays_behaviour),
};

H_MAIN("owner", tests)

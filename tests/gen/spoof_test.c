/* The SYN flood's limits and frames (tools/gen/gen_spoof.c) and the
 * attack modes' checks on a whole config (gen_conf_check_attacks): no
 * source outside 198.19.128.0/17 and no target outside 198.18.0.0/15 gets
 * past the option check or the frame builder, and the frames are what a
 * router must accept (checksums verified here by a sum of our own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gen_conf.h"
#include "gen_spoof.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void cidrs_parse_strictly(void **state)
{
	static const struct { const char *s; int ret; uint32_t net; uint8_t len; const char *why; } t[] = {
		{ "198.19.128.0/17", 0, IP(198, 19, 128, 0), 17, "the default" },
		{ "198.19.200.0/24", 0, IP(198, 19, 200, 0), 24, "a smaller block" },
		{ "198.19.200.7/32", 0, IP(198, 19, 200, 7), 32, "one address" },
		{ "0.0.0.0/0", 0, 0, 0, "parses (the limits refuse it, not the parser)" },
		{ "198.19.128.1/17", -1, 0, 0, "host bits set: a typo for which prefix?" },
		{ "198.19.128.0/33", -1, 0, 0, "prefix too long" },
		{ "198.19.128.0/-1", -1, 0, 0, "negative prefix" },
		{ "198.19.128.0/ 17", -1, 0, 0, "space before the length" },
		{ "198.19.128.0/17x", -1, 0, 0, "trailing junk" },
		{ "198.19.128.0/", -1, 0, 0, "no length" },
		{ "198.19.128.0", -1, 0, 0, "no slash" },
		{ "198.19.128/17", -1, 0, 0, "three octets" },
		{ "198.19.256.0/17", -1, 0, 0, "octet out of range" },
		{ "", -1, 0, 0, "empty" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gen_cidr c = { 0xdeadbeef, 99 };
		int ret = gen_cidr_parse(t[i].s, &c);
		if (ret != t[i].ret || (ret == 0 && (c.net != t[i].net || c.len != t[i].len)))
			fail_msg("'%s': %d %08x/%u, want %d %08x/%u (%s)", t[i].s, ret, c.net,
				 c.len, t[i].ret, t[i].net, t[i].len, t[i].why);
	}
}

static void sources_outside_the_spoof_block_are_refused(void **state)
{
	static const struct { const char *src; uint32_t target; int ret; const char *why; } t[] = {
		{ "198.19.128.0/17", IP(198, 18, 0, 1), 0, "the whole allowed block" },
		{ "198.19.255.0/24", IP(198, 18, 0, 1), 0, "its last /24" },
		{ "198.19.128.0/32", IP(198, 19, 0, 1), 0, "one address, a target in the upper half" },
		{ "198.19.0.0/17", IP(198, 18, 0, 1), -1, "the lower half of 198.19/16" },
		{ "198.19.0.0/16", IP(198, 18, 0, 1), -1, "wider than allowed, though it holds it" },
		{ "198.18.0.0/15", IP(198, 18, 0, 1), -1, "the whole test block" },
		{ "10.0.0.0/8", IP(198, 18, 0, 1), -1, "private space outside the tests" },
		{ "0.0.0.0/0", IP(198, 18, 0, 1), -1, "everything" },
		{ "198.19.127.255/32", IP(198, 18, 0, 1), -1, "one below the block" },
		{ "198.20.0.0/17", IP(198, 18, 0, 1), -1, "just above 198.18/15" },
		{ "198.19.128.0/17", IP(198, 20, 0, 1), -1, "target above 198.18/15" },
		{ "198.19.128.0/17", IP(198, 17, 255, 255), -1, "target below 198.18/15" },
		{ "198.19.128.0/17", IP(8, 8, 8, 8), -1, "a public target" },
		{ "198.19.128.0/17", IP(127, 0, 0, 1), -1, "loopback is no SYN flood target" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gen_cidr c;
		char err[256] = "";
		assert_int_equal(gen_cidr_parse(t[i].src, &c), 0);
		int ret = gen_spoof_check(&c, t[i].target, IP(198, 18, 0, 10),
					  IP(198, 18, 0, 200), err, sizeof(err));
		if (ret != t[i].ret)
			fail_msg("%s -> %08x: %d, want %d (%s)", t[i].src, t[i].target, ret,
				 t[i].ret, t[i].why);
		if (ret != 0 && err[0] == 0)
			fail_msg("%s: refused without saying why", t[i].src);
	}
}

/* A prefix wider than the allowed block whose network address lies in
 * it (only a hand-made one: the parser refuses such host bits). */
static void a_wider_prefix_starting_inside_the_block_is_refused(void **state)
{
	struct gen_cidr wide = { IP(198, 19, 128, 0), 16 }, all = { IP(198, 19, 128, 0), 0 };
	struct gen_cidr block;
	char err[256];
	(void)state;
	assert_int_equal(gen_cidr_parse(GEN_SPOOF_ALLOWED, &block), 0);
	assert_false(gen_cidr_within(&wide, &block));
	assert_false(gen_cidr_within(&all, &block));
	assert_true(gen_cidr_within(&block, &block));
	assert_int_equal(gen_spoof_check(&wide, IP(198, 18, 0, 1), IP(198, 18, 0, 10),
					 IP(198, 18, 0, 200), err, sizeof(err)), -1);
}

static void sources_holding_real_clients_are_refused(void **state)
{
	static const struct { uint32_t first, last; int ret; const char *why; } t[] = {
		{ IP(198, 18, 0, 10), IP(198, 18, 0, 200), 0, "clients elsewhere" },
		{ IP(198, 19, 200, 1), IP(198, 19, 200, 9), -1, "clients inside the block" },
		{ IP(198, 19, 127, 1), IP(198, 19, 128, 0), -1, "the range ends on its first address" },
		{ IP(198, 19, 255, 255), IP(198, 19, 255, 255), -1, "one client, its last address" },
		{ IP(198, 19, 0, 1), IP(198, 19, 127, 255), 0, "ends just below it" },
	};
	struct gen_cidr c;
	(void)state;
	assert_int_equal(gen_cidr_parse(GEN_SPOOF_ALLOWED, &c), 0);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char err[256];
		int ret = gen_spoof_check(&c, IP(198, 18, 0, 1), t[i].first, t[i].last,
					  err, sizeof(err));
		if (ret != t[i].ret)
			fail_msg("clients %08x-%08x: %d, want %d (%s)", t[i].first, t[i].last,
				 ret, t[i].ret, t[i].why);
	}
}

static void drawn_sources_stay_within_the_cidr(void **state)
{
	static const char *const blocks[] = { "198.19.128.0/17", "198.19.200.0/24",
					      "198.19.200.8/30", "198.19.200.8/31",
					      "198.19.200.9/32" };
	uint64_t r = 0x243f6a8885a308d3ull;
	(void)state;
	for (size_t b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
		struct gen_cidr c;
		assert_int_equal(gen_cidr_parse(blocks[b], &c), 0);
		uint32_t size = c.len == 32 ? 1 : 1u << (32 - c.len);
		bool seen_low = false, seen_high = false;
		for (unsigned i = 0; i < 100000; i++) {
			uint32_t ip;
			uint16_t port;
			r ^= r << 13; r ^= r >> 7; r ^= r << 17;
			gen_spoof_draw(&c, r, &ip, &port);
			if (!gen_cidr_contains(&c, ip))
				fail_msg("%s: drew %08x", blocks[b], ip);
			if (size > 2 && (ip == c.net || ip == (c.net | (size - 1))))
				fail_msg("%s: drew its network or broadcast address %08x", blocks[b], ip);
			if (port < 1024)
				fail_msg("%s: drew port %u", blocks[b], port);
			seen_low |= port < 2048;
			seen_high |= port > 64511;
		}
		/* the ports spread over the whole range, not a corner of it */
		assert_true(seen_low && seen_high);
	}
}

/* Our own checksum: RFC 1071 by 16-bit words, folded at the end. */
static uint16_t csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i < len; i += 2)
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)sum;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void spoofed_syn_frame_is_well_formed(void **state)
{
	struct gen_syn s = {
		.src_mac = { 0x02, 0, 0, 0, 0, 0x01 }, .dst_mac = { 0x02, 0, 0, 0, 0, 0xfe },
		.src_ip = IP(198, 19, 201, 77), .dst_ip = IP(198, 18, 0, 1),
		.sport = 40001, .dport = 80, .seq = 0xfedcba98, .ip_id = 0xbeef, .mss = 1460,
	};
	uint8_t f[128];
	(void)state;
	/* every id and port, so a carry in either checksum is exercised */
	for (unsigned v = 0; v < 65536; v += 251) {
		s.ip_id = (uint16_t)v;
		s.sport = (uint16_t)(v | 1024);
		s.seq = v * 2654435761u;
		memset(f, 0xa5, sizeof(f));
		assert_int_equal(gen_syn_frame(f, sizeof(f), &s), GEN_SYN_FRAME_LEN);
		assert_memory_equal(f, s.dst_mac, 6);
		assert_memory_equal(f + 6, s.src_mac, 6);
		assert_int_equal(f[12] << 8 | f[13], 0x0800);
		const uint8_t *ip = f + 14, *th = ip + 20;
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(ip[2] << 8 | ip[3], 44);
		assert_int_equal(ip[4] << 8 | ip[5], s.ip_id);
		assert_int_equal(ip[9], 6);
		assert_true(ip[8] > 0);
		assert_int_equal(get32(ip + 12), s.src_ip);
		assert_int_equal(get32(ip + 16), s.dst_ip);
		assert_int_equal(csum(ip, 20, 0), 0xffff);
		assert_int_equal(th[0] << 8 | th[1], s.sport);
		assert_int_equal(th[2] << 8 | th[3], 80);
		assert_int_equal(get32(th + 4), s.seq);
		assert_int_equal(get32(th + 8), 0);
		assert_int_equal(th[12] >> 4, 6);
		assert_int_equal(th[13], 0x02);       /* SYN alone */
		assert_int_equal(th[20], 2);
		assert_int_equal(th[21], 4);
		assert_int_equal(th[22] << 8 | th[23], 1460);
		/* pseudo-header: source, destination, zero + protocol, length */
		uint32_t ph = csum(ip + 12, 8, 0) + 6 + 24;
		assert_int_equal(csum(th, 24, ph), 0xffff);
		assert_int_equal(f[GEN_SYN_FRAME_LEN], 0xa5); /* nothing past the end */
	}
}

static void frame_builder_refuses_addresses_outside_the_limits(void **state)
{
	static const struct { uint32_t src, dst; const char *why; } t[] = {
		{ IP(198, 18, 0, 10), IP(198, 18, 0, 1), "a source outside the spoof block" },
		{ IP(198, 19, 127, 255), IP(198, 18, 0, 1), "one below the spoof block" },
		{ IP(203, 0, 113, 9), IP(198, 18, 0, 1), "a documentation address" },
		{ IP(198, 19, 128, 5), IP(198, 20, 0, 1), "a target above the test block" },
		{ IP(198, 19, 128, 5), IP(1, 1, 1, 1), "a public target" },
	};
	uint8_t f[128];
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gen_syn s = { .src_ip = t[i].src, .dst_ip = t[i].dst, .sport = 1,
				     .dport = 80, .mss = 1460 };
		if (gen_syn_frame(f, sizeof(f), &s) != 0)
			fail_msg("built a frame %08x -> %08x (%s)", t[i].src, t[i].dst, t[i].why);
	}
	struct gen_syn ok = { .src_ip = IP(198, 19, 128, 5), .dst_ip = IP(198, 18, 0, 1) };
	assert_int_equal(gen_syn_frame(f, GEN_SYN_FRAME_LEN - 1, &ok), 0);
	assert_int_equal(gen_syn_frame(f, GEN_SYN_FRAME_LEN, &ok), GEN_SYN_FRAME_LEN);
}

static struct gen_conf conf;

static int load(void **state)
{
	char path[4096], err[512];
	const char *src = getenv("STEER_SRC");
	(void)state;
	snprintf(path, sizeof(path), "%s/tests/gen/gen.conf", src ? src : ".");
	if (gen_conf_load(&conf, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static void config_checks_refuse_attacks_outside_the_test_blocks(void **state)
{
	static const struct {
		unsigned flood, slow, interval;
		const char *src;
		uint32_t listener, first, last;
		int ret;
		const char *why;
	} t[] = {
		{ 0, 0, 1000, GEN_SPOOF_ALLOWED, IP(8, 8, 8, 8), 0, 0, 0,
		  "no attack mode: not the attack check's business" },
		{ 10000, 0, 1000, GEN_SPOOF_ALLOWED, 0, 0, 0, 0, "the example config" },
		{ 10000, 3000, 1000, GEN_SPOOF_ALLOWED, 0, 0, 0, 0, "both modes" },
		{ 10000, 0, 1000, "198.19.0.0/24", 0, 0, 0, -1, "spoofing outside 198.19.128/17" },
		{ 10000, 0, 1000, GEN_SPOOF_ALLOWED, IP(10, 0, 0, 1), 0, 0, -1,
		  "flood towards a listener outside 198.18/15" },
		{ 0, 3000, 1000, GEN_SPOOF_ALLOWED, IP(10, 0, 0, 1), 0, 0, -1,
		  "slowloris towards a listener outside 198.18/15" },
		{ 10000, 0, 1000, GEN_SPOOF_ALLOWED, 0, IP(198, 19, 130, 1), IP(198, 19, 130, 9), -1,
		  "clients inside the spoofed block" },
		{ 10000001, 0, 1000, GEN_SPOOF_ALLOWED, 0, 0, 0, -1, "rate above the pacer's" },
		{ 0, GEN_SLOW_MAX + 1, 1000, GEN_SPOOF_ALLOWED, 0, 0, 0, -1, "too many slowloris" },
		{ 0, 3000, 5, GEN_SPOOF_ALLOWED, 0, 0, 0, -1, "slowloris interval too short" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gen_conf c = conf;
		char err[256] = "";
		c.run.syn_flood = t[i].flood;
		c.run.slowloris = t[i].slow;
		c.run.slowloris_interval_ms = t[i].interval;
		assert_int_equal(gen_cidr_parse(t[i].src, &c.run.flood_src), 0);
		if (t[i].listener)
			c.listener_ip = t[i].listener;
		if (t[i].first) {
			c.client_first = t[i].first;
			c.client_last = t[i].last;
		}
		int ret = gen_conf_check_attacks(&c, err, sizeof(err));
		if (ret != t[i].ret)
			fail_msg("case %zu: %d (%s), want %d (%s)", i, ret, err, t[i].ret, t[i].why);
	}
}

static void example_config_defaults_to_the_spoof_block(void **state)
{
	char s[24];
	(void)state;
	gen_cidr_format(&conf.run.flood_src, s, sizeof(s));
	assert_string_equal(s, GEN_SPOOF_ALLOWED);
	assert_int_equal(conf.run.syn_flood, 0);
	assert_int_equal(conf.run.slowloris, 0);
	assert_int_equal(conf.run.slowloris_interval_ms, 1000);
	assert_int_equal(conf.run.min_success_pm, -1);
}

static void percentages_round_to_tenths(void **state)
{
	static const struct { double pct; int ret, pm; } t[] = {
		{ 99.0, 0, 990 }, { 99.7, 0, 997 }, { 100.0, 0, 1000 }, { 0.0, 0, 0 },
		{ 0.04, 0, 0 }, { 0.05, 0, 1 }, { 100.01, -1, 0 }, { -0.1, -1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int pm = -7;
		int ret = gen_parse_percent(t[i].pct, &pm);
		if (ret != t[i].ret || (ret == 0 && pm != t[i].pm))
			fail_msg("%g: %d %d, want %d %d", t[i].pct, ret, pm, t[i].ret, t[i].pm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cidrs_parse_strictly),
		cmocka_unit_test(sources_outside_the_spoof_block_are_refused),
		cmocka_unit_test(a_wider_prefix_starting_inside_the_block_is_refused),
		cmocka_unit_test(sources_holding_real_clients_are_refused),
		cmocka_unit_test(drawn_sources_stay_within_the_cidr),
		cmocka_unit_test(spoofed_syn_frame_is_well_formed),
		cmocka_unit_test(frame_builder_refuses_addresses_outside_the_limits),
		cmocka_unit_test(config_checks_refuse_attacks_outside_the_test_blocks),
		cmocka_unit_test(example_config_defaults_to_the_spoof_block),
		cmocka_unit_test(percentages_round_to_tenths),
	};
	return cmocka_run_group_tests(tests, load, NULL);
}

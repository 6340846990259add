/* Spoofed SYNs for steer-gen's flood mode, and the limits that keep them
 * inside a test: sources only from 198.19.128.0/17, targets only in
 * 198.18.0.0/15 (RFC 2544's benchmarking block; tests use nothing else).
 * The limits are checked where the options are read and again by the
 * frame builder, so no code path can put another address on the wire.
 * Pure C, no EAL: the unit tests check the frames byte by byte. */
#ifndef STEER_GEN_SPOOF_H
#define STEER_GEN_SPOOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_SPOOF_ALLOWED "198.19.128.0/17"
#define GEN_TARGET_ALLOWED "198.18.0.0/15"

/* An IPv4 prefix, host order; host bits of NET are zero. */
struct gen_cidr {
	uint32_t net;
	uint8_t len;              /* 0..32 */
};

/* "a.b.c.d/len" (host bits must be zero) to *C; -1 when malformed. */
int gen_cidr_parse(const char *s, struct gen_cidr *c);

/* Does C hold IP (host order)? */
bool gen_cidr_contains(const struct gen_cidr *c, uint32_t ip);

/* Does OUTER hold every address of INNER? */
bool gen_cidr_within(const struct gen_cidr *inner, const struct gen_cidr *outer);

/* "a.b.c.d/len" of C into BUF (at least 19 bytes). */
void gen_cidr_format(const struct gen_cidr *c, char *buf, size_t cap);

/* May TARGET (host order) be sent anything by an attack mode? 0, or -1
 * with why in ERR. */
int gen_target_check(uint32_t target, char *err, size_t errlen);

/* May SRC be spoofed towards TARGET while our real clients use
 * CLIENT_FIRST..CLIENT_LAST (host order)? SRC must lie within
 * GEN_SPOOF_ALLOWED and hold none of the clients (their SYN-ACKs would
 * be taken for the flood's), TARGET within GEN_TARGET_ALLOWED. 0, or -1
 * with why in ERR. */
int gen_spoof_check(const struct gen_cidr *src, uint32_t target,
		    uint32_t client_first, uint32_t client_last,
		    char *err, size_t errlen);

/* A spoofed source for a uniform random number R: an address of C (not
 * its network or broadcast address when C has more than two) and a port
 * in 1024..65535, both host order. */
void gen_spoof_draw(const struct gen_cidr *c, uint64_t r, uint32_t *ip,
		    uint16_t *port);

/* One spoofed SYN; addresses and ports host order. */
struct gen_syn {
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip;
	uint16_t sport, dport;
	uint32_t seq;
	uint16_t ip_id;
	uint16_t mss;             /* the option a real client sends */
};

/* Ethernet + IPv4 (20) + TCP (20 + MSS option) */
#define GEN_SYN_FRAME_LEN (14 + 20 + 24)

/* Write S as a frame into BUF (CAP bytes), checksums complete. Returns
 * GEN_SYN_FRAME_LEN, or 0 when it does not fit or S's source is outside
 * GEN_SPOOF_ALLOWED or its destination outside GEN_TARGET_ALLOWED. */
size_t gen_syn_frame(uint8_t *buf, size_t cap, const struct gen_syn *s);

#endif

/* Spoofed SYNs and the address limits (see gen_spoof.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_conf.h"
#include "gen_spoof.h"

static const struct gen_cidr spoof_allowed = { 0xc6138000u, 17 };  /* 198.19.128.0/17 */
static const struct gen_cidr target_allowed = { 0xc6120000u, 15 }; /* 198.18.0.0/15 */

static uint32_t mask_of(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int gen_cidr_parse(const char *s, struct gen_cidr *c)
{
	char buf[32];
	const char *slash = strchr(s, '/');
	char *end;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf) ||
	    slash[1] < '0' || slash[1] > '9')
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	long len = strtol(slash + 1, &end, 10);
	if (*end || len > 32)
		return -1;
	uint32_t ip;
	if (gen_parse_addr(buf, &ip, NULL) != 0)
		return -1;
	/* A prefix with host bits set is most likely a typo for another
	 * one: refuse it rather than guess which was meant. */
	if (ip & ~mask_of((uint8_t)len))
		return -1;
	c->net = ip;
	c->len = (uint8_t)len;
	return 0;
}

bool gen_cidr_contains(const struct gen_cidr *c, uint32_t ip)
{
	return (ip & mask_of(c->len)) == c->net;
}

bool gen_cidr_within(const struct gen_cidr *inner, const struct gen_cidr *outer)
{
	return inner->len >= outer->len && gen_cidr_contains(outer, inner->net);
}

void gen_cidr_format(const struct gen_cidr *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%u.%u.%u.%u/%u", c->net >> 24, (c->net >> 16) & 0xff,
		 (c->net >> 8) & 0xff, c->net & 0xff, c->len);
}

int gen_target_check(uint32_t target, char *err, size_t errlen)
{
	if (gen_cidr_contains(&target_allowed, target))
		return 0;
	snprintf(err, errlen, "target %u.%u.%u.%u is outside %s: refusing to attack it",
		 target >> 24, (target >> 16) & 0xff, (target >> 8) & 0xff,
		 target & 0xff, GEN_TARGET_ALLOWED);
	return -1;
}

int gen_spoof_check(const struct gen_cidr *src, uint32_t target,
		    uint32_t client_first, uint32_t client_last,
		    char *err, size_t errlen)
{
	char s[24];

	gen_cidr_format(src, s, sizeof(s));
	if (!gen_cidr_within(src, &spoof_allowed)) {
		snprintf(err, errlen, "flood sources %s are not within %s: refusing to spoof them",
			 s, GEN_SPOOF_ALLOWED);
		return -1;
	}
	/* The clients' range overlaps SRC when neither lies wholly on one
	 * side of it. */
	uint32_t last = src->net | ~mask_of(src->len);
	if (client_first <= last && client_last >= src->net) {
		snprintf(err, errlen, "flood sources %s hold real client addresses", s);
		return -1;
	}
	return gen_target_check(target, err, errlen);
}

void gen_spoof_draw(const struct gen_cidr *c, uint64_t r, uint32_t *ip,
		    uint16_t *port)
{
	uint64_t size = 1ull << (32 - c->len);
	uint32_t host;

	if (size > 2)
		host = (uint32_t)(1 + (r & 0xffffffffu) % (size - 2));
	else
		host = (uint32_t)((r & 0xffffffffu) % size);
	*ip = c->net | host;
	*port = (uint16_t)(1024 + (r >> 32) % (65536 - 1024));
}

/* RFC 1071 one's-complement sum of LEN bytes (LEN even), folded. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

size_t gen_syn_frame(uint8_t *buf, size_t cap, const struct gen_syn *s)
{
	/* Checked again here, not only where the options are read: this
	 * is the one place a spoofed frame is written. */
	if (cap < GEN_SYN_FRAME_LEN || !gen_cidr_contains(&spoof_allowed, s->src_ip) ||
	    !gen_cidr_contains(&target_allowed, s->dst_ip))
		return 0;
	uint8_t *ip = buf + 14, *th = ip + 20;

	memcpy(buf, s->dst_mac, 6);
	memcpy(buf + 6, s->src_mac, 6);
	put16(buf + 12, 0x0800);
	ip[0] = 0x45;             /* version 4, 20-byte header */
	ip[1] = 0;
	put16(ip + 2, 20 + 24);
	put16(ip + 4, s->ip_id);
	put16(ip + 6, 0x4000);    /* DF */
	ip[8] = 64;
	ip[9] = 6;                /* TCP */
	put16(ip + 10, 0);
	put32(ip + 12, s->src_ip);
	put32(ip + 16, s->dst_ip);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(th, s->sport);
	put16(th + 2, s->dport);
	put32(th + 4, s->seq);
	put32(th + 8, 0);
	th[12] = 6 << 4;          /* 24-byte header: one MSS option */
	th[13] = 0x02;            /* SYN */
	put16(th + 14, 65535);
	put16(th + 16, 0);
	put16(th + 18, 0);
	th[20] = 2;               /* MSS, RFC 9293 section 3.2 */
	th[21] = 4;
	put16(th + 22, s->mss);
	/* RFC 9293 section 3.1: the pseudo-header is the addresses, zero,
	 * the protocol and the TCP length. */
	uint32_t ph = sum16(ip + 12, 8, 0) + 6 + 24;
	put16(th + 16, fold(sum16(th, 24, ph)));
	return GEN_SYN_FRAME_LEN;
}

/* steerd's responses, parsed (docs/control.md), and their values as text.
 *
 * A response is one JSON object; it is parsed whole into a node array
 * sized from the text (see nodes_bound()). Strings from steerd are user
 * data (names, regexes, error messages quoting a config line): control
 * characters are escaped before they reach a terminal. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-int.h"

/* ---- parsed documents ---- */

/* An upper bound of the values in TEXT[0..LEN): every value but the root
 * follows a '[', '{' or ',' outside a string. */
static size_t nodes_bound(const char *t, size_t len)
{
	size_t n = 1;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		char c = t[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{' || c == ',') {
			n++;
		}
	}
	return n;
}

int doc_parse(struct doc *d, const char *text, size_t len,
	      const char *what, char *err, size_t errlen)
{
	size_t max = nodes_bound(text, len);
	const char *why = NULL;

	d->root = NULL;
	if (max > INT32_MAX)
		return cli_errf(err, errlen, -1, "%s too large", what);
	if ((d->nodes = calloc(max, sizeof(*d->nodes))) == NULL)
		return cli_errf(err, errlen, -1, "out of memory");
	if (json_parse(text, len, d->nodes, (unsigned)max, &why) < 0) {
		free(d->nodes);
		d->nodes = NULL;
		return cli_errf(err, errlen, -1, "malformed %s: %s", what,
				why ? why : "unknown error");
	}
	if (d->nodes[0].type != JSON_OBJECT) {
		free(d->nodes);
		d->nodes = NULL;
		return cli_errf(err, errlen, -1,
				"malformed %s: not a JSON object", what);
	}
	d->root = &d->nodes[0];
	return 0;
}

void doc_free(struct doc *d)
{
	free(d->nodes);
	d->nodes = NULL;
}

/* ---- text ---- */

char *node_str(const struct json_node *n, bool key)
{
	struct json_node k = { .type = JSON_STRING };
	char *buf;

	if (key) {
		k.str = n->key;
		k.str_len = n->key_len;
		n = &k;
	}
	if ((buf = malloc((size_t)n->str_len + 1)) == NULL)
		return NULL;
	if (json_str_copy(n, buf, (size_t)n->str_len + 1) < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* S with C0 and C1 control characters (and DEL) written as \xNN or
 * \u00NN, so a name or message cannot move the cursor or change a
 * terminal's state; other UTF-8 passes through. Malloc'd, or NULL. */
static char *sanitize(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n * 4 + 1);

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			o += (size_t)sprintf(out + o, "\\x%02x", c);
		} else if (c == 0xc2 && i + 1 < n &&
			   (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			/* U+0080..U+009F: two bytes become six characters */
			o += (size_t)sprintf(out + o, "\\u%04x",
					     (unsigned char)s[++i]);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* A number as an integer when it is one. */
static void fmt_number(double v, char *buf, size_t len)
{
	if (v >= -9e15 && v <= 9e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%g", v);
}

char *node_text(const struct json_node *n)
{
	char num[40], *raw, *s;

	if (n == NULL || n->type == JSON_NULL)
		return strdup("-");
	switch (n->type) {
	case JSON_BOOL:
		return strdup(n->boolean ? "yes" : "no");
	case JSON_NUMBER:
		fmt_number(n->number, num, sizeof(num));
		return strdup(num);
	case JSON_STRING:
		if ((raw = node_str(n, false)) == NULL)
			return strdup("?");
		s = sanitize(raw);
		free(raw);
		return s;
	default:
		return strdup(n->type == JSON_ARRAY ? "[...]" : "{...}");
	}
}

char *node_key(const struct json_node *n)
{
	char *raw = node_str(n, true), *s;

	if (raw == NULL)
		return strdup("?");
	s = sanitize(raw);
	free(raw);
	return s;
}

void node_print(FILE *out, const struct json_node *n)
{
	char *s = node_text(n);

	fputs(s ? s : "?", out);
	free(s);
}

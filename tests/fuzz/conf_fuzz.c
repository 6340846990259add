/* libFuzzer target for the configuration loader: any bytes must load or be
 * rejected with a message, never crash, hang or leak. The input is copied
 * so that it is NUL-terminated (conf_load_string() takes a C string; an
 * embedded NUL simply ends the text early, as it would for a caller). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig's bison grammar (1.5, and upstream still) has no %destructor
 * for TOK_STRING: when a syntax error is found with a string as the
 * lookahead token (a file that is just `""`, or `name "";`), the scanner's
 * copy of that string is never freed. That is libconfig's leak, a few bytes
 * per rejected file, out of the loader's reach. Only allocations made by the
 * scanner are suppressed (strbuf_append() for non-empty strings, the scanner
 * itself for empty ones; two names because libconfig is built without frame
 * pointers, so a stack may stop at either); a leaked config_t, or anything
 * of ours, still fails the run. */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *text = malloc(size + 1);
	struct steer_conf *c;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	c = conf_load_string(text, "fuzz.conf", err, sizeof(err));
	/* A rejection must say where: "fuzz.conf:LINE: what" or, for an
	 * allocation failure, "fuzz.conf: out of memory". */
	if (c == NULL && strncmp(err, "fuzz.conf:", 10) != 0)
		abort();
	conf_free(c);
	free(text);
	return 0;
}

/* libFuzzer target for an intercept change (conf_derive + rs_derive): the
 * input is the libconfig group text of intercept.add, applied to a fixed
 * running configuration. Any bytes must give a ruleset or a refusal with a
 * message, never crash, hang or leak; an accepted change must be one a
 * compile of the same change through the configuration's text accepts too,
 * with the same dump. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig's own leak on a syntax error at a string (see conf_fuzz.c). */
const char *__lsan_default_suppressions(void)
{
	return "leak:strbuf_append\nleak:libconfig_yylex\n";
}

static const char base_conf[] =
	"dataplane = { workers = 1; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
	"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
	"services = ( { name = \"web\"; backends = ( { address = \"198.18.1.10:8080\"; } ); },\n"
	"             { name = \"api\"; backends = ( ); } );\n"
	"tunnels = ( { name = \"bob\"; type = \"direct\"; target = \"198.18.1.21:9000\"; } );\n"
	"previews = { domain = \"pv.test\"; };\n"
	"intercepts = (\n"
	"  { name = \"a\"; service = \"web\"; tunnel = \"bob\"; preview = \"pa\";\n"
	"    headers = ( { name = \"x-id\"; value = \"1\"; } ); },\n"
	"  { name = \"b\"; service = \"web\"; tunnel = \"bob\";\n"
	"    headers = ( { name = \"x-user\"; regex = \"^b\"; } ); path_prefix = \"/b/\"; },\n"
	"  { name = \"c\"; service = \"api\"; tunnel = \"bob\"; path_equal = \"/c\"; }\n"
	");\n";

static struct ruleset *base;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], rerr[512];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (base == NULL) {
		struct steer_conf *c = conf_load_string(base_conf, "base.conf", err, sizeof(err));
		base = c ? rs_compile(c, err, sizeof(err)) : NULL;
		if (base == NULL)
			abort();
	}
	struct steer_conf *nc = conf_derive(rs_conf(base), text, -1, err, sizeof(err));
	struct ruleset *rs = nc ? rs_derive(base, nc, -1, true, err, sizeof(err)) : NULL;
	if (nc != NULL && rs == NULL)
		conf_free(nc);
	/* a refusal says where: "intercept.add:LINE: what" */
	if (rs == NULL && strncmp(err, "intercept.add:", 14) != 0)
		abort();
	if (rs != NULL) {
		struct conf_edit e = { .add_intercept = text };
		char *t = conf_dump(rs_conf(base), &e, rerr, sizeof(rerr));
		struct steer_conf *rc = t ? conf_load_string(t, "running-config", rerr,
							     sizeof(rerr)) : NULL;
		struct ruleset *ref = rc ? rs_compile(rc, rerr, sizeof(rerr)) : NULL;
		if (ref == NULL && rc != NULL)
			conf_free(rc);
		char *da = conf_dump(rs_conf(rs), NULL, err, sizeof(err));
		char *db = ref ? conf_dump(rs_conf(ref), NULL, rerr, sizeof(rerr)) : NULL;
		/* the text path may refuse what one group cannot express
		 * alike (text that closes the group and opens another
		 * section is refused here), never the other way round */
		if (ref == NULL || da == NULL || db == NULL || strcmp(da, db) != 0)
			abort();
		free(da);
		free(db);
		free(t);
		rs_free(ref);
		rs_free(rs);      /* not adopted: the base stays whole */
	}
	free(text);
	return 0;
}

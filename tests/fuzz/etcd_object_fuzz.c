/* libFuzzer target for a rule object read from etcd (etcd_layout.c,
 * conf_json.c, conf_overlay.c): any bytes as the value of a service,
 * listener, previews, tunnel or intercept key (the first byte picks the
 * kind) laid over a small node configuration must load or be refused
 * with a message, never crash, leak or read outside the input; a
 * refusal names the key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "etcd_layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_text[] =
	"dataplane = { eal = [ \"--no-huge\" ]; };\n"
	"ports = ( { name = \"edge\"; device = \"net_null0\"; address = \"198.18.0.1/24\"; } );\n"
	"listeners = ( { name = \"web\"; address = \"198.18.0.1:80\"; default_service = \"web\"; } );\n"
	"services = ( { name = \"web\"; backends = ( { address = \"198.18.0.10:8080\"; } ); } );\n"
	"tunnels = ( { name = \"dev\"; type = \"direct\"; target = \"198.18.0.21:9000\"; } );\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {
		"/steer/f/services/web", "/steer/f/services/x", "/steer/f/listeners/web",
		"/steer/f/listeners/x", "/steer/f/previews", "/steer/f/tunnels/dev",
		"/steer/f/intercepts/x",
	};
	static struct steer_conf *base;
	char err[1024];
	struct etcd_kv kv = { 0 };

	if (base == NULL && (base = conf_load_string(base_text, "base", err,
						     sizeof(err))) == NULL)
		abort();
	if (size < 1)
		return 0;
	strcpy(kv.key, keys[data[0] % (sizeof(keys) / sizeof(keys[0]))]);
	kv.value = malloc(size);
	if (kv.value == NULL)
		return 0;
	memcpy(kv.value, data + 1, size - 1);
	kv.value[size - 1] = '\0';
	kv.value_len = size - 1;
	err[0] = '\0';
	struct steer_conf *c = etcd_conf_apply(base, "/steer/f/", &kv, 1, false, err,
					       sizeof(err));
	if (c == NULL && (err[0] == '\0' || strlen(err) >= sizeof(err)))
		abort();
	conf_free(c);
	free(kv.value);
	return 0;
}

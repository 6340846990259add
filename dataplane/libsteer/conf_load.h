/* The configuration loader's sections: one function per top-level section
 * of the file, each in a file of its own, called by conf.c in dependency
 * order; plus the getters several sections share (defined in conf.c).
 *
 *   conf_dataplane.c   dataplane, control
 *   conf_net.c         ports, routes
 *   conf_services.c    services (health: conf_health.c)
 *   conf_tunnels.c     tunnels
 *   conf_listeners.c   listeners
 *   conf_intercepts.c  previews, intercepts
 *
 * Each section loader reads its section of ROOT into l->c and returns 0,
 * -EINVAL (the message in L) or -ENOMEM; what it allocated before a
 * failure is conf_free()'s to release. Private to libsteer; not an API. */
#ifndef STEER_CONF_LOAD_H
#define STEER_CONF_LOAD_H

#include <stdbool.h>
#include <libconfig.h>

#include "conf_parse.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- sections, in the order conf.c loads them ---- */

int conf_load_dataplane(struct conf_loader *l, const config_setting_t *root);
int conf_load_ports(struct conf_loader *l, const config_setting_t *root);
/* after ports: a next hop must be on a port's subnet */
int conf_load_routes(struct conf_loader *l, const config_setting_t *root);
int conf_load_services(struct conf_loader *l, const config_setting_t *root);
int conf_load_tunnels(struct conf_loader *l, const config_setting_t *root);
/* after services: listeners name them */
int conf_load_listeners(struct conf_loader *l, const config_setting_t *root);
int conf_load_previews(struct conf_loader *l, const config_setting_t *root);
/* after services, tunnels and previews: intercepts name the first two and
 * a preview needs previews.domain */
int conf_load_intercepts(struct conf_loader *l, const config_setting_t *root);
/* One element of the intercepts list (conf_intercepts.c); also what
 * conf_derive() validates an added intercept with. */
int conf_load_intercept(struct conf_loader *l, const config_setting_t *e,
			unsigned i, struct conf_intercept *in);
int conf_load_control(struct conf_loader *l, const config_setting_t *root);
int conf_load_cluster(struct conf_loader *l, const config_setting_t *root);

/* ---- getters several sections share ---- */

/* The service named by string KEY (required) of E, as an index into
 * l->c->services (loaded already). */
int ld_get_service_ref(struct conf_loader *l, const config_setting_t *e,
		       const char *key, const char *what, unsigned *out);
/* An optional host name (SUFFIX: a host_suffix) KEY of E: checked,
 * lowercased, copied into *OUT. */
int ld_get_host(struct conf_loader *l, const config_setting_t *e,
		const char *key, bool suffix, char **out);
/* An optional request path KEY of E: checked (conf_check_path) and copied
 * into *OUT. */
int ld_get_path(struct conf_loader *l, const config_setting_t *e,
		const char *key, char **out);

#endif

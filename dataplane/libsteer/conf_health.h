/* A service's `health` group (docs/configuration.md, "services[].health"):
 * loading it (conf_services.c) and writing it back (conf_dump.c). Private to
 * libsteer. */
#ifndef STEER_CONF_HEALTH_H
#define STEER_CONF_HEALTH_H

#include <stddef.h>

#include "conf-t.h"
#include "conf_parse.h"

/* Load services[].health of group SVC into S->health (absent: disabled).
 * WHAT names the service for messages. Returns 0, -EINVAL (message in L)
 * or -ENOMEM. */
int conf_load_health(struct conf_loader *l, const config_setting_t *svc,
		     struct conf_service *s, const char *what);

/* H as libconfig text, " health = { ... };" (leading space, every key
 * written), into BUF. Returns the length, or -ENOSPC when LEN is too
 * small (CONF_HEALTH_TEXT_MAX always suffices for a loaded H). */
#define CONF_HEALTH_TEXT_MAX 1536
int conf_health_format(const struct conf_health *h, char *buf, size_t len);

/* Free what H owns. */
void conf_health_free(struct conf_health *h);

#endif

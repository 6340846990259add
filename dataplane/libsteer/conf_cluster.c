/* The optional `cluster` section (docs/configuration.md): which etcd
 * prefix the node follows. steerd only carries it (steer-etcd and
 * steerctl --config read it); it is validated here like the rest, so a
 * bad endpoint list names its line at load time. */
#include <string.h>

#include "conf_load.h"
#include "etcd.h"

int conf_load_cluster(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "etcd", "node", NULL };
	static const char what[] = "cluster";
	struct conf_cluster *cl = &l->c->cluster;
	const char *name, *etcd, *node = NULL;
	config_setting_t *g;
	struct etcd_client c;
	char err[300];
	int rc;

	if ((rc = ld_get_group(l, root, "cluster", false, &g)) != 0 || g == NULL)
		return rc;
	if ((rc = ld_check_keys(l, g, keys, what)) != 0 ||
	    (rc = ld_get_checked(l, g, "name", what, true, conf_check_name, &name)) != 0 ||
	    (rc = ld_get_string(l, g, "etcd", what, true, &etcd)) != 0 ||
	    (rc = ld_get_checked(l, g, "node", what, false, conf_check_name, &node)) != 0)
		return rc;
	if (etcd_client_init(&c, etcd, 0, err, sizeof(err)) < 0)
		return ld_fail(l, config_setting_get_member(g, "etcd"), "%s", err);
	if ((rc = ld_dup(l, name, &cl->name)) != 0 ||
	    (rc = ld_dup(l, etcd, &cl->etcd)) != 0 ||
	    (node != NULL && (rc = ld_dup(l, node, &cl->node)) != 0))
		return rc;
	return 0;
}

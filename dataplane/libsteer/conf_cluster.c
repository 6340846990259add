/* The optional `cluster` section (docs/configuration.md): which etcd
 * prefix the node follows, and the node ids owner forwarding uses
 * (docs/scale-out.md "Flows that move"). steer-etcd and steerctl --config
 * read the first part; steerd's workers read `id` and `nodes`. Validated
 * here like the rest, so a bad endpoint list or node names its line at
 * load time. */
#include <stdio.h>
#include <string.h>

#include "conf_load.h"
#include "conf_parse.h"
#include "etcd.h"

static bool on_port_subnet(const struct steer_conf *c, uint32_t ip)
{
	for (unsigned i = 0; i < c->n_ports; i++) {
		uint32_t mask = UINT32_MAX << (32 - c->ports[i].plen);

		if ((ip & mask) == (c->ports[i].ip & mask))
			return true;
	}
	return false;
}

/* `nodes`: ids 1..CONF_NODE_ID_MAX and addresses, each unique; `id` must
 * be given with it (and it without `id` means nothing to forward to). */
static int load_nodes(struct conf_loader *l, const config_setting_t *g,
		      struct conf_cluster *cl)
{
	static const char *const keys[] = { "id", "address", NULL };
	config_setting_t *list;
	unsigned n;
	uint32_t id = 0;
	int rc;

	if ((rc = ld_get_u32(l, g, "id", "cluster", false, 1, CONF_NODE_ID_MAX,
			     &id)) != 0 ||
	    (rc = ld_get_list(l, g, "nodes", false, &list, &n)) != 0)
		return rc;
	if (id != 0 && list == NULL)
		return ld_fail(l, config_setting_get_member(g, "id"),
			       "cluster 'id' needs a 'nodes' list (the other nodes' ids and addresses)");
	if (list != NULL && id == 0)
		return ld_fail(l, list, "cluster 'nodes' needs this node's own 'id'");
	if (n > CONF_NODE_ID_MAX)
		return ld_fail(l, list, "cluster 'nodes': at most %d nodes (ids 1..%d)",
			       CONF_NODE_ID_MAX, CONF_NODE_ID_MAX);
	cl->id = (uint8_t)id;
	for (unsigned t = 0; id != 0 && t < l->c->n_tunnels; t++)
		if (l->c->tunnels[t].type == CONF_TUNNEL_VXLAN &&
		    l->c->tunnels[t].vni == CONF_NODE_VNI)
			return ld_fail(l, config_setting_get_member(g, "id"),
				       "tunnel '%s' (line %d) uses VNI %u, the node-to-node VNI of a cluster with 'id'",
				       l->c->tunnels[t].name, l->c->tunnels[t].line, CONF_NODE_VNI);
	for (unsigned i = 0; i < n; i++) {
		struct conf_node *nd = &cl->nodes[i];
		config_setting_t *e;
		uint32_t nid;
		char what[LD_WHAT_MAX];

		snprintf(what, sizeof(what), "cluster node #%u", i + 1);
		if ((rc = ld_get_elem(l, list, i, "cluster node", &e)) != 0 ||
		    (rc = ld_check_keys(l, e, keys, what)) != 0 ||
		    (rc = ld_get_u32(l, e, "id", what, true, 1, CONF_NODE_ID_MAX,
				     &nid)) != 0 ||
		    (rc = ld_get_ipv4(l, e, "address", what, &nd->addr)) != 0)
			return rc;
		nd->id = (uint8_t)nid;
		nd->line = ld_line(e);
		if (!on_port_subnet(l->c, nd->addr))
			return ld_fail(l, config_setting_get_member(e, "address"),
				       "%s: address not on a port's subnet (a node is known alive by its ARP answers)",
				       what);
		for (unsigned j = 0; j < i; j++) {
			if (cl->nodes[j].id == nd->id)
				return ld_fail(l, e, "duplicate cluster node id %u (first at line %d)",
					       nid, cl->nodes[j].line);
			if (cl->nodes[j].addr == nd->addr)
				return ld_fail(l, e, "duplicate cluster node address (first at line %d)",
					       cl->nodes[j].line);
		}
		cl->n_nodes = i + 1;
	}
	return 0;
}

int conf_load_cluster(struct conf_loader *l, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "etcd", "node", "id", "nodes",
					    NULL };
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
	    (rc = ld_get_checked(l, g, "node", what, false, conf_check_name, &node)) != 0 ||
	    (rc = load_nodes(l, g, cl)) != 0)
		return rc;
	if (etcd_client_init(&c, etcd, 0, err, sizeof(err)) < 0)
		return ld_fail(l, config_setting_get_member(g, "etcd"), "%s", err);
	if ((rc = ld_dup(l, name, &cl->name)) != 0 ||
	    (rc = ld_dup(l, etcd, &cl->etcd)) != 0 ||
	    (node != NULL && (rc = ld_dup(l, node, &cl->node)) != 0))
		return rc;
	return 0;
}

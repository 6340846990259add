/* What the metrics endpoint shows of a cluster (ctrl_cluster.c). */
#ifndef STEER_CTRL_CLUSTER_H
#define STEER_CTRL_CLUSTER_H

#include <stdio.h>

/* The steer_cluster_* metrics; nothing when no steer-etcd reported. */
void ctrl_cluster_metrics(FILE *f);

#endif

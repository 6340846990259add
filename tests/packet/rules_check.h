/* Checking a Prometheus rules file against steerd's exposition: every
 * steer_* metric it names must be exported, with the labels and label
 * values its matchers use, so that renaming a metric or a drop reason
 * breaks a test rather than an alert (config/prometheus/steer-rules.yml). */
#ifndef STEER_RULES_CHECK_H
#define STEER_RULES_CHECK_H

#include <stddef.h>

/* Check RULES (the text of a rules file) against TEXT (metrics_text()).
 * - each steer_* name without a colon (colons are recording rules') must
 *   have samples or a TYPE line in TEXT;
 * - each of its label matchers must name a label its samples carry, and
 *   each value (every alternative of a =~ / !~ regex, which must be plain
 *   words joined by |) one they take; values of steer_drops_total's
 *   "reason" are checked against REASONS (N_REASONS names) instead;
 * - labels in by / without / on / ignoring / group_* lists and
 *   {{ $labels.x }} must be on some steer_* sample, or be instance / job.
 * YAML comments are skipped; template values ({{ ... }}) are not checked.
 * One line per problem goes to ERR (LEN bytes, always terminated), naming
 * the rules file's line. Returns the number of problems; *REFS gets the
 * number of metric references checked. */
unsigned rules_check(const char *rules, const char *text,
		     const char *const *reasons, unsigned n_reasons,
		     char *err, size_t len, unsigned *refs);

#endif

/* Checking a Prometheus rules file against steerd's exposition: every
 * steer_* metric it names must be exported, with the labels and label
 * values its matchers use, so that renaming a metric or a drop reason
 * breaks a test rather than an alert (config/prometheus/steer-rules.yml). */
#ifndef STEER_RULES_CHECK_H
#define STEER_RULES_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct rules_check_in {
	const char *rules;        /* a rules file's text, or a promtool test's */
	const char *defs;         /* the rules file a test tests (its recording
				   * rules are known too); NULL: none */
	const char *text;         /* steerd's exposition (metrics_text()) */
	const char *const *reasons; /* the drop-name table */
	unsigned n_reasons;
	bool values;              /* check label values (false for test data:
				   * the made-up instances, backends and
				   * buckets of promtool's input series) */
};

/* Check IN->rules against IN->text:
 * - each steer_* name without a colon (colons are recording rules') must
 *   have samples or a TYPE line in the exposition;
 * - each of its label matchers must name a label its samples carry, and
 *   each value (every alternative of a =~ / !~ regex, which must be plain
 *   words joined by |) one they take; values of steer_drops_total's
 *   "reason" are checked against the drop-name table instead, always;
 * - a recording rule's series (a name with ":steer_" in it) must be
 *   recorded in RULES or DEFS, and its matchers hold for the steer_*
 *   metrics its expression reads;
 * - labels in by / without / on / ignoring / group_* lists and
 *   {{ $labels.x }} must be on some steer_* sample, or be instance / job.
 * YAML comments are skipped; template values ({{ ... }}) are not checked.
 * One line per problem goes to ERR (LEN bytes, always terminated), naming
 * the line of RULES. Returns the number of problems; *REFS gets the number
 * of steer_* metric references checked. */
unsigned rules_check(const struct rules_check_in *in, char *err, size_t len,
		     unsigned *refs);

#endif

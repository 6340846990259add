/* Tables of text for steerctl's output: columns separated by two spaces,
 * each as wide as its widest cell. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli-int.h"

/* Display width of UTF-8 S: code points (no wide-character tables). */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s != '\0'; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

void tab_add(struct table *t, char *cell)
{
	if (cell == NULL)
		t->failed = true;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cells, cap * sizeof(*c));

		if (c == NULL) {
			t->failed = true;
			free(cell);
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	t->cells[t->n++] = cell;
}

void tab_addn(struct table *t, const struct json_node *n)
{
	tab_add(t, node_text(n));
}

void tab_header(struct table *t, const char *const *names, unsigned n)
{
	t->cols = n;
	for (unsigned i = 0; i < n; i++)
		tab_add(t, strdup(names[i]));
}

int tab_print(const struct table *t, FILE *out)
{
	size_t *w = calloc(t->cols ? t->cols : 1, sizeof(*w));

	if (w == NULL || t->failed) {
		free(w);
		return -1;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->cols, cw = width(t->cells[i]);

		if (cw > w[c])
			w[c] = cw;
	}
	for (size_t i = 0; i < t->n; i++) {
		size_t c = i % t->cols;

		fputs(t->cells[i], out);
		if (c + 1 == t->cols || i + 1 == t->n)
			fputc('\n', out);
		else
			fprintf(out, "%*s",
				(int)(w[c] - width(t->cells[i]) + 2), "");
	}
	free(w);
	return 0;
}

void tab_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct table){ 0 };
}

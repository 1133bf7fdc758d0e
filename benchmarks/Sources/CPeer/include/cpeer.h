#ifndef CPEER_H
#define CPEER_H

#include <stddef.h>

/// A hand-written C one-pass resolver for `{{Secrets.Name}}` references, the peer the
/// Resolver's bar is set against: memchr for the opening brace, a hash lookup on the
/// case-folded name, memcpy into one fresh malloc'd buffer. It knows the default delimiters
/// only, no filters and no header guard: the work of the benchmark fixture and no more.
typedef struct cpeer_table cpeer_table;

cpeer_table *cpeer_table_new(size_t expected_count);
/// Copies name and value. Returns 0, or -1 if the name is already present or memory ran out.
int cpeer_table_put(cpeer_table *table, const char *name, size_t name_len, const char *value, size_t value_len);
void cpeer_table_free(cpeer_table *table);

/// The rendered template in a fresh malloc'd buffer the caller frees, its length in
/// *out_len; NULL for a malformed Secrets reference or an unknown name.
unsigned char *cpeer_render(const cpeer_table *table, const unsigned char *template_bytes, size_t len,
                            size_t *out_len);

#endif

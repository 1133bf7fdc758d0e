#include "cpeer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    uint64_t hash;          /* 0 marks an empty bucket */
    unsigned char *name;    /* folded */
    size_t name_len;
    unsigned char *value;
    size_t value_len;
};

struct cpeer_table {
    struct entry *buckets;
    size_t mask;
};

/* One table serves both questions a scan asks of a byte: is it a name byte, and what is it
   folded to lower case. 0 means not a name byte. */
static unsigned char name_fold[256];

static void init_name_fold(void) {
    if (name_fold['a']) return;
    for (int c = 0; c < 256; c++) {
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') name_fold[c] = (unsigned char)c;
        else if (c >= 'A' && c <= 'Z') name_fold[c] = (unsigned char)(c + 32);
    }
}

static inline unsigned char fold(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

/* FNV-1a over folded bytes; never 0. */
static inline uint64_t hash_folded(const unsigned char *folded, size_t len) {
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < len; i++) {
        h ^= folded[i];
        h *= FNV_PRIME;
    }
    return h ? h : 1;
}

cpeer_table *cpeer_table_new(size_t expected_count) {
    size_t capacity = 16;
    while (capacity < expected_count * 2) capacity *= 2;
    init_name_fold();
    cpeer_table *table = malloc(sizeof *table);
    if (!table) return NULL;
    table->buckets = calloc(capacity, sizeof(struct entry));
    if (!table->buckets) { free(table); return NULL; }
    table->mask = capacity - 1;
    return table;
}

int cpeer_table_put(cpeer_table *table, const char *name, size_t name_len, const char *value, size_t value_len) {
    unsigned char *folded = malloc(name_len ? name_len : 1);
    unsigned char *copy = malloc(value_len ? value_len : 1);
    if (!folded || !copy) { free(folded); free(copy); return -1; }
    for (size_t i = 0; i < name_len; i++) folded[i] = fold((unsigned char)name[i]);
    memcpy(copy, value, value_len);
    uint64_t h = hash_folded(folded, name_len);
    size_t at = (size_t)h & table->mask;
    while (table->buckets[at].hash) {
        struct entry *e = &table->buckets[at];
        if (e->hash == h && e->name_len == name_len && memcmp(e->name, folded, name_len) == 0) {
            free(folded); free(copy); return -1;
        }
        at = (at + 1) & table->mask;
    }
    table->buckets[at] = (struct entry){ h, folded, name_len, copy, value_len };
    return 0;
}

void cpeer_table_free(cpeer_table *table) {
    if (!table) return;
    for (size_t i = 0; i <= table->mask; i++) {
        if (table->buckets[i].hash) { free(table->buckets[i].name); free(table->buckets[i].value); }
    }
    free(table->buckets);
    free(table);
}

static inline const struct entry *lookup(const cpeer_table *table, const unsigned char *folded, size_t len,
                                         uint64_t h) {
    size_t at = (size_t)h & table->mask;
    for (;;) {
        const struct entry *e = &table->buckets[at];
        if (!e->hash) return NULL;
        if (e->hash == h && e->name_len == len && memcmp(e->name, folded, len) == 0) return e;
        at = (at + 1) & table->mask;
    }
}

static inline int reserve(unsigned char **out, size_t *cap, size_t used, size_t more) {
    if (used + more <= *cap) return 0;
    size_t next = *cap * 2;
    while (next < used + more) next *= 2;
    unsigned char *grown = realloc(*out, next);
    if (!grown) return -1;
    *out = grown;
    *cap = next;
    return 0;
}

unsigned char *cpeer_render(const cpeer_table *table, const unsigned char *t, size_t len, size_t *out_len) {
    /* One fresh buffer, sized for the template plus room for values longer than their
       references; grown only if values are unusually long. */
    size_t cap = len + 256;
    unsigned char *out = malloc(cap);
    if (!out) return NULL;
    size_t used = 0;
    size_t literal = 0;     /* start of the literal run not yet copied */
    size_t pos = 0;         /* where the next search starts */
    unsigned char folded[128];
    while (pos + 1 < len) {
        const unsigned char *hit = memchr(t + pos, '{', len - pos - 1);
        if (!hit) break;
        size_t at = (size_t)(hit - t);
        pos = at + 1;
        if (t[at + 1] != '{') continue;
        size_t q = at + 2;
        while (q < len && (t[q] == ' ' || t[q] == '\t')) q++;
        /* "secrets." in any case, as one 8-byte compare: OR-ing 0x20 folds the letters and
           leaves '.' as it is. */
        if (q + 8 > len) continue;
        uint64_t word;
        memcpy(&word, t + q, 8);
        uint64_t expected;
        memcpy(&expected, "secrets.", 8);
        if ((word | 0x0020202020202020ULL) != expected) continue;
        q += 8;
        /* Fold and hash in the same pass over the name. */
        size_t name_len = 0;
        uint64_t h = FNV_OFFSET;
        unsigned char c;
        while (q < len && (c = name_fold[t[q]]) != 0) {
            if (name_len == sizeof folded) goto fail;
            folded[name_len++] = c;
            h = (h ^ c) * FNV_PRIME;
            q++;
        }
        if (!h) h = 1;
        while (q < len && (t[q] == ' ' || t[q] == '\t')) q++;
        if (name_len == 0 || q + 2 > len || t[q] != '}' || t[q + 1] != '}') goto fail;
        const struct entry *e = lookup(table, folded, name_len, h);
        if (!e) goto fail;
        size_t run = at - literal;
        if (reserve(&out, &cap, used, run + e->value_len) != 0) goto fail;
        memcpy(out + used, t + literal, run);
        used += run;
        memcpy(out + used, e->value, e->value_len);
        used += e->value_len;
        pos = literal = q + 2;
    }
    if (reserve(&out, &cap, used, len - literal) != 0) goto fail;
    memcpy(out + used, t + literal, len - literal);
    used += len - literal;
    *out_len = used;
    return out;
fail:
    free(out);
    return NULL;
}

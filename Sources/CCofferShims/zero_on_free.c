// Every block this process frees is zeroed first. A secret value passes through copies that
// no code of ours owns (request bodies decoded by Foundation, NIO's buffers, Swift strings);
// freed unzeroed, each stayed in the heap until reused. Defining free and realloc in the
// executable puts these in front of glibc's for every library the process loads, as a
// hardened allocator's zero-on-free option does.
#define _GNU_SOURCE
#include <malloc.h>
#include <stddef.h>
#include <string.h>

extern void __libc_free(void *);
extern void *__libc_malloc(size_t);

void free(void *pointer) {
    if (pointer != NULL) explicit_bzero(pointer, malloc_usable_size(pointer));
    __libc_free(pointer);
}

// glibc's realloc frees the old block itself, unzeroed: a growing buffer is moved here instead.
void *realloc(void *pointer, size_t size) {
    if (pointer == NULL) return __libc_malloc(size);
    if (size == 0) {
        free(pointer);
        return NULL;
    }
    size_t usable = malloc_usable_size(pointer);
    if (size <= usable) return pointer;
    void *moved = __libc_malloc(size);
    if (moved == NULL) return NULL;
    memcpy(moved, pointer, usable);
    free(pointer);
    return moved;
}

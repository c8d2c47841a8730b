/*
 * alloc.c — the allocator every core file uses (regio__malloc and friends), replaceable as a
 * whole like libuv's uv_replace_allocator, and a test hook that makes the Nth allocation fail so
 * that tests can walk a scenario through every allocation failure.
 */
#include "regio-int.h"

#include <stdlib.h>

static regio_malloc_fn alloc_malloc = malloc;
static regio_realloc_fn alloc_realloc = realloc;
static regio_calloc_fn alloc_calloc = calloc;
static regio_free_fn alloc_free = free;

/* Allocations made so far, and the number of the one that must fail (0: none). */
static uint64_t alloc_count;
static uint64_t alloc_fail_at;

int regio_replace_allocator(regio_malloc_fn m, regio_realloc_fn r, regio_calloc_fn c,
                            regio_free_fn f) {
  if (m == NULL || r == NULL || c == NULL || f == NULL) return REGIO_EINVAL;
  alloc_malloc = m;
  alloc_realloc = r;
  alloc_calloc = c;
  alloc_free = f;
  return 0;
}

void regio_alloc_fail_at(uint64_t n) { alloc_fail_at = n == 0 ? 0 : alloc_count + n; }

uint64_t regio_alloc_count(void) { return alloc_count; }

/* Counts one allocation; returns true when this one must fail. */
static bool alloc_should_fail(void) {
  alloc_count++;
  if (alloc_fail_at != 0 && alloc_count == alloc_fail_at) {
    alloc_fail_at = 0;
    return true;
  }
  return false;
}

void *regio__malloc(size_t size) {
  if (alloc_should_fail()) return NULL;
  return alloc_malloc(size);
}

void *regio__calloc(size_t n, size_t size) {
  if (alloc_should_fail()) return NULL;
  return alloc_calloc(n, size);
}

void *regio__realloc(void *ptr, size_t size) {
  if (alloc_should_fail()) return NULL;
  return alloc_realloc(ptr, size);
}

void regio__free(void *ptr) {
  if (ptr) alloc_free(ptr);
}

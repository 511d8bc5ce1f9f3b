/*
 * tests/fuzz/fuzz.h - helpers shared by the libFuzzer harnesses.
 *
 * Every harness is one file, tests/fuzz/fuzz_<target>.c, that defines
 * LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize).  A harness
 * reports a broken invariant with FUZZ_CHECK, which prints what failed and
 * aborts: libFuzzer then saves the input as a crash artifact.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "%s:%d: fuzz check failed: %s: ",     \
				__FILE__, __LINE__, #cond);                   \
			fprintf(stderr, __VA_ARGS__);                         \
			fputc('\n', stderr);                                  \
			abort();                                              \
		}                                                             \
	} while (0)

/* An error buffer a decoder filled: NUL terminated, and said something. */
static inline void fuzz_check_err(const char *err, size_t len)
{
	FUZZ_CHECK(memchr(err, '\0', len) != NULL, "error not terminated");
	FUZZ_CHECK(err[0] != '\0', "failure without a message");
}

/* True when every byte of the object is zero (a decoder's failure state). */
static inline bool fuzz_is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		if (c[i])
			return false;
	return true;
}

/* The input as a NUL-terminated string (free() it), cut at a NUL byte. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* cJSON_PrintUnformatted, aborting on OOM (not a finding here). */
static inline char *fuzz_print(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	FUZZ_CHECK(s != NULL, "cJSON_PrintUnformatted failed");
	return s;
}

/* Two nullable strings are equal. */
static inline bool fuzz_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

#endif /* TESTS_FUZZ_FUZZ_H */

/* SPDX-License-Identifier: Apache-2.0 */
/* A growable byte buffer with a hard maximum, like curl's dynbuf. See docs/internals/BUF.md. */
#ifndef MAMORI_BUF_H
#define MAMORI_BUF_H

#include <stddef.h>

struct buf {
	char *data; /* always NUL-terminated when not NULL */
	size_t len;
	size_t cap;
	size_t max; /* len may never exceed this */
};

/* Sets up an empty buffer that may grow up to max bytes. */
void buf_init(struct buf *b, size_t max);
/* Appends; on failure (ENOMEM or ETOOBIG) frees the contents and returns the error. */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s escaped for HTML text and attributes. */
int buf_add_html(struct buf *b, const char *s);
/* Hands the NUL-terminated contents to the caller (who frees them) and resets b. */
char *buf_take(struct buf *b);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);

#endif

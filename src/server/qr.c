/* SPDX-License-Identifier: Apache-2.0 */
#include "server/qr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "core/buf.h"

/* Far above what a version 40 code needs in either form (about 0.7 MB of SVG at worst). */
#define QR_OUT_MAX (4u << 20)

static int encode(const char *text, QRcode **qr, struct errbuf *e)
{
	if (text == NULL || text[0] == '\0')
		return err_set(e, MAMORI_EINVAL, "nothing to put in a QR code");
	size_t n = strnlen(text, QR_TEXT_MAX + 1);
	if (n > QR_TEXT_MAX)
		return err_set(e, MAMORI_ETOOBIG, "more than %d bytes for a QR code", QR_TEXT_MAX);
	errno = 0;
	/* Case kept, and bytes never read as Shift-JIS Kanji: the URI must survive as is. */
	*qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (*qr == NULL) {
		if (errno == ERANGE)
			return err_set(e, MAMORI_ETOOBIG, "%zu bytes do not fit a QR code", n);
		if (errno == ENOMEM)
			return err_set(e, MAMORI_ENOMEM, "out of memory for a QR code");
		return err_set(e, MAMORI_EINVAL, "libqrencode refused the text");
	}
	return 0;
}

static bool dark(const QRcode *qr, int x, int y)
{
	return x >= 0 && y >= 0 && x < qr->width && y < qr->width &&
	       (qr->data[y * qr->width + x] & 1);
}

int qr_svg(const char *text, char **out, struct errbuf *e)
{
	QRcode *qr = NULL;
	struct buf b;
	int ret = encode(text, &qr, e);
	if (ret != 0)
		return ret;
	buf_init(&b, QR_OUT_MAX);
	int w = qr->width, size = w + 2 * QR_SVG_QUIET;
	if ((ret = buf_printf(
		 &b,
		 "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		 "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">"
		 "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		 size, size, size * 4, size * 4, size, size)) != 0)
		goto fail;
	/* One subpath per horizontal run of dark modules keeps the path short. */
	for (int y = 0; y < w; y++) {
		for (int x = 0; x < w;) {
			if (!dark(qr, x, y)) {
				x++;
				continue;
			}
			int run = 1;
			while (dark(qr, x + run, y))
				run++;
			if ((ret = buf_printf(&b, "M%d %dh%dv1h-%dz", x + QR_SVG_QUIET,
					      y + QR_SVG_QUIET, run, run)) != 0)
				goto fail;
			x += run;
		}
	}
	if ((ret = buf_adds(&b, "\"/></svg>\n")) != 0)
		goto fail;
	QRcode_free(qr);
	*out = buf_take(&b);
	return *out != NULL ? 0 : err_set(e, MAMORI_ENOMEM, "out of memory for the QR code");
fail:
	QRcode_free(qr);
	buf_free(&b);
	return err_set(e, ret,
		       ret == MAMORI_ENOMEM ? "out of memory for the SVG"
					    : "the SVG passed its size cap");
}

int qr_terminal(const char *text, char **out, struct errbuf *e)
{
	/* Indexed by top light << 1 | bottom light. */
	static const char *const cell[4] = {" ", "\u2584", "\u2580", "\u2588"};
	QRcode *qr = NULL;
	struct buf b;
	int ret = encode(text, &qr, e);
	if (ret != 0)
		return ret;
	buf_init(&b, QR_OUT_MAX);
	int q = QR_TERMINAL_QUIET, w = qr->width;
	/* Rows past the last quiet row count as dark: blank, like the terminal around it. */
	for (int y = -q; y < w + q; y += 2) {
		for (int x = -q; x < w + q; x++) {
			bool top = !dark(qr, x, y);
			bool bottom = y + 1 < w + q && !dark(qr, x, y + 1);
			if ((ret = buf_adds(&b, cell[top << 1 | bottom])) != 0)
				goto fail;
		}
		if ((ret = buf_adds(&b, "\n")) != 0)
			goto fail;
	}
	QRcode_free(qr);
	*out = buf_take(&b);
	return *out != NULL ? 0 : err_set(e, MAMORI_ENOMEM, "out of memory for the QR code");
fail:
	QRcode_free(qr);
	buf_free(&b);
	return err_set(e, ret,
		       ret == MAMORI_ENOMEM ? "out of memory for the QR drawing"
					    : "the QR drawing passed its size cap");
}

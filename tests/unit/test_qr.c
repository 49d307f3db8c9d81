/* SPDX-License-Identifier: Apache-2.0 */
/* QR codes: the SVG path and the terminal drawing are read back module by module and compared
 * with the symbol libqrencode makes for the same text (no QR decoder is installed, so this
 * checks the drawing, and libqrencode is trusted for the symbol). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <qrencode.h>

#include "server/qr.h"

#define URI                                                                                        \
	"otpauth://totp/mamori:admin%40example.jp?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"         \
	"&issuer=mamori&algorithm=SHA1&digits=6&period=30"

static QRcode *reference(const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	return qr;
}

static bool ref_dark(const QRcode *qr, int x, int y)
{
	return x >= 0 && y >= 0 && x < qr->width && y < qr->width &&
	       (qr->data[y * qr->width + x] & 1);
}

static long number(const char **p)
{
	char *end;
	long v = strtol(*p, &end, 10);
	assert_true(end != *p);
	*p = end;
	return v;
}

static void expect(const char **p, const char *lit)
{
	if (strncmp(*p, lit, strlen(lit)) != 0)
		fail_msg("expected \"%s\" at \"%.20s\"", lit, *p);
	*p += strlen(lit);
}

/* Parses the SVG's path back into a grid of size x size and compares it with qr. */
static void check_svg(const char *svg, const QRcode *qr)
{
	int size = qr->width + 2 * QR_SVG_QUIET;
	char view[64];
	snprintf(view, sizeof view, "viewBox=\"0 0 %d %d\"", size, size);
	assert_memory_equal(svg, "<svg ", 5);
	assert_non_null(strstr(svg, view));
	assert_non_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
	size_t len = strlen(svg);
	assert_true(len > 8);
	assert_string_equal(svg + len - 7, "</svg>\n");
	const char *path = strstr(svg, "<path ");
	assert_non_null(path);
	assert_null(strstr(path + 1, "<path")); /* one path */

	unsigned char *grid = calloc((size_t)size * size, 1);
	assert_non_null(grid);
	const char *p = strstr(path, " d=\"");
	assert_non_null(p);
	p += 4;
	int runs = 0;
	while (*p == 'M') {
		p++;
		long x = number(&p);
		expect(&p, " ");
		long y = number(&p);
		expect(&p, "h");
		long w = number(&p);
		expect(&p, "v1h-");
		assert_int_equal(number(&p), w);
		expect(&p, "z");
		assert_true(x >= 0 && y >= 0 && w >= 1 && x + w <= size && y < size);
		for (long i = 0; i < w; i++) {
			assert_int_equal(grid[y * size + x + i], 0); /* no overlaps */
			grid[y * size + x + i] = 1;
		}
		runs++;
	}
	expect(&p, "\"/></svg>");
	assert_true(runs > 0);
	for (int y = 0; y < size; y++)
		for (int x = 0; x < size; x++)
			if (grid[y * size + x] != ref_dark(qr, x - QR_SVG_QUIET, y - QR_SVG_QUIET))
				fail_msg("SVG module (%d,%d) differs", x, y);
	free(grid);
}

/* Reads the half blocks back: two rows per line, light = ink. */
static void check_terminal(const char *t, const QRcode *qr)
{
	int q = QR_TERMINAL_QUIET, size = qr->width + 2 * q;
	int lines = 0;
	const char *p = t;
	while (*p) {
		int y = lines * 2 - q;
		int x = -q, cols = 0;
		while (*p != '\n') {
			bool top_light, bottom_light;
			if (strncmp(p, " ", 1) == 0) {
				top_light = bottom_light = false;
				p += 1;
			} else if (strncmp(p, "\u2588", 3) == 0) {
				top_light = bottom_light = true;
				p += 3;
			} else if (strncmp(p, "\u2580", 3) == 0) {
				top_light = true;
				bottom_light = false;
				p += 3;
			} else if (strncmp(p, "\u2584", 3) == 0) {
				top_light = false;
				bottom_light = true;
				p += 3;
			} else {
				fail_msg("unexpected byte 0x%02x on line %d", (unsigned char)*p,
					 lines + 1);
				return;
			}
			if (top_light != !ref_dark(qr, x, y))
				fail_msg("terminal module (%d,%d) differs", x, y);
			/* The row below the last quiet row is not drawn (blank). */
			bool want_bottom = y + 1 < qr->width + q ? !ref_dark(qr, x, y + 1) : false;
			if (bottom_light != want_bottom)
				fail_msg("terminal module (%d,%d) differs", x, y + 1);
			x++;
			cols++;
		}
		assert_int_equal(cols, size);
		p++;
		lines++;
	}
	assert_int_equal(lines, (size + 1) / 2);
}

static void test_uri(void **state)
{
	(void)state;
	struct errbuf e;
	char *svg = NULL, *term = NULL;
	QRcode *qr = reference(URI);
	assert_int_equal(qr_svg(URI, &svg, &e), 0);
	assert_int_equal(qr_terminal(URI, &term, &e), 0);
	/* 128 bytes at level M: version 8 holds them in byte mode alone (152 bytes); the secret's
	 * upper-case run goes in alphanumeric mode, so libqrencode may pick version 7. */
	assert_in_range(qr->version, 7, 8);
	assert_int_equal(qr->width, 17 + 4 * qr->version);
	check_svg(svg, qr);
	check_terminal(term, qr);
	free(svg);
	free(term);
	QRcode_free(qr);
}

static void test_sizes(void **state)
{
	(void)state;
	struct errbuf e;
	/* The smallest symbol, and the largest text allowed (version 40 territory). */
	char *big = malloc(QR_TEXT_MAX + 2);
	assert_non_null(big);
	for (int i = 0; i < QR_TEXT_MAX + 1; i++)
		big[i] = (char)('!' + i % 90);
	big[QR_TEXT_MAX] = '\0';
	const char *texts[] = {"a", "Hello, \xe4\xb8\x96\xe7\x95\x8c", big};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		char *svg = NULL, *term = NULL;
		QRcode *qr = reference(texts[i]);
		assert_int_equal(qr_svg(texts[i], &svg, &e), 0);
		assert_int_equal(qr_terminal(texts[i], &term, &e), 0);
		check_svg(svg, qr);
		check_terminal(term, qr);
		if (i == 0)
			assert_int_equal(qr->width, 21);
		free(svg);
		free(term);
		QRcode_free(qr);
	}
	/* Refusals leave *out alone. */
	char *out = (char *)"untouched";
	big[QR_TEXT_MAX] = 'x';
	big[QR_TEXT_MAX + 1] = '\0';
	assert_int_equal(qr_svg(big, &out, &e), MAMORI_ETOOBIG);
	assert_int_equal(qr_terminal(big, &out, &e), MAMORI_ETOOBIG);
	assert_int_equal(qr_svg("", &out, &e), MAMORI_EINVAL);
	assert_int_equal(qr_terminal(NULL, &out, &e), MAMORI_EINVAL);
	assert_string_equal(out, "untouched");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uri),
	    cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* QR codes (libqrencode, error correction level M, QR_MODE_8 hint: bytes, never Kanji mode;
 * runs of digits or upper case still get their compact modes) for enrolling an authenticator
 * app: as SVG for the web console and as text for a terminal. */
#ifndef MAMORI_SERVER_QR_H
#define MAMORI_SERVER_QR_H

#include "core/util.h"

#define QR_TEXT_MAX 2048    /* bytes; level M holds at most 2331 in 8-bit mode */
#define QR_SVG_QUIET 4	    /* modules of quiet zone around the SVG (the standard's minimum) */
#define QR_TERMINAL_QUIET 2 /* modules around the terminal drawing */

/* An SVG document drawing the code of text: a white background, a QR_SVG_QUIET-module quiet
 * zone, the dark modules as one <path> (one unit per module, viewBox-scaled). *out is malloc'd
 * (the caller frees it) and written only on success; MAMORI_ETOOBIG when text does not fit a
 * QR code or passes QR_TEXT_MAX. */
int qr_svg(const char *text, char **out, struct errbuf *e);

/* The code of text for a terminal, in UTF-8 half blocks: two module rows per line, a
 * QR_TERMINAL_QUIET-module quiet zone, light modules drawn as ink ("█", "▀", "▄") and dark
 * modules as blanks (no ANSI colours). On the usual light-on-dark terminal that shows dark
 * modules on light; most phone scanners also read the inverted picture of a dark-on-light one.
 * (width + 2 * QR_TERMINAL_QUIET + 1) / 2 lines, each ending in "\n". Same ownership as
 * qr_svg. */
int qr_terminal(const char *text, char **out, struct errbuf *e);

#endif

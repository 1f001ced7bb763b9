/*
 * qr: a link as a QR code (ISO/IEC 18004, through libqrencode; the only
 * file that includes qrencode.h), for the printed sheet a patient without
 * email takes home (docs/patient-reported.md). The code is drawn as SVG
 * for pages and as PNG (8-bit grey, stored deflate: no compression
 * library needed) for files; both keep the standard's quiet zone of four
 * modules.
 */
#ifndef TS_PROM_QR_H
#define TS_PROM_QR_H

#include "core/buf.h"
#include "core/err.h"

#define QR_QUIET_ZONE 4

/* A code's modules: width x width, row by row, 1 for dark. Owned;
 * qr_release() frees them. */
struct qr {
    int width;
    unsigned char *modules;
};

/* Encodes text (8-bit mode, error correction level M, the smallest version
 * that holds it). ERR_INPUT (field "link") for empty text or text too long
 * for a QR code. Allocates; see qr_release(). */
int qr_encode(const char *text, struct qr *out, struct err *e);
void qr_release(struct qr *q);

/* Appends the code as an SVG element (one path of unit squares, quiet zone
 * included) of size px x px, labelled label (escaped) for screen readers. */
void qr_svg(const struct qr *q, int px, const char *label, struct buf *out);

/* Appends the code as a PNG file, scale pixels per module (1..64). */
void qr_png(const struct qr *q, int scale, struct buf *out);

#endif

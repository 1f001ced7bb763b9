#include "prom/qr.h"
#include "core/util.h"
#include "documents/html_escape.h"

#include <errno.h>
#include <pthread.h>
#include <qrencode.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int qr_encode(const char *text, struct qr *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    if (!text || !*text)
        return err_set(e, ERR_INPUT, "link", "nothing to encode");
    QRcode *code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!code) {
        if (errno == ENOMEM)
            die("out of memory encoding a QR code");
        return err_set(e, ERR_INPUT, "link",
                       "too long for a QR code (%zu bytes)", strlen(text));
    }
    size_t n = (size_t)code->width * (size_t)code->width;
    out->width = code->width;
    out->modules = xmalloc(n);
    for (size_t i = 0; i < n; i++)
        out->modules[i] = code->data[i] & 1; /* bit 0: dark */
    QRcode_free(code);
    return 0;
}

void qr_release(struct qr *q)
{
    free(q->modules);
    memset(q, 0, sizeof(*q));
}

void qr_svg(const struct qr *q, int px, const char *label, struct buf *out)
{
    int size = q->width + 2 * QR_QUIET_ZONE;
    buf_printf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" "
               "shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"",
               px, px, size, size);
    html_escape_text(out, label ? label : "QR code");
    buf_printf(out, "\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
                    "<path fill=\"#000\" d=\"",
               size, size);
    for (int y = 0; y < q->width; y++)
        for (int x = 0; x < q->width; x++)
            if (q->modules[y * q->width + x])
                buf_printf(out, "M%d %dh1v1h-1z", x + QR_QUIET_ZONE,
                           y + QR_QUIET_ZONE);
    buf_puts(out, "\"/></svg>");
}

/* ---- PNG ---- */

static uint32_t crc_table[256];

static void crc_table_fill(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[n] = c;
    }
}

static uint32_t crc32_of(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

static void put_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    buf_add(b, x, 4);
}

/* A chunk: length, type, data, CRC of type and data. */
static void chunk(struct buf *b, const char type[4], const unsigned char *data,
                  size_t n)
{
    put_u32(b, (uint32_t)n);
    size_t at = b->len;
    buf_add(b, type, 4);
    if (n)
        buf_add(b, data, n);
    put_u32(b, crc32_of(0, (const unsigned char *)b->data + at, n + 4));
}

void qr_png(const struct qr *q, int scale, struct buf *out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, crc_table_fill);
    if (scale < 1)
        scale = 1;
    if (scale > 64)
        scale = 64;
    size_t side = (size_t)(q->width + 2 * QR_QUIET_ZONE) * (size_t)scale;
    /* The raw image: each row a filter byte (0, none) and grey bytes. */
    size_t row = side + 1, raw_len = row * side;
    unsigned char *raw = xmalloc(raw_len);
    for (size_t y = 0; y < side; y++) {
        unsigned char *r = raw + y * row;
        r[0] = 0;
        long my = (long)(y / (size_t)scale) - QR_QUIET_ZONE;
        for (size_t x = 0; x < side; x++) {
            long mx = (long)(x / (size_t)scale) - QR_QUIET_ZONE;
            int dark = my >= 0 && mx >= 0 && my < q->width &&
                       mx < q->width && q->modules[my * q->width + mx];
            r[1 + x] = dark ? 0 : 255;
        }
    }
    /* zlib stream of stored deflate blocks (RFC 1950, RFC 1951 3.2.4). */
    struct buf z = BUF_INIT;
    buf_add(&z, "\x78\x01", 2);
    uint32_t a = 1, bsum = 0;
    for (size_t i = 0; i < raw_len; i++) {
        a = (a + raw[i]) % 65521;
        bsum = (bsum + a) % 65521;
    }
    for (size_t at = 0; at < raw_len || raw_len == 0;) {
        size_t n = raw_len - at > 65535 ? 65535 : raw_len - at;
        unsigned char head[5] = {at + n == raw_len ? 1 : 0,
                                 (unsigned char)n, (unsigned char)(n >> 8),
                                 (unsigned char)~n,
                                 (unsigned char)(~n >> 8)};
        buf_add(&z, head, 5);
        buf_add(&z, raw + at, n);
        at += n;
        if (raw_len == 0)
            break;
    }
    put_u32(&z, (bsum << 16) | a);
    free(raw);
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G',
                                               '\r', '\n', 0x1A, '\n'};
    buf_add(out, signature, 8);
    unsigned char ihdr[13];
    uint32_t s32 = (uint32_t)side;
    for (int k = 0; k < 2; k++) {
        ihdr[k * 4] = (unsigned char)(s32 >> 24);
        ihdr[k * 4 + 1] = (unsigned char)(s32 >> 16);
        ihdr[k * 4 + 2] = (unsigned char)(s32 >> 8);
        ihdr[k * 4 + 3] = (unsigned char)s32;
    }
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 0;  /* greyscale */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    chunk(out, "IHDR", ihdr, sizeof(ihdr));
    chunk(out, "IDAT", (const unsigned char *)z.data, z.len);
    chunk(out, "IEND", NULL, 0);
    buf_release(&z);
}

/* A server-side SVG line chart (svg_chart.h). */
#include "documents/svg_chart.h"
#include "documents/html_escape.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>

#define LEFT 62.0
#define RIGHT 178.0 /* room for the legend */
#define TOP 34.0
#define BOTTOM 48.0

double svg_nice_step(double span, int target, int quarters)
{
    if (!(span > 0))
        return 1;
    double raw = span / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    if (quarters && f > 2 && f <= 2.5)
        nice = 2.5;
    return nice * mag;
}

void svg_nice_ticks(double lo, double hi, int target, double *first,
                    double *step, int *count)
{
    if (!(hi > lo)) {
        lo -= 1;
        hi += 1;
    }
    if (target < 2)
        target = 2;
    *step = svg_nice_step(hi - lo, target, 0);
    *first = floor(lo / *step + 1e-9) * *step;
    double last = ceil(hi / *step - 1e-9) * *step;
    *count = (int)floor((last - *first) / *step + 0.5) + 1;
}

struct frame {
    double x0, x1, y0, y1;         /* data range */
    double left, top, pw, ph;      /* plot area */
};

static double sx(const struct frame *f, double x)
{
    return f->left + (x - f->x0) / (f->x1 - f->x0) * f->pw;
}

static double sy(const struct frame *f, double y)
{
    return f->top + f->ph - (y - f->y0) / (f->y1 - f->y0) * f->ph;
}

static const char *dash_array(int dash)
{
    return dash == 1 ? " stroke-dasharray=\"7 4\""
                     : dash == 2 ? " stroke-dasharray=\"2 3\"" : "";
}

static void marker(struct buf *out, enum svg_marker m, double x, double y)
{
    const double r = 4.2;
    switch (m) {
    case SVG_MARKER_CIRCLE:
        buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" "
                        "fill=\"#000\"/>", x, y, r);
        break;
    case SVG_MARKER_SQUARE:
        buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                        "height=\"%.1f\" fill=\"#fff\" stroke=\"#000\" "
                        "stroke-width=\"1.4\"/>", x - r, y - r, 2 * r, 2 * r);
        break;
    case SVG_MARKER_TRIANGLE:
        buf_printf(out, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fZ\" "
                        "fill=\"#777\" stroke=\"#000\"/>", x, y - r - 1,
                   x + r + 0.5, y + r, x - r - 0.5, y + r);
        break;
    case SVG_MARKER_DIAMOND:
        buf_printf(out, "<path d=\"M%.1f %.1fL%.1f %.1fL%.1f %.1fL%.1f "
                        "%.1fZ\" fill=\"#fff\" stroke=\"#000\" "
                        "stroke-width=\"1.4\"/>", x, y - r - 1, x + r + 1, y,
                   x, y + r + 1, x - r - 1, y);
        break;
    case SVG_MARKER_CROSS:
        buf_printf(out, "<path d=\"M%.1f %.1fL%.1f %.1fM%.1f %.1fL%.1f "
                        "%.1f\" stroke=\"#000\" stroke-width=\"1.8\"/>",
                   x - r, y - r, x + r, y + r, x - r, y + r, x + r, y - r);
        break;
    }
}

static void text_at(struct buf *out, double x, double y, const char *anchor,
                    const char *extra, const char *text)
{
    buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s>", x,
               y, anchor, extra ? extra : "");
    html_escape_text(out, text);
    buf_puts(out, "</text>\n");
}

/* A legend entry for a reference rule at (x, y): the rule drawn with this
 * stroke width and dash pattern, and its label. Returns the next entry's
 * y. */
static double legend_rule(struct buf *out, double x, double y,
                          const char *width, const char *dashes,
                          const char *label)
{
    buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"#000\" stroke-width=\"%s\" "
                    "stroke-dasharray=\"%s\"/>",
               x, y, x + 26, y, width, dashes);
    text_at(out, x + 34, y + 4, "start", NULL, label);
    return y + 20;
}

/* Widens [*lo, *hi] to take v. */
static void take(double *lo, double *hi, int *any, double v)
{
    if (!isfinite(v))
        return;
    if (!*any || v < *lo)
        *lo = v;
    if (!*any || v > *hi)
        *hi = v;
    *any = 1;
}

void svg_chart_render(const struct svg_chart *c, struct buf *out)
{
    static atomic_uint serial;
    unsigned id = atomic_fetch_add(&serial, 1) + 1;
    int width = c->width > 0 ? c->width : 640;
    int height = c->height > 0 ? c->height : 360;
    struct frame f = {0, 0, 0, 0, LEFT, TOP, width - LEFT - RIGHT,
                      height - TOP - BOTTOM};

    int any_x = 0, any_y = 0;
    size_t points = 0;
    for (size_t i = 0; i < c->series_count; i++)
        for (size_t k = 0; k < c->series[i].count; k++) {
            take(&f.x0, &f.x1, &any_x, c->series[i].points[k].x);
            take(&f.y0, &f.y1, &any_y, c->series[i].points[k].y);
            points++;
        }
    if (c->x_max > c->x_min) {
        take(&f.x0, &f.x1, &any_x, c->x_min);
        take(&f.x0, &f.x1, &any_x, c->x_max);
    }
    if (c->has_band) {
        take(&f.y0, &f.y1, &any_y, c->band_from);
        take(&f.y0, &f.y1, &any_y, c->band_to);
    }
    if (c->has_baseline)
        take(&f.y0, &f.y1, &any_y, c->baseline);
    if (c->has_responder)
        take(&f.y0, &f.y1, &any_y, c->responder);
    if (!any_x)
        f.x0 = 0, f.x1 = 1;
    if (!any_y)
        f.y0 = 0, f.y1 = 1;

    double xfirst, xstep, yfirst, ystep;
    int xcount, ycount;
    svg_nice_ticks(f.x0, f.x1, 6, &xfirst, &xstep, &xcount);
    f.x0 = xfirst;
    f.x1 = xfirst + xstep * (xcount - 1);
    if (c->y_clamp && c->y_max > c->y_min) {
        /* A scale's own limits: the whole scale, ticks inside it. */
        f.y0 = c->y_min;
        f.y1 = c->y_max;
        svg_nice_ticks(f.y0, f.y1, 5, &yfirst, &ystep, &ycount);
    } else {
        svg_nice_ticks(f.y0, f.y1, 5, &yfirst, &ystep, &ycount);
        f.y0 = yfirst;
        f.y1 = yfirst + ystep * (ycount - 1);
    }

    buf_printf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
                    "role=\"img\" aria-labelledby=\"chart%u-title "
                    "chart%u-desc\" font-family=\"Helvetica, Arial, "
                    "sans-serif\" font-size=\"11\" class=\"chart\">\n",
               width, height, width, height, id, id);
    buf_printf(out, "<title id=\"chart%u-title\">", id);
    html_escape_text(out, c->title ? c->title : "chart");
    buf_printf(out, "</title>\n<desc id=\"chart%u-desc\">", id);
    html_escape_text(out, c->description ? c->description : "");
    buf_printf(out, "</desc>\n<defs><pattern id=\"chart%u-hatch\" "
                    "patternUnits=\"userSpaceOnUse\" width=\"6\" "
                    "height=\"6\" patternTransform=\"rotate(45)\">"
                    "<rect width=\"6\" height=\"6\" fill=\"#f2f2f2\"/>"
                    "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" "
                    "stroke=\"#999\" stroke-width=\"1.2\"/></pattern>"
                    "</defs>\n", id);
    buf_puts(out, "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n");
    if (c->title)
        text_at(out, LEFT, 18, "start", " font-size=\"13\" "
                "font-weight=\"bold\"", c->title);

    /* The MCID band, under everything else. */
    if (c->has_band) {
        double a = fmax(fmin(c->band_from, c->band_to), f.y0);
        double b = fmin(fmax(c->band_from, c->band_to), f.y1);
        if (b > a)
            buf_printf(out, "<rect class=\"mcid-band\" x=\"%.1f\" "
                            "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                            "fill=\"url(#chart%u-hatch)\"/>\n",
                       f.left, sy(&f, b), f.pw, sy(&f, a) - sy(&f, b), id);
    }
    /* Grid and ticks. */
    buf_puts(out, "<g class=\"axes\" stroke=\"#000\">\n");
    for (int i = 0; i < ycount; i++) {
        double v = yfirst + i * ystep;
        if (v < f.y0 - 1e-9 || v > f.y1 + 1e-9)
            continue;
        double y = sy(&f, v);
        buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\" stroke=\"#ddd\"/>"
                        "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\"/>\n",
                   f.left, y, f.left + f.pw, y, f.left - 5, y, f.left, y);
    }
    for (int i = 0; i < xcount; i++) {
        double x = sx(&f, xfirst + i * xstep);
        buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                        "y2=\"%.1f\"/>\n",
                   x, f.top + f.ph, x, f.top + f.ph + 5);
    }
    buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                    "height=\"%.1f\" fill=\"none\"/>\n</g>\n",
               f.left, f.top, f.pw, f.ph);
    buf_puts(out, "<g class=\"tick-labels\" fill=\"#000\">\n");
    for (int i = 0; i < ycount; i++) {
        double v = yfirst + i * ystep;
        if (v < f.y0 - 1e-9 || v > f.y1 + 1e-9)
            continue;
        char label[32];
        snprintf(label, sizeof(label), "%g", fabs(v) < 1e-12 ? 0.0 : v);
        text_at(out, f.left - 8, sy(&f, v) + 4, "end", NULL, label);
    }
    for (int i = 0; i < xcount; i++) {
        double v = xfirst + i * xstep;
        char label[32];
        snprintf(label, sizeof(label), "%g", fabs(v) < 1e-12 ? 0.0 : v);
        text_at(out, sx(&f, v), f.top + f.ph + 18, "middle", NULL, label);
    }
    buf_puts(out, "</g>\n");
    if (c->x_label)
        text_at(out, f.left + f.pw / 2, height - 10, "middle",
                " class=\"axis-title\"", c->x_label);
    if (c->y_label) {
        char at[96];
        snprintf(at, sizeof(at),
                 " class=\"axis-title\" transform=\"rotate(-90 14 %.1f)\"",
                 f.top + f.ph / 2);
        text_at(out, 14, f.top + f.ph / 2, "middle", at, c->y_label);
    }

    /* Reference lines. */
    if (c->has_baseline && c->baseline >= f.y0 && c->baseline <= f.y1)
        buf_printf(out, "<line class=\"baseline\" x1=\"%.1f\" y1=\"%.1f\" "
                        "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                        "stroke-width=\"1.2\" stroke-dasharray=\"10 5\"/>\n",
                   f.left, sy(&f, c->baseline), f.left + f.pw,
                   sy(&f, c->baseline));
    if (c->has_responder && c->responder >= f.y0 && c->responder <= f.y1)
        buf_printf(out, "<line class=\"responder\" x1=\"%.1f\" "
                        "y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"#000\" stroke-width=\"1.6\" "
                        "stroke-dasharray=\"12 4 2 4\"/>\n",
                   f.left, sy(&f, c->responder), f.left + f.pw,
                   sy(&f, c->responder));

    /* Series. */
    for (size_t i = 0; i < c->series_count; i++) {
        const struct svg_series *s = &c->series[i];
        buf_printf(out, "<g class=\"series\" data-series=\"%zu\">\n", i);
        if (!s->no_line && s->count > 1) {
            buf_puts(out, "<polyline fill=\"none\" stroke=\"#000\" "
                          "stroke-width=\"1.5\"");
            buf_puts(out, dash_array(s->dash));
            buf_puts(out, " points=\"");
            for (size_t k = 0; k < s->count; k++)
                buf_printf(out, "%s%.1f,%.1f", k ? " " : "",
                           sx(&f, s->points[k].x), sy(&f, s->points[k].y));
            buf_puts(out, "\"/>\n");
        }
        for (size_t k = 0; k < s->count; k++) {
            marker(out, s->marker, sx(&f, s->points[k].x),
                   sy(&f, s->points[k].y));
            buf_puts(out, "\n");
        }
        buf_puts(out, "</g>\n");
    }
    if (!points)
        text_at(out, f.left + f.pw / 2, f.top + f.ph / 2, "middle",
                " font-style=\"italic\"", "no scores recorded");

    /* Legend. */
    double lx = f.left + f.pw + 16, ly = f.top + 6;
    buf_puts(out, "<g class=\"legend\">\n");
    for (size_t i = 0; i < c->series_count; i++, ly += 20) {
        const struct svg_series *s = &c->series[i];
        if (!s->no_line) {
            buf_printf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
                            "y2=\"%.1f\" stroke=\"#000\" "
                            "stroke-width=\"1.5\"%s/>",
                       lx, ly, lx + 26, ly, dash_array(s->dash));
        }
        marker(out, s->marker, lx + 13, ly);
        text_at(out, lx + 34, ly + 4, "start", NULL, s->name ? s->name : "");
    }
    if (c->has_baseline)
        ly = legend_rule(out, lx, ly, "1.2", "10 5",
                         c->baseline_label ? c->baseline_label : "baseline");
    if (c->has_responder)
        ly = legend_rule(out, lx, ly, "1.6", "12 4 2 4",
                         c->responder_label ? c->responder_label
                                            : "responder");
    if (c->has_band) {
        buf_printf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"26\" "
                        "height=\"12\" fill=\"url(#chart%u-hatch)\" "
                        "stroke=\"#999\"/>",
                   lx, ly - 6, id);
        text_at(out, lx + 34, ly + 4, "start", NULL,
                c->band_label ? c->band_label : "MCID band");
    }
    buf_puts(out, "</g>\n</svg>\n");
}

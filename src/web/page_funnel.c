/* The funnel plot of the dashboard, drawn by the server as SVG from a
 * small struct (Fossil's statrep.c -> piechart.c): axes with ticks and
 * labels, the target line, the 95% and 99.8% limits (stats/funnel.h, the
 * same formula as the benchmark), one marker per cell, a legend. Black,
 * greys, dash patterns and marker shapes only, so it prints in black and
 * white; presentation attributes only (the CSP forbids style
 * attributes). */
#include "core/util.h"
#include "documents/svg_chart.h"
#include "stats/funnel.h"
#include "web/pages.h"

#include <math.h>
#include <stdio.h>

/* The plot area inside the viewBox. */
#define W 760.0
#define H 430.0
#define LEFT 70.0
#define RIGHT 560.0
#define TOP 24.0
#define BOTTOM 370.0

struct scale {
    double lo, hi, step;
    double px_lo, px_hi; /* pixels of lo and hi */
};

static double place(const struct scale *s, double v)
{
    return s->px_lo + (v - s->lo) / (s->hi - s->lo) * (s->px_hi - s->px_lo);
}

/* Widens [lo, hi] to whole steps. */
static void scale_fit(struct scale *s, double lo, double hi, int ticks)
{
    if (!(hi > lo)) {
        lo -= 1;
        hi += 1;
    }
    s->step = svg_nice_step(hi - lo, ticks, 1);
    s->lo = floor(lo / s->step) * s->step;
    s->hi = ceil(hi / s->step) * s->step;
}

/* A tick label: the value with the step's decimals. */
static void tick_label(struct buf *b, double v, double step)
{
    int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
    if (fabs(v) < step / 1e6)
        v = 0;
    page_number(b, v, decimals);
}

/* The limits at n cells' episodes. */
static int limits_at(const struct funnel_plot *f, double n,
                     struct funnel_limits *out)
{
    struct err e = ERR_INIT;
    return funnel_limits_mean(0, f->sigma / sqrt(n), f->tau2, out, &e);
}

/* A limit curve as a polyline of `which` (0 lower998, 1 lower95, 2
 * upper95, 3 upper998). */
static void limit_curve(struct buf *b, const struct funnel_plot *f,
                        const struct scale *x, const struct scale *y, int which,
                        const char *dash)
{
    double n0 = x->hi / 100 > 1 ? x->hi / 100 : 1;
    html_raw(b, "<polyline fill=\"none\" stroke=\"#000\" "
                "stroke-width=\"1.2\"");
    if (dash)
        html_printf(b, " stroke-dasharray=\"%s\"", dash);
    html_raw(b, " points=\"");
    for (int i = 0; i <= 120; i++) {
        double n = n0 + (x->hi - n0) * i / 120.0;
        struct funnel_limits l;
        if (limits_at(f, n, &l) < 0)
            continue;
        double v = which == 0   ? l.lower998
                   : which == 1 ? l.lower95
                   : which == 2 ? l.upper95
                                : l.upper998;
        html_printf(b, "%.1f,%.1f ", place(x, n), place(y, v));
    }
    html_raw(b, "\"/>\n");
}

void page_funnel_svg(struct buf *b, const struct funnel_plot *f)
{
    /* The ranges: every cell, and the limits from a few episodes on. */
    double nmax = 10, ylo = 0, yhi = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct funnel_point *p = &f->points[i];
        if (p->n > nmax)
            nmax = p->n;
        if (p->value < ylo)
            ylo = p->value;
        if (p->value > yhi)
            yhi = p->value;
    }
    struct scale x = {.px_lo = LEFT, .px_hi = RIGHT};
    scale_fit(&x, 0, nmax * 1.1, 6);
    struct funnel_limits at;
    double n_view = nmax / 8 > 3 ? nmax / 8 : 3;
    if (f->sigma > 0 && limits_at(f, n_view, &at) == 0) {
        if (at.lower998 < ylo)
            ylo = at.lower998;
        if (at.upper998 > yhi)
            yhi = at.upper998;
    }
    struct scale y = {.px_lo = BOTTOM, .px_hi = TOP};
    scale_fit(&y, ylo, yhi, 6);

    html_printf(b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
                "%.0f %.0f\" role=\"img\" aria-labelledby=\"%s-title\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n",
                W, H, f->id);
    html_printf(b, "<title id=\"%s-title\">%s</title>\n", f->id, f->title);
    html_printf(b,
                "<clipPath id=\"%s-clip\"><rect x=\"%.1f\" y=\"%.1f\" "
                "width=\"%.1f\" height=\"%.1f\"/></clipPath>\n",
                f->id, LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
    /* Grid and ticks. */
    for (double v = y.lo; v <= y.hi + y.step / 2; v += y.step) {
        double py = place(&y, v);
        html_printf(b,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                    "y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                    LEFT, RIGHT, py, py);
        html_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                    LEFT - 6, py + 4);
        tick_label(b, v, y.step);
        html_raw(b, "</text>\n");
    }
    for (double v = x.lo; v <= x.hi + x.step / 2; v += x.step) {
        double px = place(&x, v);
        html_printf(b,
                    "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" "
                    "y2=\"%.1f\" stroke=\"#000\"/>\n",
                    px, px, BOTTOM, BOTTOM + 5);
        html_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                    px, BOTTOM + 19);
        tick_label(b, v, x.step);
        html_raw(b, "</text>\n");
    }
    html_printf(b,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                "height=\"%.1f\" fill=\"none\" stroke=\"#000\"/>\n",
                LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
    html_printf(b,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s"
                "</text>\n",
                (LEFT + RIGHT) / 2, BOTTOM + 40, f->x_label);
    html_printf(b,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                "transform=\"rotate(-90 %.1f %.1f)\">%s</text>\n",
                18.0, (TOP + BOTTOM) / 2, 18.0, (TOP + BOTTOM) / 2, f->y_label);
    /* Target and limits, clipped to the plot. */
    html_printf(b, "<g clip-path=\"url(#%s-clip)\">\n", f->id);
    html_printf(b,
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"#000\" stroke-width=\"1.5\"/>\n",
                LEFT, RIGHT, place(&y, 0), place(&y, 0));
    if (f->sigma > 0) {
        limit_curve(b, f, &x, &y, 1, "6 4");
        limit_curve(b, f, &x, &y, 2, "6 4");
        limit_curve(b, f, &x, &y, 0, "2 3");
        limit_curve(b, f, &x, &y, 3, "2 3");
    }
    html_raw(b, "</g>\n");
    /* The cells: peers as open circles, the highlighted one as a filled
     * square with its label. */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < f->count; i++) {
            const struct funnel_point *p = &f->points[i];
            if (!isfinite(p->value) || p->n <= 0 || (pass == 0) == p->highlight)
                continue;
            double px = place(&x, p->n), py = place(&y, p->value);
            if (p->highlight) {
                html_printf(b,
                            "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" "
                            "height=\"10\" fill=\"#000\"><title>%s: n %g, "
                            "%.3g</title></rect>\n",
                            px - 5, py - 5, p->label, p->n, p->value);
                html_printf(b,
                            "<text x=\"%.1f\" y=\"%.1f\" "
                            "font-weight=\"bold\">%s</text>\n",
                            px + 9, py - 7, p->label);
            } else {
                html_printf(b,
                            "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" "
                            "fill=\"#fff\" stroke=\"#000\" "
                            "stroke-width=\"1.3\"><title>%s: n %g, %.3g"
                            "</title></circle>\n",
                            px, py, p->label, p->n, p->value);
            }
        }
    /* Legend. */
    double lx = RIGHT + 18, ly = TOP + 10;
    html_printf(b, "<g transform=\"translate(%.1f %.1f)\">\n", lx, ly);
    html_raw(b, "<line x1=\"0\" x2=\"28\" y1=\"0\" y2=\"0\" stroke=\"#000\" "
                "stroke-width=\"1.5\"/><text x=\"36\" y=\"4\">peers' "
                "expectation (0)</text>\n"
                "<line x1=\"0\" x2=\"28\" y1=\"22\" y2=\"22\" stroke=\"#000\" "
                "stroke-dasharray=\"6 4\"/><text x=\"36\" y=\"26\">95% "
                "limits</text>\n"
                "<line x1=\"0\" x2=\"28\" y1=\"44\" y2=\"44\" stroke=\"#000\" "
                "stroke-dasharray=\"2 3\"/><text x=\"36\" y=\"48\">99.8% "
                "limits</text>\n"
                "<circle cx=\"14\" cy=\"66\" r=\"4.5\" fill=\"#fff\" "
                "stroke=\"#000\" stroke-width=\"1.3\"/><text x=\"36\" "
                "y=\"70\">a peer (anonymous)</text>\n");
    if (f->highlight_label)
        html_printf(b,
                    "<rect x=\"9\" y=\"83\" width=\"10\" height=\"10\" "
                    "fill=\"#000\"/><text x=\"36\" y=\"92\">%s</text>\n",
                    f->highlight_label);
    html_raw(b, "</g>\n</svg>\n");
}

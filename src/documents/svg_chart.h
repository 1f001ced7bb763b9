/*
 * svg_chart: a server-side SVG line chart of scores over time, for the
 * physician report and the web pages (Fossil's statrep -> piechart: data
 * struct in, markup out).
 *
 * It draws, inside one <svg> element with a viewBox (so it scales):
 *   - the plot frame, both axes with "nice" ticks (1, 2 or 5 x 10^k) and
 *     tick labels, and the axis titles;
 *   - optionally the MCID band: a hatched rectangle between two y values
 *     (the change too small to matter, from the baseline to the responder
 *     line), readable without colour;
 *   - optionally the baseline (a long-dashed horizontal line) and the
 *     responder line (dash-dot), each labelled at the right;
 *   - each series as a polyline with its own dash pattern and marker shape
 *     (circle, square, triangle, diamond, cross), so that series differ in
 *     black and white; a series may be drawn as markers only;
 *   - a legend naming every series, the band and the lines.
 * Every text is escaped (html_escape.h). Colours are shades of grey, for
 * print. The chart carries role="img", a <title> and a <desc>.
 *
 * Nothing here allocates except through the output buffer.
 */
#ifndef TS_DOCUMENTS_SVG_CHART_H
#define TS_DOCUMENTS_SVG_CHART_H

#include <stddef.h>

#include "core/buf.h"

enum svg_marker {
    SVG_MARKER_CIRCLE,
    SVG_MARKER_SQUARE,
    SVG_MARKER_TRIANGLE,
    SVG_MARKER_DIAMOND,
    SVG_MARKER_CROSS,
};

struct svg_point {
    double x, y;
};

struct svg_series {
    const char *name;                /* in the legend */
    const struct svg_point *points;  /* in order of x; borrowed */
    size_t count;
    enum svg_marker marker;
    int dash;       /* 0 solid, 1 dashed, 2 dotted */
    int no_line;    /* 1: markers only */
};

struct svg_chart {
    const char *title;       /* <title>, also drawn above the plot */
    const char *description; /* <desc>: a sentence for screen readers */
    const char *x_label, *y_label;
    /* The axes' ranges: widened to nice ticks; when min == max the data
     * (and the lines below) decide. */
    double x_min, x_max, y_min, y_max;
    int y_clamp;             /* 1: never widen y beyond y_min..y_max (a
                              * scale's own limits) */
    const struct svg_series *series; /* borrowed */
    size_t series_count;
    int has_band;            /* the MCID band from band_from to band_to */
    double band_from, band_to;
    const char *band_label;
    int has_baseline;
    double baseline;
    const char *baseline_label;
    int has_responder;
    double responder;
    const char *responder_label;
    int width, height;       /* in px (viewBox units); 0: 640 x 360 */
};

/* Appends the chart as an <svg> element. A chart without any point draws
 * its frame and a "no scores" note. */
void svg_chart_render(const struct svg_chart *c, struct buf *out);

/*
 * A "nice" step for about `target` intervals over span: 1, 2 or 5 x 10^k,
 * or also 2.5 x 10^k when quarters is 1. A span that is not positive
 * gives 1. The axes of every chart take their step from here.
 */
double svg_nice_step(double span, int target, int quarters);

/*
 * The "nice" ticks of a range: a step of 1, 2 or 5 x 10^k giving about
 * `target` intervals, *first the first multiple of the step at or below
 * lo, *count the ticks from there up to the first multiple at or above
 * hi. lo == hi is widened by one unit each way.
 */
void svg_nice_ticks(double lo, double hi, int target, double *first,
                    double *step, int *count);

#endif

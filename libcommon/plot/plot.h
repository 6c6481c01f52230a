/* plot.h - charts drawn with cairo: a canvas (PNG or SVG), panels with
 * axes, "nice" tick labels, a title, a legend, and line, point and step
 * series. Text uses a real font (DejaVu Sans) through cairo's toy API. */
#ifndef GAN_PLOT_H
#define GAN_PLOT_H

#include <stdio.h>
#include "err.h"
#include "outfile.h"

typedef struct { double r, g, b; } Color;

/* The palette: blue (real / loss_D), orange (generated / loss_G), then
 * green, red, purple, brown, pink, grey, olive, cyan (matplotlib's tab10). */
Color plot_color(int i);

typedef struct {
	void *surface;          /* cairo_surface_t */
	void *cr;               /* cairo_t */
	int w, h, svg;
	OutFile out;
	int werr;               /* errno of the first failed SVG write, else 0 */
} Canvas;

/* The cells of a panel's plot area that the series drawn so far cover:
 * the legend goes where it covers fewest. */
#define PANEL_OCC_W 48
#define PANEL_OCC_H 30

typedef struct {
	Canvas *c;
	double px, py, pw, ph;  /* plot area in device units */
	double x0, x1, y0, y1;  /* data range */
	int nlegend;
	const char *legend[16];
	Color lcolor[16];
	int lkind[16];          /* 0 line, 1 point, 2 filled box, 3 line with markers */
	unsigned char occ[PANEL_OCC_H][PANEL_OCC_W];
} Panel;

/* Opens a w x h canvas writing to path (NULL/"-" = stdout; SVG when svg).
 * White background. 0 or -1 with e. */
int canvas_open(Canvas *c, const char *path, int w, int h, int svg, Err *e);
/* Renders and writes the file atomically; frees the canvas. */
int canvas_close(Canvas *c, Err *e);
/* Frees without writing (error paths). */
void canvas_abort(Canvas *c);
/* Draws a title centred at the top of the canvas. */
void canvas_title(Canvas *c, const char *title);

/* Sets up a panel in the canvas box (bx, by, bw, bh) for the data range;
 * the range is widened to nice tick values, the y range first by 4% of its
 * span on each side (not below a y0 of exactly 0; none for the range of
 * probabilities, exactly 0 to 1) so that no curve runs along the frame. Draws frame, grid, ticks, tick labels, axis labels and
 * an optional panel title. */
void panel_init(Panel *p, Canvas *c, double bx, double by, double bw, double bh,
		double x0, double x1, double y0, double y1, const char *title,
		const char *xlabel, const char *ylabel);
/* Polyline through (x[i], y[i]); non-finite points break the line. A
 * series of at most PANEL_MARKERS finite points also gets a dot at each
 * (a single point is then visible at all). */
#define PANEL_MARKERS 40
void panel_line(Panel *p, const double *x, const double *y, int n, Color col,
		double width, const char *label);
/* panel_line with the stroke colour's opacity alpha and no legend entry
 * (the raw series behind a smoothed one). */
void panel_line_faint(Panel *p, const double *x, const double *y, int n, Color col,
		      double width, double alpha);
/* Filled translucent dots at (xy[2i], xy[2i+1]). */
void panel_points(Panel *p, const float *xy, int n, Color col, double radius,
		  double alpha, const char *label);
/* A step outline (histogram) of bins on [lo, hi] with heights y, filled
 * translucently. */
void panel_hist(Panel *p, double lo, double hi, const double *y, int nbins,
		Color col, const char *label);
/* Draws the legend box inside the plot area where it covers the fewest
 * cells that the series drawn so far touch: of the four corners, the
 * middles of the four sides and the centre, in that order of preference
 * (top right first) among equals. */
void panel_legend(Panel *p);

/* Nice tick spacing for a range and a wished number of ticks. */
double plot_tick_step(double lo, double hi, int nticks);

#endif

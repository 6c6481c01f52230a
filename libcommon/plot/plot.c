/* plot.c - cairo charts for gan-plot: canvas, panels with nice ticks,
 * legend, line, point and histogram series. PNG output goes through
 * png_write (atomic), SVG through cairo's stream surface into an OutFile. */
#include "plot.h"

#include <cairo.h>
#include <cairo-svg.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"

#define FONT "DejaVu Sans"

Color plot_color(int i)
{
	static const Color tab10[10] = {
		{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
		{0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
		{0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
		{0.090, 0.745, 0.812},
	};
	return tab10[((i % 10) + 10) % 10];
}

static cairo_status_t svg_write(void *closure, const unsigned char *data, unsigned int n)
{
	Canvas *c = closure;
	errno = 0;
	if (fwrite(data, 1, n, c->out.f) == n)
		return CAIRO_STATUS_SUCCESS;
	if (!c->werr)
		c->werr = errno ? errno : EIO;
	return CAIRO_STATUS_WRITE_ERROR;
}

int canvas_open(Canvas *c, const char *path, int w, int h, int svg, Err *e)
{
	memset(c, 0, sizeof *c);
	c->w = w;
	c->h = h;
	c->svg = svg;
	cairo_surface_t *s;
	if (svg) {
		if (outfile_open(&c->out, path, 0, e) < 0)
			return -1;
		s = cairo_svg_surface_create_for_stream(svg_write, c, w, h);
	} else {
		c->out.path = xstrdup(path ? path : "-");
		s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
	}
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(s);
		canvas_abort(c);
		return err_set(e, EXIT_SYS, "cannot create a %dx%d canvas", w, h);
	}
	cairo_t *cr = cairo_create(s);
	c->surface = s;
	c->cr = cr;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	return 0;
}

static void canvas_release(Canvas *c)
{
	if (c->cr)
		cairo_destroy(c->cr);
	if (c->surface)
		cairo_surface_destroy(c->surface);
	c->cr = c->surface = NULL;
}

void canvas_abort(Canvas *c)
{
	canvas_release(c);
	if (c->svg)
		outfile_abort(&c->out);
	else
		free(c->out.path);
	c->out.path = NULL;
}

/* ARGB32 (native endian, opaque) -> packed RGB, then an atomic PNG write. */
static int canvas_write_png(Canvas *c, Err *e)
{
	cairo_surface_t *s = c->surface;
	cairo_surface_flush(s);
	const uint8_t *d = cairo_image_surface_get_data(s);
	int stride = cairo_image_surface_get_stride(s);
	uint8_t *rgb = xmalloc((size_t)c->w * c->h * 3);
	for (int y = 0; y < c->h; y++) {
		const uint32_t *row = (const uint32_t *)(d + (size_t)y * stride);
		for (int x = 0; x < c->w; x++) {
			uint32_t v = row[x];
			uint8_t *o = rgb + ((size_t)y * c->w + x) * 3;
			o[0] = (v >> 16) & 0xff;
			o[1] = (v >> 8) & 0xff;
			o[2] = v & 0xff;
		}
	}
	int rc = png_write(c->out.path, rgb, c->w, c->h, 3, e);
	free(rgb);
	return rc;
}

int canvas_close(Canvas *c, Err *e)
{
	int rc;
	if (c->svg) {
		cairo_destroy(c->cr);
		c->cr = NULL;
		cairo_surface_finish(c->surface);
		cairo_status_t st = cairo_surface_status(c->surface);
		cairo_surface_destroy(c->surface);
		c->surface = NULL;
		if (st != CAIRO_STATUS_SUCCESS) {
			const char *name = c->out.is_stdout ? "<stdout>" : c->out.path;
			if (c->werr) {
				errno = c->werr;
				err_sys(e, "%s: write error", name);
			} else {
				err_set(e, EXIT_SYS, "%s: cannot write SVG: %s", name,
					cairo_status_to_string(st));
			}
			outfile_abort(&c->out);
			return -1;
		}
		rc = outfile_commit(&c->out, e);
	} else {
		rc = canvas_write_png(c, e);
		canvas_release(c);
		free(c->out.path);
		c->out.path = NULL;
	}
	return rc;
}

/* Draws text with its anchor: ax, ay in {0, 0.5, 1} of width / height. */
static void text_at(cairo_t *cr, double x, double y, const char *s, double size,
		    double ax, double ay, int bold)
{
	cairo_text_extents_t te;
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
	cairo_text_extents(cr, s, &te);
	cairo_move_to(cr, x - te.x_bearing - ax * te.width, y - te.y_bearing - ay * te.height);
	cairo_show_text(cr, s);
}

void canvas_title(Canvas *c, const char *title)
{
	cairo_t *cr = c->cr;
	cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
	text_at(cr, c->w / 2.0, 10, title, 16, 0.5, 0, 1);
}

double plot_tick_step(double lo, double hi, int nticks)
{
	double span = hi - lo;
	if (!(span > 0) || !isfinite(span))
		return 1;
	double raw = span / (nticks > 1 ? nticks : 1);
	double mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
	return nice * mag;
}

static void tick_label(char *buf, size_t n, double v, double step)
{
	if (fabs(v) < step * 1e-9)
		v = 0;
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (fabs(v) >= 1e5 || (fabs(v) > 0 && fabs(v) < 1e-4))
		snprintf(buf, n, "%.2g", v);
	else
		snprintf(buf, n, "%.*f", dec > 6 ? 6 : dec, v);
}

/* Ends of an axis: values beyond it are drawn at the edge, so that hi - lo
 * and the ends widened to a tick stay finite (9e307 - -9e307 is inf). */
#define AXIS_MAX (DBL_MAX / 16)
/* At most this many ticks per axis, whatever the rounding does. */
#define MAX_TICKS 64

static double axis_clamp(double v) { return fmin(fmax(v, -AXIS_MAX), AXIS_MAX); }
/* Points beyond the widened ends are clipped; bounded so x - x0 is finite. */
static double px_clamp(double v) { return fmin(fmax(v, -4 * AXIS_MAX), 4 * AXIS_MAX); }
static double px_x(const Panel *p, double x) { return p->px + (px_clamp(x) - p->x0) / (p->x1 - p->x0) * p->pw; }
static double px_y(const Panel *p, double y) { return p->py + p->ph - (px_clamp(y) - p->y0) / (p->y1 - p->y0) * p->ph; }

/* Widens [*lo, *hi] to multiples of a nice step; a degenerate range grows. */
static double nice_range(double *lo, double *hi, int nticks)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0;
		*hi = 1;
	}
	*lo = axis_clamp(*lo);
	*hi = axis_clamp(*hi);
	if (*hi - *lo < 1e-12 * fmax(1, fabs(*lo))) {
		double d = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1;
		*lo -= d;
		*hi += d;
	}
	double step = plot_tick_step(*lo, *hi, nticks);
	*lo = floor(*lo / step + 1e-9) * step;
	*hi = ceil(*hi / step - 1e-9) * step;
	return step;
}

static void draw_axis_ticks(Panel *p, double xs, double ys)
{
	cairo_t *cr = p->c->cr;
	char buf[64];
	cairo_set_line_width(cr, 1);
	for (int i = 0; i < MAX_TICKS; i++) {
		double v = p->x0 + i * xs;
		if (v > p->x1 + xs * 1e-6)
			break;
		double x = round(px_x(p, v)) + 0.5;
		cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
		cairo_move_to(cr, x, p->py);
		cairo_line_to(cr, x, p->py + p->ph);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		cairo_move_to(cr, x, p->py + p->ph);
		cairo_line_to(cr, x, p->py + p->ph + 5);
		cairo_stroke(cr);
		tick_label(buf, sizeof buf, v, xs);
		text_at(cr, x, p->py + p->ph + 8, buf, 11, 0.5, 0, 0);
	}
	for (int i = 0; i < MAX_TICKS; i++) {
		double v = p->y0 + i * ys;
		if (v > p->y1 + ys * 1e-6)
			break;
		double y = round(px_y(p, v)) + 0.5;
		cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
		cairo_move_to(cr, p->px, y);
		cairo_line_to(cr, p->px + p->pw, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
		cairo_move_to(cr, p->px - 5, y);
		cairo_line_to(cr, p->px, y);
		cairo_stroke(cr);
		tick_label(buf, sizeof buf, v, ys);
		text_at(cr, p->px - 8, y, buf, 11, 1, 0.5, 0);
	}
}

void panel_init(Panel *p, Canvas *c, double bx, double by, double bw, double bh,
		double x0, double x1, double y0, double y1, const char *title,
		const char *xlabel, const char *ylabel)
{
	memset(p, 0, sizeof *p);
	p->c = c;
	if (isfinite(y0) && isfinite(y1) && y1 > y0 && !(y0 == 0 && y1 == 1)) {
		double m = (y1 - y0) * 0.04;
		y0 = y0 == 0 ? 0 : y0 - m;
		y1 += m;
	}
	double xs = nice_range(&x0, &x1, 8), ys = nice_range(&y0, &y1, 6);
	p->x0 = x0, p->x1 = x1, p->y0 = y0, p->y1 = y1;
	p->px = bx + 70;
	p->py = by + (title && *title ? 28 : 10);
	p->pw = bw - 70 - 15;
	p->ph = by + bh - 50 - p->py;
	cairo_t *cr = c->cr;
	draw_axis_ticks(p, xs, ys);
	cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, round(p->px) + 0.5, round(p->py) + 0.5, round(p->pw), round(p->ph));
	cairo_stroke(cr);
	if (title && *title)
		text_at(cr, p->px + p->pw / 2, by + 8, title, 13, 0.5, 0, 1);
	if (xlabel)
		text_at(cr, p->px + p->pw / 2, by + bh - 8, xlabel, 12, 0.5, 1, 0);
	if (ylabel) {
		cairo_save(cr);
		cairo_translate(cr, bx + 14, p->py + p->ph / 2);
		cairo_rotate(cr, -M_PI / 2);
		text_at(cr, 0, 0, ylabel, 12, 0.5, 0.5, 0);
		cairo_restore(cr);
	}
}

static void add_legend(Panel *p, const char *label, Color col, int kind)
{
	if (!label || p->nlegend >= 16)
		return;
	p->legend[p->nlegend] = label;
	p->lcolor[p->nlegend] = col;
	p->lkind[p->nlegend++] = kind;
}

/* Marks the occupancy cell under device point (x, y), if inside. */
static void occ_mark(Panel *p, double x, double y)
{
	int cx = (int)floor((x - p->px) / p->pw * PANEL_OCC_W);
	int cy = (int)floor((y - p->py) / p->ph * PANEL_OCC_H);
	if (cx >= 0 && cx < PANEL_OCC_W && cy >= 0 && cy < PANEL_OCC_H)
		p->occ[cy][cx] = 1;
}

/* Marks the cells along the device segment (ax, ay) - (bx, by). */
static void occ_segment(Panel *p, double ax, double ay, double bx, double by)
{
	double cell = fmin(p->pw / PANEL_OCC_W, p->ph / PANEL_OCC_H) / 2;
	double len = hypot(bx - ax, by - ay);
	int k = len > cell ? (int)fmin(ceil(len / cell), 4096) : 1;
	for (int i = 0; i <= k; i++)
		occ_mark(p, ax + (bx - ax) * i / k, ay + (by - ay) * i / k);
}

static void clip_to_panel(Panel *p)
{
	cairo_t *cr = p->c->cr;
	cairo_save(cr);
	cairo_rectangle(cr, p->px, p->py, p->pw, p->ph);
	cairo_clip(cr);
}

/* The polyline of panel_line in colour col at opacity alpha, marking the
 * cells it covers; dots at the points when there are few. Returns the
 * number of finite points. */
static int stroke_series(Panel *p, const double *x, const double *y, int n, Color col,
			 double width, double alpha, int markers)
{
	cairo_t *cr = p->c->cr;
	clip_to_panel(p);
	cairo_set_source_rgba(cr, col.r, col.g, col.b, alpha);
	cairo_set_line_width(cr, width);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	int pen = 0, nf = 0;
	double lx = 0, ly = 0;
	for (int i = 0; i < n; i++) {
		if (!isfinite(x[i]) || !isfinite(y[i])) {
			pen = 0;
			continue;
		}
		double dx = px_x(p, x[i]), dy = px_y(p, y[i]);
		if (pen) {
			cairo_line_to(cr, dx, dy);
			occ_segment(p, lx, ly, dx, dy);
		} else {
			cairo_move_to(cr, dx, dy);
			occ_mark(p, dx, dy);
		}
		lx = dx, ly = dy, pen = 1, nf++;
	}
	cairo_stroke(cr);
	if (markers && nf <= PANEL_MARKERS) {
		for (int i = 0; i < n; i++)
			if (isfinite(x[i]) && isfinite(y[i])) {
				cairo_new_sub_path(cr);
				cairo_arc(cr, px_x(p, x[i]), px_y(p, y[i]), width + 1.5, 0, 2 * M_PI);
			}
		cairo_fill(cr);
	}
	cairo_restore(cr);
	return nf;
}

void panel_line(Panel *p, const double *x, const double *y, int n, Color col,
		double width, const char *label)
{
	int nf = stroke_series(p, x, y, n, col, width, 1, 1);
	add_legend(p, label, col, nf <= PANEL_MARKERS ? 3 : 0);
}

void panel_line_faint(Panel *p, const double *x, const double *y, int n, Color col,
		      double width, double alpha)
{
	stroke_series(p, x, y, n, col, width, alpha, 0);
}

void panel_points(Panel *p, const float *xy, int n, Color col, double radius,
		  double alpha, const char *label)
{
	cairo_t *cr = p->c->cr;
	clip_to_panel(p);
	cairo_set_source_rgba(cr, col.r, col.g, col.b, alpha);
	for (int i = 0; i < n; i++) {
		if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
			continue;
		double cx = px_x(p, xy[2 * i]), cy = px_y(p, xy[2 * i + 1]);
		occ_mark(p, cx, cy);
		cairo_new_sub_path(cr);
		cairo_arc(cr, cx, cy, radius, 0, 2 * M_PI);
	}
	cairo_fill(cr);
	cairo_restore(cr);
	add_legend(p, label, col, 1);
}

void panel_hist(Panel *p, double lo, double hi, const double *y, int nbins,
		Color col, const char *label)
{
	cairo_t *cr = p->c->cr;
	double w = (hi - lo) / nbins;
	clip_to_panel(p);
	cairo_move_to(cr, px_x(p, lo), px_y(p, 0));
	for (int i = 0; i < nbins; i++) {
		cairo_line_to(cr, px_x(p, lo + i * w), px_y(p, y[i]));
		cairo_line_to(cr, px_x(p, lo + (i + 1) * w), px_y(p, y[i]));
		if (y[i] > 0)             /* the filled column counts as covered */
			occ_segment(p, px_x(p, lo + (i + 0.5) * w), px_y(p, y[i]),
				    px_x(p, lo + (i + 0.5) * w), px_y(p, 0));
	}
	cairo_line_to(cr, px_x(p, hi), px_y(p, 0));
	cairo_close_path(cr);
	cairo_set_source_rgba(cr, col.r, col.g, col.b, 0.25);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, col.r, col.g, col.b);
	cairo_set_line_width(cr, 1.5);
	cairo_stroke(cr);
	cairo_restore(cr);
	add_legend(p, label, col, 2);
}

/* Occupied cells under the device box (bx, by, bw, bh). */
static int occ_count(const Panel *p, double bx, double by, double bw, double bh)
{
	int x0 = (int)floor((bx - p->px) / p->pw * PANEL_OCC_W);
	int x1 = (int)ceil((bx + bw - p->px) / p->pw * PANEL_OCC_W);
	int y0 = (int)floor((by - p->py) / p->ph * PANEL_OCC_H);
	int y1 = (int)ceil((by + bh - p->py) / p->ph * PANEL_OCC_H);
	int n = 0;
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < PANEL_OCC_H; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < PANEL_OCC_W; x++)
			n += p->occ[y][x];
	return n;
}

/* Top-left corner of a bw x bh legend where it covers least (see plot.h). */
static void legend_place(const Panel *p, double bw, double bh, double *bx, double *by)
{
	static const double fx[9] = { 1, 0, 1, 0, 0.5, 0.5, 1, 0, 0.5 };
	static const double fy[9] = { 0, 0, 1, 1, 0, 1, 0.5, 0.5, 0.5 };
	int best = -1;
	for (int i = 0; i < 9; i++) {
		double x = p->px + 8 + fx[i] * (p->pw - bw - 16);
		double y = p->py + 8 + fy[i] * (p->ph - bh - 16);
		int n = occ_count(p, x, y, bw, bh);
		if (best < 0 || n < best) {
			best = n;
			*bx = x;
			*by = y;
		}
	}
}

void panel_legend(Panel *p)
{
	if (!p->nlegend)
		return;
	cairo_t *cr = p->c->cr;
	cairo_text_extents_t te;
	double wmax = 0;
	cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 11);
	for (int i = 0; i < p->nlegend; i++) {
		cairo_text_extents(cr, p->legend[i], &te);
		wmax = fmax(wmax, te.x_advance);
	}
	double bw = wmax + 42, bh = 18.0 * p->nlegend + 8, bx = 0, by = 0;
	legend_place(p, bw, bh, &bx, &by);
	cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
	cairo_rectangle(cr, bx, by, bw, bh);
	cairo_fill_preserve(cr);
	cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
	cairo_set_line_width(cr, 1);
	cairo_stroke(cr);
	for (int i = 0; i < p->nlegend; i++) {
		Color c = p->lcolor[i];
		double y = by + 13 + 18.0 * i;
		cairo_set_source_rgb(cr, c.r, c.g, c.b);
		if (p->lkind[i] == 0 || p->lkind[i] == 3) {
			cairo_set_line_width(cr, 2.5);
			cairo_move_to(cr, bx + 8, y);
			cairo_line_to(cr, bx + 30, y);
			cairo_stroke(cr);
			if (p->lkind[i] == 3) {
				cairo_arc(cr, bx + 19, y, 3.5, 0, 2 * M_PI);
				cairo_fill(cr);
			}
		} else if (p->lkind[i] == 1) {
			cairo_arc(cr, bx + 19, y, 4, 0, 2 * M_PI);
			cairo_fill(cr);
		} else {
			cairo_rectangle(cr, bx + 10, y - 5, 18, 10);
			cairo_fill(cr);
		}
		cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
		text_at(cr, bx + 36, y, p->legend[i], 11, 0, 0.5, 0);
	}
}

/* mbdisc.c - minibatch discrimination (Salimans et al. 2016) exactly as
 * AYLIEN/gan-intro's TensorFlow layer: a linear map to (n, k, d), L1
 * distances between all pairs in the batch, c = sum_j exp(-dist). */
#include <math.h>
#include <string.h>
#include "mbdisc.h"

/* act (n, k*d) = in (n, f) . w^T (k*d, f) + b (k*d). */
static void mbdisc_linear(float *act, const float *in, const float *w,
			  const float *b, int n, int f, int kd)
{
	for (int i = 0; i < n; i++)
		for (int o = 0; o < kd; o++) {
			double s = b ? b[o] : 0.0;
			for (int t = 0; t < f; t++)
				s += (double)in[(size_t)i * f + t] * w[(size_t)o * f + t];
			act[(size_t)i * kd + o] = (float)s;
		}
}

/* The rows of the whole batch: n_all rows of M (k*d floats each, row
 * stride ld) and, for backward, of the c gradients g (k floats each, row
 * stride gld); this process's are rows [off, off + n). Without sync they
 * are just this process's: act itself and dout's last k columns. */
typedef struct {
	const float *m, *g;
	size_t ld, gld;
	int off, n_all;
} Batch;

/* Batch b of this process's n rows act (n, k*d), with dout's c gradients
 * (stride f + k) when dout: gathered across processes through y, else in
 * place. -1 when the gather failed. */
static int batch_of(Batch *b, MbdSync *y, const float *act, const float *dout,
		    int n, int f, int k, int d)
{
	int kd = k * d;
	*b = (Batch){ act, dout ? dout + f : NULL, (size_t)kd, (size_t)(f + k), 0, n };
	if (!y)
		return 0;
	int width = dout ? kd + k : kd, off, n_all;
	if (y->failed || y->layout(y->ctx, n, &off, &n_all) || off < 0 || off + n > n_all ||
	    (size_t)n_all * width > y->cap) {
		y->failed = 1;
		return -1;
	}
	float *all = y->work;
	memset(all, 0, (size_t)n_all * width * sizeof *all);
	for (int i = 0; i < n; i++) {
		float *r = all + (size_t)(off + i) * width;
		memcpy(r, act + (size_t)i * kd, (size_t)kd * sizeof *r);
		if (dout)
			memcpy(r + kd, dout + (size_t)i * (f + k) + f, (size_t)k * sizeof *r);
	}
	if (y->sum(y->ctx, all, (size_t)n_all * width)) {
		y->failed = 1;
		return -1;
	}
	*b = (Batch){ all, dout ? all + kd : NULL, (size_t)width, (size_t)width, off, n_all };
	return 0;
}

/* L1 distance between rows i and j of kernel kb in the batch's M. */
static double batch_dist(const Batch *b, int i, int j, int kb, int d)
{
	const float *a = b->m + (size_t)i * b->ld + (size_t)kb * d;
	const float *c = b->m + (size_t)j * b->ld + (size_t)kb * d;
	double s = 0;
	for (int t = 0; t < d; t++)
		s += fabs((double)a[t] - c[t]);
	return s;
}

/* out (n, f + k) = concat(in (n, f), c (n, k)); act (n, k*d) saved. */
void mbdisc_forward(float *out, float *act, const float *in, const float *w,
		    const float *b, int n, int f, int k, int d, MbdSync *y)
{
	mbdisc_linear(act, in, w, b, n, f, k * d);
	Batch all;
	int ok = batch_of(&all, y, act, NULL, n, f, k, d) == 0;
	for (int i = 0; i < n; i++) {
		float *o = out + (size_t)i * (f + k);
		memcpy(o, in + (size_t)i * f, (size_t)f * sizeof *o);
		for (int kb = 0; kb < k; kb++) {
			double c = 0;
			int gi = all.off + i;
			for (int j = 0; ok && j < all.n_all; j++)
				c += exp(-batch_dist(&all, gi, j, kb, d));
			o[f + kb] = (float)c;
		}
	}
}

/* dM (n, k*d) = dL/dact for this process's rows: for each pair i < j of the
 * batch and kernel b, with e = exp(-dist_ij,b) and g the gradient of c_b:
 * dM_i,b,t -= (g_i + g_j) e sign(M_i - M_j); dM_j,b,t += the same. Row x
 * takes its pairs in the order one process's loop over (i < j) reaches
 * them, j ascending, as dM_x += (g_x + g_j) e sign(M_j - M_x): the same
 * bits, since float sums, |a - b| and negation are symmetric, exactly. */
static void mbdisc_dact(float *dm, const Batch *b, int n, int k, int d)
{
	memset(dm, 0, (size_t)n * k * d * sizeof *dm);
	for (int r = 0; r < n; r++) {
		int x = b->off + r;
		for (int kb = 0; kb < k; kb++) {
			float *mx = dm + ((size_t)r * k + kb) * d;
			const float *ax = b->m + (size_t)x * b->ld + (size_t)kb * d;
			double gx = b->g[(size_t)x * b->gld + kb];
			for (int j = 0; j < b->n_all; j++) {
				if (j == x)
					continue;
				double gj = b->g[(size_t)j * b->gld + kb];
				const float *aj = b->m + (size_t)j * b->ld + (size_t)kb * d;
				float c = (float)((gx + gj) * exp(-batch_dist(b, x, j, kb, d)));
				for (int t = 0; t < d; t++) {
					float sg = (aj[t] > ax[t]) - (aj[t] < ax[t]);
					mx[t] += c * sg;
				}
			}
		}
	}
}

/* dout (n, f + k); in (n, f); act (n, k*d); w, dw (k*d, f); db (k*d);
 * din (n, f) = dout[:, :f] + dM . w; ws (n*k*d) holds dM. */
void mbdisc_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *act, const float *w,
		     int n, int f, int k, int d, float *ws, MbdSync *y)
{
	int kd = k * d;
	Batch all;
	if (batch_of(&all, y, act, dout, n, f, k, d))
		memset(ws, 0, (size_t)n * kd * sizeof *ws);
	else
		mbdisc_dact(ws, &all, n, k, d);
	for (int i = 0; i < n; i++)
		for (int o = 0; o < kd; o++) {
			float g = ws[(size_t)i * kd + o];
			if (db)
				db[o] += g;
			if (dw)
				for (int t = 0; t < f; t++)
					dw[(size_t)o * f + t] += g * in[(size_t)i * f + t];
		}
	if (!din)
		return;
	for (int i = 0; i < n; i++)
		for (int t = 0; t < f; t++) {
			double s = dout[(size_t)i * (f + k) + t];
			for (int o = 0; o < kd; o++)
				s += (double)ws[(size_t)i * kd + o] * w[(size_t)o * f + t];
			din[(size_t)i * f + t] = (float)s;
		}
}

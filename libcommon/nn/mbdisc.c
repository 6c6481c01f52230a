/* mbdisc.c - minibatch discrimination (Salimans et al. 2016) exactly as
 * AYLIEN/gan-intro's TensorFlow layer: a linear map to (n, k, d), L1
 * distances between all pairs in the batch, c = sum_j exp(-dist). */
#include <math.h>
#include <string.h>
#include "mbdisc.h"

/* L1 distance between rows i and j of kernel b in act (n, k, d). */
static double kernel_dist(const float *act, int i, int j, int b, int k, int d)
{
	const float *a = act + ((size_t)i * k + b) * d;
	const float *c = act + ((size_t)j * k + b) * d;
	double s = 0;
	for (int t = 0; t < d; t++)
		s += fabs((double)a[t] - c[t]);
	return s;
}

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

/* out (n, f + k) = concat(in (n, f), c (n, k)); act (n, k*d) saved. */
void mbdisc_forward(float *out, float *act, const float *in, const float *w,
		    const float *b, int n, int f, int k, int d)
{
	mbdisc_linear(act, in, w, b, n, f, k * d);
	for (int i = 0; i < n; i++) {
		float *o = out + (size_t)i * (f + k);
		memcpy(o, in + (size_t)i * f, (size_t)f * sizeof *o);
		for (int kb = 0; kb < k; kb++) {
			double c = 0;
			for (int j = 0; j < n; j++)
				c += exp(-kernel_dist(act, i, j, kb, k, d));
			o[f + kb] = (float)c;
		}
	}
}

/* dM (n, k*d) = dL/dact: for each pair i < j and kernel b, with
 * e = exp(-dist_ij,b) and g = dout[:, f + b]:
 * dM_i,b,t -= (g_i + g_j) e sign(M_i - M_j); dM_j,b,t += the same. */
static void mbdisc_dact(float *dm, const float *dout, const float *act,
			int n, int f, int k, int d)
{
	memset(dm, 0, (size_t)n * k * d * sizeof *dm);
	for (int kb = 0; kb < k; kb++)
		for (int i = 0; i < n; i++)
			for (int j = i + 1; j < n; j++) {
				double gi = dout[(size_t)i * (f + k) + f + kb];
				double gj = dout[(size_t)j * (f + k) + f + kb];
				double e = exp(-kernel_dist(act, i, j, kb, k, d));
				float c = (float)((gi + gj) * e);
				float *mi = dm + ((size_t)i * k + kb) * d;
				float *mj = dm + ((size_t)j * k + kb) * d;
				const float *ai = act + ((size_t)i * k + kb) * d;
				const float *aj = act + ((size_t)j * k + kb) * d;
				for (int t = 0; t < d; t++) {
					float sg = (ai[t] > aj[t]) - (ai[t] < aj[t]);
					mi[t] -= c * sg;
					mj[t] += c * sg;
				}
			}
}

/* dout (n, f + k); in (n, f); act (n, k*d); w, dw (k*d, f); db (k*d);
 * din (n, f) = dout[:, :f] + dM . w; ws (n*k*d) holds dM. */
void mbdisc_backward(float *din, float *dw, float *db, const float *dout,
		     const float *in, const float *act, const float *w,
		     int n, int f, int k, int d, float *ws)
{
	int kd = k * d;
	mbdisc_dact(ws, dout, act, n, f, k, d);
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

/* test_netsize.c - the one sizing function (netsize.h): every array of a
 * network lies inside its block, aligned, overlapping no other (an in-place
 * activation shares its input's), the network allocates exactly what it
 * says, and the memory check refuses one byte less than trainer_bytes and
 * accepts exactly it, before anything is allocated; an EMA of G is counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memcheck.h"
#include "netsize.h"
#include "train.h"
#include "check.h"

typedef struct {
	int64_t off, n;
	int layer;
} Span;

/* 1 if no two spans overlap (spans of length 0 aside). */
static int disjoint(Span *s, int k)
{
	for (int i = 0; i < k; i++)
		for (int j = i + 1; j < k; j++)
			if (s[i].n > 0 && s[j].n > 0 && s[i].off < s[j].off + s[j].n &&
			    s[j].off < s[i].off + s[i].n)
				return 0;
	return 1;
}

static void layout_of(const char *preset, const NetSpec *ns, int mb)
{
	NetSize z;
	net_size(&z, ns, mb);
	Span w[3 * MODEL_MAX_LAYERS + 3], st[5];
	int k = 0, inside = 1, aligned = 1, shared = 1;
	for (int i = 0; i < ns->n; i++) {
		const LayerSpec *L = &ns->l[i];
		int64_t out = (int64_t)mb * shape_numel(&L->out);
		if (z.l[i].inplace)
			shared &= i > 0 && z.l[i].out == z.l[i - 1].out;
		else if (z.l[i].out >= 0)
			w[k++] = (Span){ z.l[i].out, out, i };
		if (z.l[i].save >= 0)
			w[k++] = (Span){ z.l[i].save, L->kind == LAYER_MBDISC ?
					 (int64_t)mb * L->b * L->c : 2 * L->a, i };
	}
	w[k++] = (Span){ z.ws, z.ws_n, -1 };
	w[k++] = (Span){ z.s0, z.s_n, -1 };
	w[k++] = (Span){ z.s1, z.s_n, -1 };
	for (int i = 0; i < k; i++) {
		inside &= w[i].off >= 0 && w[i].off + w[i].n <= z.work;
		aligned &= w[i].off % NETSIZE_ALIGN == 0;
	}
	int64_t sp[5] = { z.params, z.grads, z.m, z.v, z.bufs };
	int64_t sn[5] = { z.np, z.np, z.np, z.np, z.nb };
	for (int i = 0; i < 5; i++) {
		st[i] = (Span){ sp[i], sn[i], -1 };
		inside &= sp[i] >= 0 && sp[i] + sn[i] <= z.state;
		aligned &= sp[i] % NETSIZE_ALIGN == 0;
	}
	CHECK_MSG(inside && aligned && shared && disjoint(w, k) && disjoint(st, 5),
		  "%s: arrays outside their block, unaligned or overlapping", preset);
	CHECK(z.bytes == (size_t)(z.state + z.work) * sizeof(float));
}

/* Each preset's two networks, at two batches. */
static void layouts(void)
{
	const char *presets[] = { "gaussian2d", "gaussian1d-mbd", "dcgan-mnist", "dcgan64" };
	for (int p = 0; p < 4; p++) {
		Model m;
		Err e = { 0 };
		CHECK(model_load_preset(&m, presets[p], &e) == 0);
		for (int mb = 1; mb <= 64; mb += 63) {
			layout_of(presets[p], &m.G, mb);
			layout_of(presets[p], &m.D, mb);
		}
	}
}

/* A trainer holds what trainer_bytes says: its networks' blocks and the
 * batch buffers; the check refuses one byte less, before allocating. */
static void memory_check(void)
{
	Model m;
	Err e = { 0 };
	Trainer t;
	char lim[32], want[sizeof e.msg];
	CHECK(model_load_preset(&m, "dcgan-mnist", &e) == 0);
	size_t need = trainer_bytes(&m, 64);
	CHECK(trainer_init(&t, &m, 64, 1, &e) == 0);
	size_t lat = 100, dat = 784, mb = 64;
	size_t bufs = (m.fixed_samples * lat + mb * (2 * lat + 2 * dat + 1)) * sizeof(float);
	CHECK(t.g.size->bytes + t.d.size->bytes + bufs == need);
	CHECK(t.g.np == t.g.size->np && t.d.nb == t.d.size->nb && t.g.np > 0);
	trainer_free(&t);
	snprintf(lim, sizeof lim, "%zu", need - 1);
	setenv("GAN_MEM_LIMIT", lim, 1);
	CHECK(trainer_init(&t, &m, 64, 1, &e) == -1 && e.code == EXIT_BAD);
	CHECK(mem_check(need, "the model at batch 64", NULL, &e) == -1);
	snprintf(want, sizeof want, "%s", e.msg);
	CHECK(trainer_init(&t, &m, 64, 1, &e) == -1);
	CHECK_STR(e.msg, want);
	snprintf(lim, sizeof lim, "%zu", need);
	setenv("GAN_MEM_LIMIT", lim, 1);
	CHECK(trainer_init(&t, &m, 64, 1, &e) == 0);
	trainer_free(&t);
	unsetenv("GAN_MEM_LIMIT");
}

/* With an EMA of G, trainer_bytes counts its copy of G's parameters and
 * buffers too (ema.h). */
static void memory_ema(void)
{
	Model m;
	Err e = { 0 };
	Trainer t;
	CHECK(model_load_preset(&m, "dcgan-mnist-ema", &e) == 0 && m.ema > 0);
	CHECK(trainer_init(&t, &m, 8, 1, &e) == 0);
	size_t lat = 100, dat = 784, mb = 8;
	size_t bufs = (m.fixed_samples * lat + mb * (2 * lat + 2 * dat + 1)) * sizeof(float);
	size_t ema = (size_t)(t.g.np + t.g.nb) * sizeof(float);
	CHECK(t.g.size->bytes + t.d.size->bytes + bufs + ema == trainer_bytes(&m, 8));
	trainer_free(&t);
}

static void run(void)
{
	layouts();
	memory_check();
	memory_ema();
}

CHECK_MAIN("test_netsize")

/* test_backend.c - the one walk and the trainer on a backend whose memory is
 * not the host's, as a GPU's is not: the CPU's operations on blocks of its
 * own, every pointer an operation is handed checked to lie in one of them
 * (a host pointer reaching the backend fails), minibatch discrimination
 * unsupported, and a failure injected at the k-th operation. Training there
 * gives the CPU's checkpoint byte for byte (with an EMA of G, snapshots and
 * --sync-bn's hook on the walk too); failures end the run cleanly, and a
 * data-parallel run is refused there. */
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "datapar.h"
#include "epoch.h"
#include "st_write.h"
#include "check.h"
#include "ckpt_mem.h"

#define MAXBLK 64

/* The shadow backend's state: its blocks, the operations left before the
 * injected failure (-1: none), the sticky error, and stray pointers seen. */
typedef struct {
	void *p[MAXBLK];
	size_t n[MAXBLK];
	int nblk;
	long ops_left;
	int failed, stray;
	Err err;
} Shadow;

/* 1 if p .. p + bytes lies in one of s's blocks (NULL passes). */
static int mine(const Shadow *s, const void *p, size_t bytes)
{
	if (!p)
		return 1;
	for (int i = 0; i < s->nblk; i++) {
		const char *b = s->p[i];
		if ((const char *)p >= b && (const char *)p + bytes <= b + s->n[i])
			return 1;
	}
	return 0;
}

/* Start of a run-time operation: sticky failure, injection, pointer checks. */
static int enter(Shadow *s, int ptrs_ok)
{
	if (s->failed)
		return -1;
	if (!ptrs_ok)
		s->stray++;
	if (s->ops_left == 0 || !ptrs_ok) {
		s->failed = 1;
		err_set(&s->err, EXIT_SYS, ptrs_ok ? "shadow: injected failure"
			: "shadow: a pointer outside the backend's memory");
		return -1;
	}
	if (s->ops_left > 0)
		s->ops_left--;
	return 0;
}

static const BackendOps *cpu(void)
{
	return backend_cpu().ops;
}

static int sh_supports(const LayerSpec *l)
{
	return l->kind != LAYER_MBDISC;
}

static int sh_alloc(void *ctx, size_t bytes, void **p, Err *e)
{
	Shadow *s = ctx;
	if (s->nblk == MAXBLK)
		return err_set(e, EXIT_SYS, "shadow: too many blocks");
	if (cpu()->alloc(NULL, bytes, p, e))
		return -1;
	s->p[s->nblk] = *p;
	s->n[s->nblk++] = bytes;
	return 0;
}

static void sh_free(void *ctx, void *p)
{
	Shadow *s = ctx;
	for (int i = 0; i < s->nblk; i++)
		if (s->p[i] == p) {
			cpu()->free(NULL, p);
			s->p[i] = s->p[--s->nblk];
			s->n[i] = s->n[s->nblk];
			return;
		}
	s->stray++;
}

static int sh_upload(void *ctx, void *dst, const void *host, size_t bytes)
{
	Shadow *s = ctx;
	return enter(s, mine(s, dst, bytes) && !mine(s, host, 1)) ? -1 :
	       cpu()->upload(NULL, dst, host, bytes);
}

static int sh_download(void *ctx, void *host, const void *src, size_t bytes)
{
	Shadow *s = ctx;
	return enter(s, mine(s, src, bytes) && !mine(s, host, 1)) ? -1 :
	       cpu()->download(NULL, host, src, bytes);
}

static int sh_zero(void *ctx, void *p, size_t bytes)
{
	Shadow *s = ctx;
	return enter(s, mine(s, p, bytes)) ? -1 : cpu()->zero(NULL, p, bytes);
}

static int sh_copy(void *ctx, void *dst, const void *src, size_t bytes)
{
	Shadow *s = ctx;
	return enter(s, mine(s, dst, bytes) && mine(s, src, bytes)) ? -1 :
	       cpu()->copy(NULL, dst, src, bytes);
}

static int sh_layer_init(void *ctx, LayerOp *op, Err *e)
{
	op->plan = ctx;
	return 0;
}

static void sh_layer_free(void *ctx, LayerOp *op)
{
	op->plan = NULL;
}

/* Every array of a layer call in the backend's memory. */
static int op_mine(const Shadow *s, const LayerOp *op, int fwd)
{
	size_t in = (size_t)op->batch * (size_t)op->in_n * sizeof(float);
	size_t out = (size_t)op->batch * (size_t)op->out_n * sizeof(float);
	return op->plan == s && mine(s, op->x, in) && mine(s, op->out, out) &&
	       mine(s, op->w, 1) && mine(s, op->b, 1) && mine(s, op->rm, 1) && mine(s, op->rv, 1) &&
	       mine(s, op->save, 1) && mine(s, op->ws, 1) &&
	       (fwd || (mine(s, op->dy, out) && mine(s, op->dx, in) && mine(s, op->dw, 1) &&
			mine(s, op->db, 1)));
}

static int sh_forward(void *ctx, const LayerOp *op)
{
	Shadow *s = ctx;
	return enter(s, op_mine(s, op, 1)) ? -1 : cpu()->forward(NULL, op);
}

static int sh_backward(void *ctx, const LayerOp *op)
{
	Shadow *s = ctx;
	return enter(s, op_mine(s, op, 0)) ? -1 : cpu()->backward(NULL, op);
}

static int sh_nonfinite(void *ctx, int k, const float *const *p, const int64_t *n, int *bad)
{
	Shadow *s = ctx;
	int ok = !mine(s, bad, 1);
	for (int i = 0; i < k; i++)
		ok &= mine(s, p[i], (size_t)n[i] * sizeof(float));
	return enter(s, ok) ? -1 : cpu()->nonfinite(NULL, k, p, n, bad);
}

static int sh_adam(void *ctx, float *p, const float *g, float *m, float *v, size_t n,
		   const AdamCfg *c, int64_t t)
{
	Shadow *s = ctx;
	size_t b = n * sizeof(float);
	return enter(s, mine(s, p, b) && mine(s, g, b) && mine(s, m, b) && mine(s, v, b)) ? -1 :
	       cpu()->adam(NULL, p, g, m, v, n, c, t);
}

static int sh_sgd(void *ctx, float *p, const float *g, size_t n, float lr)
{
	Shadow *s = ctx;
	size_t b = n * sizeof(float);
	return enter(s, mine(s, p, b) && mine(s, g, b)) ? -1 : cpu()->sgd(NULL, p, g, n, lr);
}

static int sh_bce(void *ctx, LossKind k, float *dx, const float *x, float y, int n,
		  float scale, int want_prob, double *res)
{
	Shadow *s = ctx;
	size_t b = (size_t)n * sizeof(float);
	return enter(s, mine(s, dx, b) && mine(s, x, b) && !mine(s, res, 1)) ? -1 :
	       cpu()->bce(NULL, k, dx, x, y, n, scale, want_prob, res);
}

static int sh_gather(void *ctx, float *dst, const void *src, DType dt, int64_t rows,
		     size_t ex, const int64_t *idx, int bs)
{
	Shadow *s = ctx;
	return enter(s, mine(s, dst, (size_t)bs * ex * sizeof(float)) && mine(s, src, 1) &&
		     mine(s, idx, (size_t)bs * sizeof(int64_t))) ? -1 :
	       cpu()->gather(NULL, dst, src, dt, rows, ex, idx, bs);
}

static int sh_error(void *ctx, Err *e)
{
	Shadow *s = ctx;
	if (!s->failed)
		return 0;
	if (e)
		*e = s->err;
	return -1;
}

static void sh_close(void *ctx)
{
}

static const BackendOps shadow_ops = {
	.name = "shadow", .host_memory = 0, .supports = sh_supports,
	.alloc = sh_alloc, .free = sh_free, .upload = sh_upload, .download = sh_download,
	.zero = sh_zero, .copy = sh_copy, .layer_init = sh_layer_init,
	.layer_free = sh_layer_free, .forward = sh_forward, .backward = sh_backward,
	.nonfinite = sh_nonfinite, .adam = sh_adam, .sgd = sh_sgd, .bce = sh_bce,
	.gather = sh_gather, .error = sh_error, .close = sh_close,
};

/* Data for preset m: u8 images with bytes (7 k) mod 251, or f32 points. */
static void *make_data(const Model *m, int64_t n, Tensor *x)
{
	int64_t ex = shape_numel(&m->data);
	int img = m->data.ndim == 3;
	void *p = malloc((size_t)(n * ex) * (img ? 1 : sizeof(float)));
	for (int64_t k = 0; k < n * ex; k++)
		if (img)
			((uint8_t *)p)[k] = (uint8_t)(k * 7 % 251);
		else
			((float *)p)[k] = (float)(k % 13) * 0.3f - 1.5f;
	*x = (Tensor){ .dtype = img ? DT_U8 : DT_F32, .ndim = 1 + m->data.ndim,
		       .shape = { n, m->data.c, m->data.h, m->data.w }, .data = p, .borrowed = 1 };
	return p;
}

/* The snapshots of a run (RunOpts.save): an FNV-1a hash over the bytes of
 * every checkpoint saved, and how many. */
typedef struct {
	uint64_t h;
	int n;
} Saves;

static int on_save(void *ctx, const Trainer *t, Err *e)
{
	Saves *v = ctx;
	size_t n;
	char *b = ckpt_bytes(t, &n);
	for (size_t i = 0; i < n; i++)
		v->h = (v->h ^ (uint8_t)b[i]) * 0x100000001b3ull;
	v->n++;
	free(b);
	return 0;
}

/* steps on the CPU and on the shadow backend from one seed: same bytes, in
 * the snapshots taken every other step (the host state current) too. */
static void same_as_cpu(const char *preset, int batch, int64_t steps)
{
	Model m;
	Err e = { 0 };
	Trainer a, b;
	Tensor x;
	TrainSet d;
	Shadow s = { .ops_left = -1 };
	Backend sh = { &shadow_ops, &s }, cpu_be = backend_cpu();
	CHECK_MSG(model_load_preset(&m, preset, &e) == 0, "%s", e.msg);
	m.batch = batch;
	void *data = make_data(&m, 3 * batch + 1, &x);
	CHECK(trainer_init(&a, &m, batch, 9, &e) == 0 && trainer_init(&b, &m, batch, 9, &e) == 0);
	CHECK_MSG(trainset_check(&a, &x, "x", &d, &e) == 0, "%s", e.msg);
	Saves va = { 0xcbf29ce484222325ull, 0 }, vb = va;
	RunOpts cpu_run = { .steps = steps, .save_every = 2, .save = on_save, .ctx = &va };
	RunOpts sh_run = { .steps = steps, .backend = &sh, .save_every = 2, .save = on_save,
			   .ctx = &vb };
	CHECK_MSG(trainer_run(&a, &d, &cpu_run, &e) == 0, "%s: %s", preset, e.msg);
	CHECK_MSG(trainer_run(&b, &d, &sh_run, &e) == 0, "%s: %s", preset, e.msg);
	CHECK_MSG(va.n == steps / 2 && vb.n == va.n && vb.h == va.h, "%s: snapshots differ",
		  preset);
	CHECK_MSG(s.stray == 0 && s.nblk == 0, "%s: %d stray pointers, %d blocks left", preset,
		  s.stray, s.nblk);
	CHECK(backend_same(b.be, cpu_be) && backend_same(b.g.be, cpu_be) && b.step == steps);
	size_t na, nb;
	char *ca = ckpt_bytes(&a, &na), *cb = ckpt_bytes(&b, &nb);
	CHECK_MSG(na == nb && memcmp(ca, cb, na) == 0, "%s: checkpoints differ", preset);
	/* Eval-mode samples from host memory through the staging buffer. */
	int64_t lat = shape_numel(&m.latent), dat = shape_numel(&m.data);
	float *z = calloc((size_t)(batch * lat), sizeof(float));
	float *ya = calloc((size_t)(batch * dat), sizeof(float));
	float *yb = calloc((size_t)(batch * dat), sizeof(float));
	trainer_noise(&m, &a.noise, z, batch);
	CHECK(net_forward_host(&a.g, z, batch, 0, ya, &e) == 0);
	CHECK(net_place(&b.g, sh, &e) == 0 && net_forward_host(&b.g, z, batch, 0, yb, &e) == 0);
	CHECK(memcmp(ya, yb, (size_t)(batch * dat) * sizeof(float)) == 0 && s.stray == 0);
	CHECK(net_place(&b.g, cpu_be, &e) == 0 && s.nblk == 0);
	free(z), free(ya), free(yb), free(ca), free(cb), free(data);
	trainer_free(&a), trainer_free(&b);
}

/* An unsupported layer is refused before anything is allocated. */
static void refused(void)
{
	Model m;
	Err e = { 0 };
	Trainer t;
	Shadow s = { .ops_left = -1 };
	Backend sh = { &shadow_ops, &s };
	CHECK(model_load_preset(&m, "gaussian1d-mbd", &e) == 0);
	CHECK(trainer_init(&t, &m, 12, 1, &e) == 0);
	CHECK(trainer_place(&t, sh, &e) == -1 && e.code == EXIT_BAD);
	CHECK_STR(e.msg, "network D, layer 4: minibatch discrimination (mbdisc) has no shadow "
		  "implementation");
	CHECK(backend_same(t.be, backend_cpu()) && backend_same(t.g.be, backend_cpu()) &&
	      s.nblk == 0 && t.on.x == t.xb);
	trainer_free(&t);
}

/* A failure at operation k ends the run with its message, back on the CPU,
 * nothing left allocated on the backend; a later run on the CPU works. */
static void failures(void)
{
	Model m;
	Err e = { 0 };
	Tensor x;
	TrainSet d;
	CHECK(model_load_preset(&m, "dcgan-mnist", &e) == 0);
	m.batch = 4;
	void *data = make_data(&m, 9, &x);
	long at[] = { 0, 1, 5, 40, 200 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		Trainer t;
		Shadow s = { .ops_left = at[i] };
		Backend sh = { &shadow_ops, &s };
		RunOpts o = { .steps = 3, .backend = &sh }, cpu_run = { .steps = 1 };
		CHECK(trainer_init(&t, &m, 4, 2, &e) == 0 && trainset_check(&t, &x, "x", &d, &e) == 0);
		CHECK_MSG(trainer_run(&t, &d, &o, &e) == -1 && e.code == EXIT_SYS, "at %ld", at[i]);
		CHECK_STR(e.msg, "shadow: injected failure");
		CHECK(backend_same(t.be, backend_cpu()) && s.nblk == 0 && s.stray == 0);
		CHECK(trainer_run(&t, &d, &cpu_run, &e) == 0);
		trainer_free(&t);
	}
	free(data);
}

/* A weight that overflows is named from the state brought to the host, as
 * on the CPU. */
static void nonfinite(void)
{
	Model m;
	Err e = { 0 }, f = { 0 };
	Tensor x;
	TrainSet d;
	CHECK(model_load_preset(&m, "gaussian2d", &e) == 0);
	void *data = make_data(&m, 40, &x);
	Trainer a, b;
	Shadow s = { .ops_left = -1 };
	Backend sh = { &shadow_ops, &s };
	RunOpts cpu_run = { .steps = 5 }, sh_run = { .steps = 5, .backend = &sh };
	CHECK(trainer_init(&a, &m, 8, 1, &e) == 0 && trainer_init(&b, &m, 8, 1, &e) == 0);
	CHECK(trainset_check(&a, &x, "x", &d, &e) == 0);
	a.lr_d = b.lr_d = 3e38;
	CHECK(trainer_run(&a, &d, &cpu_run, &e) == -1 && e.code == EXIT_NONFINITE);
	CHECK(trainer_run(&b, &d, &sh_run, &f) == -1 && f.code == EXIT_NONFINITE);
	CHECK_STR(f.msg, e.msg);
	CHECK(s.nblk == 0 && s.stray == 0 && backend_same(b.be, backend_cpu()));
	trainer_free(&a), trainer_free(&b);
	free(data);
}

/* The finiteness test itself: every float class, at every position of a
 * vectorised loop (its head, body and tail). */
static void finite_classes(void)
{
	const float odd[] = { NAN, -NAN, INFINITY, -INFINITY };
	const float fine[] = { 0.0f, -0.0f, 1e-45f, -1e-45f, 1.17549435e-38f, FLT_MAX, -FLT_MAX, 1.0f };
	float v[37];
	const float *p[1] = { v };
	int64_t n[1] = { 37 };
	int bad[1];
	for (int i = 0; i < 37; i++)
		v[i] = fine[i % 8];
	CHECK(cpu()->nonfinite(NULL, 1, p, n, bad) == 0 && bad[0] == 0);
	int ok = 1;
	for (int j = 0; j < 4; j++)
		for (int at = 0; at < 37; at++) {
			float keep = v[at];
			v[at] = odd[j];
			ok &= cpu()->nonfinite(NULL, 1, p, n, bad) == 0 && bad[0] == 1;
			v[at] = keep;
		}
	CHECK_MSG(ok, "a NaN or an infinity is found wherever it is");
}

/* BnSync's reduction in one process: the sum is the values; counts calls. */
static int one_process(void *ctx, double *buf, size_t n)
{
	(*(int *)ctx)++;
	return 0;
}

/* --sync-bn's hook rides on the walk: every BN layer's operation gets it,
 * on the CPU and on the shadow backend alike (same bytes, same reductions). */
static void sync_on_walk(void)
{
	Model m;
	Err e = { 0 };
	Tensor x;
	TrainSet d;
	Trainer a, b;
	Shadow s = { .ops_left = -1 };
	Backend sh = { &shadow_ops, &s };
	int ca = 0, cb = 0;
	size_t cap = 1;           /* 2 c + 1 doubles for the widest BN layer */
	CHECK(model_load_preset(&m, "dcgan-mnist", &e) == 0);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < (k ? m.D.n : m.G.n); i++) {
			const LayerSpec *l = k ? &m.D.l[i] : &m.G.l[i];
			if ((l->kind == LAYER_BN1D || l->kind == LAYER_BN2D) && 2 * (size_t)l->a + 1 > cap)
				cap = 2 * (size_t)l->a + 1;
		}
	double *wa = calloc(cap, sizeof(double)), *wb = calloc(cap, sizeof(double));
	BnSync ya = { one_process, &ca, wa, cap, 0 }, yb = { one_process, &cb, wb, cap, 0 };
	m.batch = 4;
	void *data = make_data(&m, 9, &x);
	CHECK(trainer_init(&a, &m, 4, 3, &e) == 0 && trainer_init(&b, &m, 4, 3, &e) == 0);
	CHECK(trainset_check(&a, &x, "x", &d, &e) == 0);
	a.g.bn_sync = a.d.bn_sync = &ya;
	b.g.bn_sync = b.d.bn_sync = &yb;
	RunOpts cpu_run = { .steps = 2 }, sh_run = { .steps = 2, .backend = &sh };
	CHECK(trainer_run(&a, &d, &cpu_run, &e) == 0 && trainer_run(&b, &d, &sh_run, &e) == 0);
	CHECK_MSG(ca > 0 && ca == cb && !ya.failed && !yb.failed, "%d and %d reductions", ca, cb);
	size_t na, nb;
	char *ka = ckpt_bytes(&a, &na), *kb = ckpt_bytes(&b, &nb);
	CHECK(na == nb && memcmp(ka, kb, na) == 0 && s.nblk == 0 && s.stray == 0);
	free(ka), free(kb), free(data), free(wa), free(wb);
	trainer_free(&a), trainer_free(&b);
}

/* A data-parallel run needs a backend with host memory (the reductions sum
 * host arrays): refused on the shadow before anything is placed; the CPU
 * runs it. */
static void parallel_refused(void)
{
	Model m;
	Err e = { 0 };
	Tensor x;
	TrainSet d;
	Trainer t;
	Comm c;
	DataPar p;
	Shadow s = { .ops_left = -1 };
	Backend sh = { &shadow_ops, &s };
	CHECK(model_load_preset(&m, "dcgan-mnist", &e) == 0);
	m.batch = 4;
	void *data = make_data(&m, 9, &x);
	comm_serial(&c);
	CHECK(trainer_init(&t, &m, 4, 3, &e) == 0 && trainset_check(&t, &x, "x", &d, &e) == 0);
	CHECK_MSG(datapar_init(&p, &c, &t, 1, 9, "x", &e) == 0, "%s", e.msg);
	RunOpts sh_run = { .steps = 1, .backend = &sh }, cpu_run = { .steps = 1 };
	CHECK(trainer_run(&t, &d, &sh_run, &e) == -1 && e.code == EXIT_BAD);
	CHECK_STR(e.msg, "--device shadow across processes needs NCCL, which this build does "
		  "not support; use --device cpu");
	CHECK(s.nblk == 0 && t.step == 0 && backend_same(t.be, backend_cpu()));
	CHECK(trainer_run(&t, &d, &cpu_run, &e) == 0 && t.step == 1);
	datapar_free(&p, &t);
	trainer_free(&t);
	free(data);
}

static void run(void)
{
	same_as_cpu("gaussian2d", 8, 7);
	same_as_cpu("gaussian1d", 12, 4);
	same_as_cpu("dcgan-mnist", 4, 3);
	same_as_cpu("dcgan-mnist-ema", 4, 3);
	same_as_cpu("dcgan64", 2, 1);
	refused();
	failures();
	nonfinite();
	finite_classes();
	sync_on_walk();
	parallel_refused();
}

CHECK_MAIN("test_backend")

/* gan-step - reads a checkpoint and a data set, runs N more epochs or steps
 * of alternating D/G updates, logs TSV lines and writes the new checkpoint.
 * Resuming continues exactly: the checkpoint holds the whole state. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "ckpt.h"
#include "cli.h"
#include "comm.h"
#include "datapar.h"
#include "device.h"
#include "epoch.h"
#include "err.h"
#include "infile.h"
#include "npy.h"
#include "outfile.h"
#include "snapshot.h"
#include "tsvlog.h"

#define PROG "gan-step"
#define USAGE "usage: gan-step --data FILE [--epochs N | --steps N] [--batch B] [--lr-d X]\n" \
	"                [--lr-g X] [--threads T] [--log FILE] [--log-every K]\n" \
	"                [--save-every N [--keep K]] [--device cpu|cuda]\n" \
	"                [--kernels blas|onednn] [--precision fp32|bf16] [--sync-bn]\n" \
	"                [--overlap auto|on|off] [-o FILE] [CKPT]\n"

enum { O_LRD = 256, O_LRG, O_EVERY, O_DEVICE, O_KERNELS, O_PRECISION, O_SYNCBN, O_OVERLAP, O_SAVE,
       O_KEEP };

static const CliOpt opts[] = {
	{ 'd', 'd', "data", "FILE", "The data set, a .npy stream of x (u8 N x C x H x W images "
	  "or f32 N x D points) and an optional y; required", NULL, 0 },
	{ 'e', 'e', "epochs", "N", "Run until N more epoch ends are crossed",
	  "the model's epochs", 0 },
	{ 'n', 'n', "steps", "N", "Run N more D/G steps, across epoch boundaries", NULL, 0 },
	{ 'b', 'b', "batch", "B", "Batch size from now on (saved)", "the checkpoint's", 0 },
	{ O_LRD, 0, "lr-d", "X", "D's learning rate from now on (saved)", "the checkpoint's", 0 },
	{ O_LRG, 0, "lr-g", "X", "G's learning rate from now on (saved)", "the checkpoint's", 0 },
	{ 't', 't', "threads", "T", "Threads of the CPU path",
	  "OMP_NUM_THREADS, else OPENBLAS_NUM_THREADS, else one per core", 0 },
	{ 'l', 'l', "log", "FILE", "Append the TSV log lines to FILE", "stderr", 0 },
	{ O_EVERY, 0, "log-every", "K", "A log line every K steps (and at the end)",
	  "one per epoch", 0 },
	{ O_SAVE, 0, "save-every", "N", "Also write a snapshot every N epochs (with --steps: "
	  "every N steps) beside -o FILE", NULL, 0 },
	{ O_KEEP, 0, "keep", "K", "After each snapshot, remove the oldest ones of the same kind "
	  "so that K remain", "keep all", 0 },
	{ O_DEVICE, 0, "device", "cpu|cuda", "Where the networks run",
	  "cuda when a device is found and runs the model, else cpu", 0 },
	{ O_KERNELS, 0, "kernels", "blas|onednn", "The CPU's convolutions: OpenBLAS products "
	  "(the reference; the same bits on any thread count) or oneDNN's JIT kernels (faster; "
	  "also thread-count independent, not bit-equal to blas); implies --device cpu",
	  "GAN_KERNELS, else blas", 0 },
	{ O_PRECISION, 0, "precision", "fp32|bf16|tf32", "The convolutions' products: fp32; "
	  "bf16 inputs and weights with fp32 sums, results and master weights (on the CPU; "
	  "needs AVX512_BF16; implies --kernels onednn); or tf32, cuDNN's TF32 tensor cores "
	  "(on the GPU, PyTorch's default there; needs --device cuda)", "fp32", 0 },
	{ O_SYNCBN, 0, "sync-bn", NULL, "Under mpirun with more than one process: batch norm "
	  "normalises with the statistics of the whole global batch", NULL, 0 },
	{ O_OVERLAP, 0, "overlap", "auto|on|off", "Under mpirun: sum each network's gradients "
	  "during its backward, in buckets of layers as they complete (on), or after it (off); "
	  "auto: on when the processes span more than one host", "auto", 0 },
	{ 'o', 'o', "output", "FILE", "Write the checkpoint to FILE atomically", "stdout", 0 },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts,
	.about = "Train a GAN checkpoint on a data set; writes the new checkpoint.",
};

struct cmdline {
	const char *ckpt, *data, *out, *log;
	int64_t epochs, steps, log_every, save_every;
	int keep;                 /* 0: keep every snapshot */
	int batch, threads;
	double lr_d, lr_g;        /* < 0: keep */
	Device device;            /* DEV_AUTO unless --device */
	Kernels kernels;          /* --kernels, else GAN_KERNELS, else blas */
	int kernels_env;          /* kernels from GAN_KERNELS: CPU runs only */
	int kernels_set;          /* --kernels given */
	int bf16;                 /* --precision bf16 */
	int tf32;                 /* --precision tf32 */
	int sync_bn;              /* --sync-bn */
	int overlap;              /* --overlap: 1 on, 0 off, -1 auto */
};

static double lr_arg(const char *opt, const char *s)
{
	double v;
	if (arg_num(s, 0, 3e38, &v))
		die(PROG, EXIT_BAD, "%s: expected a learning rate >= 0, got '%s'", opt, s);
	return v;
}

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *cl = ctx;
	Err e = { 0 };
	switch (key) {
	case 'd': cl->data = arg; break;
	case 'e': cl->epochs = cli_int(&spec, "--epochs", arg, 1, 1000000); break;
	case 'n': cl->steps = cli_int(&spec, "--steps", arg, 1, INT64_MAX / 4); break;
	case 'b': cl->batch = (int)cli_int(&spec, "--batch", arg, 1, 65536); break;
	case O_LRD: cl->lr_d = lr_arg("--lr-d", arg); break;
	case O_LRG: cl->lr_g = lr_arg("--lr-g", arg); break;
	case 't': cl->threads = (int)cli_int(&spec, "--threads", arg, 1, 1024); break;
	case 'l': cl->log = arg; break;
	case O_EVERY: cl->log_every = cli_int(&spec, "--log-every", arg, 1, INT64_MAX / 4); break;
	case O_DEVICE:
		if (device_parse(arg, &cl->device, &e))
			die_err(PROG, &e);
		break;
	case O_SAVE: cl->save_every = cli_int(&spec, "--save-every", arg, 1, INT64_MAX / 4); break;
	case O_KEEP: cl->keep = (int)cli_int(&spec, "--keep", arg, 1, 1000000); break;
	case O_KERNELS:
		if (kernels_parse(arg, &cl->kernels, &e))
			die_err(PROG, &e);
		cl->kernels_env = 0;
		cl->kernels_set = 1;
		break;
	case O_PRECISION:
		if (strcmp(arg, "fp32") && strcmp(arg, "bf16") && strcmp(arg, "tf32"))
			die(PROG, EXIT_BAD, "--precision: expected fp32, bf16 or tf32, got '%s'", arg);
		cl->bf16 = !strcmp(arg, "bf16");
		cl->tf32 = !strcmp(arg, "tf32");
		break;
	case O_SYNCBN: cl->sync_bn = 1; break;
	case O_OVERLAP:
		if (strcmp(arg, "auto") && strcmp(arg, "on") && strcmp(arg, "off"))
			die(PROG, EXIT_BAD, "--overlap: expected auto, on or off, got '%s'", arg);
		cl->overlap = !strcmp(arg, "on") ? 1 : !strcmp(arg, "off") ? 0 : -1;
		break;
	case 'o': cl->out = arg; break;
	}
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	CliArgs a;
	memset(cl, 0, sizeof *cl);
	cl->lr_d = cl->lr_g = -1;
	cl->overlap = -1;
	cl->device = DEV_AUTO;
	const char *ek = getenv("GAN_KERNELS");
	if (ek && *ek) {
		Err e = { 0 };
		if (kernels_parse(ek, &cl->kernels, &e))
			die(PROG, EXIT_BAD, "GAN_KERNELS: expected blas or onednn, got '%s'", ek);
		cl->kernels_env = 1;
	}
	cli_parse(&spec, argc, argv, on_opt, cl, &a);
	if (a.n > 1)
		cli_usage(&spec, -1);
	cl->ckpt = a.n ? a.args[0] : "-";
	free(a.args);
	if (!cl->data)
		die(PROG, EXIT_BAD, "--data FILE is required");
	if (cl->bf16) {
		if (cl->kernels_set && cl->kernels == KERNELS_BLAS)
			die(PROG, EXIT_BAD, "--precision bf16 runs on oneDNN's kernels; it cannot go "
			    "with --kernels blas");
		if (cl->device == DEV_CUDA)
			die(PROG, EXIT_BAD, "--precision bf16 runs on the CPU; it cannot go with "
			    "--device cuda");
		cl->kernels = KERNELS_ONEDNN_BF16;
		cl->kernels_env = 0;
	}
	if (cl->tf32 && cl->device == DEV_CPU)
		die(PROG, EXIT_BAD, TF32_ONLY_GPU "; it cannot go with --device cpu");
	if (cl->tf32 && cl->kernels_set && cl->kernels != KERNELS_BLAS)
		die(PROG, EXIT_BAD, TF32_ONLY_GPU "; it cannot go with --kernels onednn");
	if (cl->kernels != KERNELS_BLAS && cl->device == DEV_CUDA && !cl->kernels_env)
		die(PROG, EXIT_BAD, "--kernels onednn runs on the CPU; it cannot go with --device cuda");
	if (cl->epochs && cl->steps)
		die(PROG, EXIT_BAD, "--epochs and --steps exclude each other");
	if (cl->save_every && (!cl->out || !strcmp(cl->out, "-")))
		die(PROG, EXIT_BAD, "--save-every needs -o FILE (snapshots are written beside it)");
	if (cl->keep && !cl->save_every)
		die(PROG, EXIT_BAD, "--keep needs --save-every N");
	if (strcmp(cl->ckpt, "-") == 0 && strcmp(cl->data, "-") == 0)
		die(PROG, EXIT_BAD, "the checkpoint and --data cannot both come from stdin");
}

/* Logging, progress and snapshot context. */
typedef struct {
	FILE *log;
	int log_errno;            /* first failed write of --log, 0 if none */
	int progress;             /* stderr is a terminal */
	double t0;                /* when training started (progress rate, ETA) */
	const struct cmdline *cl;
} Ui;

/* Flushes the log, keeping the errno of its first failure. */
static void flush_log(Ui *u)
{
	errno = 0;
	if (fflush(u->log) != 0 && !u->log_errno)
		u->log_errno = errno;
}

static void on_log(void *ctx, const LogLine *l)
{
	Ui *u = ctx;
	if (u->progress && u->log == stderr)
		fputs("\r\033[K", stderr);
	TsvLogRow r = { l->step, l->epoch, l->loss_d, l->loss_g, l->d_x, l->d_g_z, l->ex_per_s };
	tsvlog_write_row(u->log, &r);
	flush_log(u);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* "1:05" or "2:03:07" for s seconds into buf. */
static const char *hms(double s, char *buf, size_t n)
{
	long v = s < 0 || !isfinite(s) ? 0 : s > 359999999 ? 359999999 : (long)(s + 0.5);
	if (v >= 3600)
		snprintf(buf, n, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
	else
		snprintf(buf, n, "%ld:%02ld", v / 60, v % 60);
	return buf;
}

/* On a terminal, at most 200 times a run: "step 300/1200 (25%) 41.2
 * steps/s ETA 0:22 loss_D 0.693 loss_G 0.702 D(x) 0.50 D(G(z)) 0.49". */
static void on_progress(void *ctx, int64_t done, int64_t total, const StepStats *r)
{
	Ui *u = ctx;
	int64_t every = total / 200 + 1;
	if (!u->progress || (done % every && done != total))
		return;
	double dt = now_s() - u->t0, rate = dt > 0 ? (double)done / dt : 0;
	char eta[32], took[32];
	fprintf(stderr, "\r\033[K" PROG ": step %lld/%lld (%.0f%%) %.*f steps/s %s %s"
		"  loss_D %.4g loss_G %.4g D(x) %.2f D(G(z)) %.2f", (long long)done,
		(long long)total, 100.0 * (double)done / (double)total, rate < 10 ? 2 : 0, rate,
		done == total ? "in" : "ETA",
		done == total ? hms(dt, took, sizeof took) :
		rate > 0 ? hms((double)(total - done) / rate, eta, sizeof eta) : "?",
		r->loss_d, r->loss_g, r->d_x, r->d_g_z);
	if (done == total)
		fputc('\n', stderr);
}

static int on_save(void *ctx, const Trainer *t, Err *e)
{
	const Ui *u = ctx;
	return snapshot_save(t, u->cl->out, u->cl->steps > 0, u->cl->keep, e);
}

/* Reads the data stream at path into x and d (trainset.h). */
static void read_data(const char *path, Trainer *t, Tensor *x, TrainSet *d)
{
	Err e = { 0 };
	FILE *f = infile_open(path, 1, &e);
	if (!f || trainset_read(f, infile_name(path), t, x, d, &e))
		die_err(PROG, &e);
	infile_close(f);
}

/* Opens the log into u: --log FILE appended (header when empty), or
 * stderr. */
static void open_log(const char *path, Ui *u)
{
	u->log = stderr;
	if (!path) {
		tsvlog_write_header(stderr);
		return;
	}
	u->log = fopen(path, "a");
	if (!u->log)
		die(PROG, errno == ENOENT || errno == ENOTDIR || errno == EACCES ||
		    errno == EISDIR || errno == ENAMETOOLONG ? EXIT_BAD : EXIT_SYS,
		    "%s: %s", path, strerror(errno));
	if (ftell(u->log) == 0)
		tsvlog_write_header(u->log);
	flush_log(u);
}

/* Closes --log (not stderr): 0, or -1 when a write of the log or its close
 * failed (u->log_errno says why when known). */
static int close_log(Ui *u)
{
	if (u->log == stderr)
		return 0;
	int bad = ferror(u->log) || u->log_errno;
	errno = 0;
	if (fclose(u->log) != 0) {
		bad = 1;
		if (!u->log_errno)
			u->log_errno = errno;
	}
	return bad ? -1 : 0;
}

/* Ranks 1..K-1 on a failure that rank 0 meets too and reports: wait in
 * MPI_Finalize, so that rank 0's message is out before mpirun, seeing
 * rank 0 fail, ends the job; then exit with code. */
static _Noreturn void quiet_exit(Comm *c, int code)
{
	comm_close(c);
	exit(code);
}

/* A failure every rank meets: rank 0 reports e and exits, the others exit
 * quietly with its code. */
static _Noreturn void die_all(Comm *c, const Err *e)
{
	if (c->rank > 0)
		quiet_exit(c, e->code);
	die_err(PROG, e);
}

/* Ranks 1..K-1 of a data-parallel run: the same steps as rank 0, which
 * logs and writes; a failure the ranks share (a non-finite loss, a failed
 * reduction) is reported by rank 0 alone. Returns the exit status. */
static int run_rank(Trainer *t, const struct cmdline *cl, const TrainSet *d, Tensor *x,
		    DataPar *dp, Comm *c, Backend *be)
{
	Err e = { 0 };
	RunOpts ro = { .steps = cl->steps, .epochs = cl->epochs ? cl->epochs : t->m.epochs,
		       .log_every = cl->log_every, .threads = cl->threads, .backend = be };
	int rc = trainer_run(t, d, &ro, &e);
	device_close(*be);
	datapar_free(dp, t);
	trainer_free(t);
	tensor_free(x);
	if (rc)
		quiet_exit(c, e.code ? e.code : EXIT_SYS);
	comm_close(c);
	return 0;
}

/* Applies --batch, --lr-d, --lr-g to the loaded trainer. */
static void apply_opts(Trainer *t, const struct cmdline *cl)
{
	if (cl->batch && cl->batch != t->batch && t->epoch_step > 0)
		die(PROG, EXIT_BAD, "--batch %d: the checkpoint is in the middle of an epoch "
		    "(batch %d, %lld batches done); finish the epoch first", cl->batch, t->batch,
		    (long long)t->epoch_step);
	if (cl->batch)
		t->batch = cl->batch;
	if (cl->lr_d >= 0)
		t->lr_d = cl->lr_d;
	if (cl->lr_g >= 0)
		t->lr_g = cl->lr_g;
}

/* Under mpirun with K > 1 processes: every rank reads the checkpoint and
 * the data itself (so neither may be stdin), rank 0 writes -o FILE. */
static void check_parallel(const struct cmdline *cl, const Comm *c)
{
	if (c->size < 2)
		return;
	if (strcmp(cl->ckpt, "-") == 0 || strcmp(cl->data, "-") == 0)
		die(PROG, EXIT_BAD, "with %d processes the checkpoint and --data must be files "
		    "(every process reads them), not stdin", c->size);
	if (!cl->out || strcmp(cl->out, "-") == 0)
		die(PROG, EXIT_BAD, "with %d processes name the output with -o FILE (rank 0 "
		    "writes it)", c->size);
	if (cl->device == DEV_CUDA)
		die(PROG, EXIT_BAD, "--device cuda across processes needs NCCL, which this "
		    "build does not support; use --device cpu");
}

/* Attaches the data-parallel state to t under mpirun (K > 1). The checks
 * give every rank the same answer, so only rank 0 says it. */
static void start_parallel(DataPar *p, Comm *c, Trainer *t, const struct cmdline *cl,
			   const TrainSet *d)
{
	Err e = { 0 };
	if (c->size < 2)
		return;
	if (datapar_init(p, c, t, cl->sync_bn, d->n, infile_name(cl->data), &e))
		die_all(c, &e);
	/* Every rank must make the same sums: auto is on only if all say so. */
	int want = cl->overlap >= 0 ? cl->overlap : comm_spans_hosts(c);
	int all = comm_all(c, want, &e);
	if (all < 0)
		die_all(c, &e);
	p->overlap = all;
}

/* Writes t through o, opening it first unless open (under mpirun rank 0
 * opens -o only now, so a job killed mid-run leaves no temporary file
 * beside the last checkpoint). 0 or -1 with e. */
static int write_ckpt(Trainer *t, OutFile *o, const char *out, int open, Err *e)
{
	if (!open && outfile_open(o, out, 1, e))
		return -1;
	if (ckpt_write(t, o->f, o->is_stdout ? "<stdout>" : o->path, e)) {
		outfile_abort(o);
		return -1;
	}
	return outfile_commit(o, e);
}

/* Rank 0's closing comment in the log: what the reductions cost. */
static void log_parallel(Ui *u, const Comm *c, const DataPar *p, int64_t steps)
{
	if (c->size < 2 || c->rank > 0 || steps < 1)
		return;
	fprintf(u->log, "# processes %d\tsync_bn %d\toverlap %d\tsteps %lld\tbytes_reduced_per_step "
		"%.0f\tallreduce_ms_per_step %.3f\tallreduce_calls_per_step %.1f\n", c->size,
		p->sync_bn, p->overlap, (long long)steps, (double)c->reduce_bytes / (double)steps,
		1e3 * c->reduce_s / (double)steps, (double)c->reduce_calls / (double)steps);
	flush_log(u);
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	Err e = { 0 };
	Comm comm;
	io_init();
	parse_args(argc, argv, &cl);
	if (comm_open(&comm, &e))
		die_err(PROG, &e);
	check_parallel(&cl, &comm);
	Trainer t;
	FILE *f = infile_open(cl.ckpt, 1, &e);
	if (!f || ckpt_read(&t, f, infile_name(cl.ckpt), cl.batch, &e))
		die_err(PROG, &e);
	infile_close(f);
	apply_opts(&t, &cl);
	Device dev;
	int cpu_only = comm.size > 1 || (cl.kernels != KERNELS_BLAS && !cl.kernels_env);
	if (device_pick(cpu_only ? DEV_CPU : cl.device, &t.m, 1, &dev, &e))
		die_err(PROG, &e);
	if (cl.tf32 && dev != DEV_CUDA)
		die(PROG, EXIT_BAD, "--precision tf32 runs on a GPU's tensor cores; it needs "
		    "--device cuda%s", comm.size > 1 ? " (one process: not under mpirun)" : "");
	if (dev == DEV_CUDA)          /* GAN_KERNELS names the CPU's kernels */
		cl.kernels = cl.tf32 ? KERNELS_CUDA_TF32 : KERNELS_BLAS;
	Tensor x;
	TrainSet d;
	read_data(cl.data, &t, &x, &d);
	DataPar dp = { 0 };
	start_parallel(&dp, &comm, &t, &cl, &d);
	/* The backend before the log: a CPU without AVX512_BF16, a missing
	 * libdnnl or CUDA library is one line, with nothing written. Every rank
	 * runs the same kernels. */
	Backend be;
	if (device_open_kernels(dev, cl.kernels, &be, &e))
		die_all(&comm, &e);
	if (comm.rank > 0)
		return run_rank(&t, &cl, &d, &x, &dp, &comm, &be);
	/* The log first: a --log that cannot be opened leaves no temporary. */
	Ui ui = { .progress = isatty(STDERR_FILENO), .t0 = now_s(), .cl = &cl };
	open_log(cl.log, &ui);
	OutFile o;
	if (outfile_open(&o, cl.out, 1, &e))
		die_err(PROG, &e);
	int open = comm.size < 2;
	if (!open)
		outfile_abort(&o);   /* checked now, opened again after training */
	RunOpts ro = { .steps = cl.steps, .epochs = cl.epochs ? cl.epochs : t.m.epochs,
		       .log_every = cl.log_every, .threads = cl.threads, .backend = &be,
		       .log = on_log, .progress = on_progress, .save_every = cl.save_every,
		       .save = on_save, .ctx = &ui };
	int64_t step0 = t.step;
	int rc = trainer_run(&t, &d, &ro, &e);
	device_close(be);
	if (rc && open)
		outfile_abort(&o);
	if (rc && e.code == EXIT_NONFINITE)
		die(PROG, EXIT_NONFINITE, "%s; checkpoint not written", e.msg);
	if (rc == 0)
		rc = write_ckpt(&t, &o, cl.out, open, &e);
	if (rc == 0)
		log_parallel(&ui, &comm, &dp, t.step - step0);
	if (close_log(&ui) != 0 && rc == 0)
		rc = err_set(&e, EXIT_SYS, "checkpoint written; log: %s: %s", cl.log,
			     ui.log_errno ? strerror(ui.log_errno) : "write error");
	datapar_free(&dp, &t);
	trainer_free(&t);
	tensor_free(&x);
	if (rc)
		die_err(PROG, &e);
	comm_close(&comm);
	return 0;
}

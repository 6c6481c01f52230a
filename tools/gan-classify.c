/* gan-classify - the feature classifier behind gan-eval's image figures:
 * `train` fits a classifier model (default the lenet preset) to labelled
 * images, `test` prints its accuracy, `features` writes the features that
 * gan-eval compares. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "classifier.h"
#include "cli.h"
#include "err.h"
#include "gemm.h"
#include "infile.h"
#include "npy.h"
#include "outfile.h"

#define PROG "gan-classify"
#define USAGE \
	"usage: gan-classify train [-m MODEL] [-e EPOCHS] [-s SEED] [-t THREADS] [--test FILE]\n" \
	"                          [-l LOG] [-o FILE] DATA\n" \
	"       gan-classify test [-t THREADS] CLASSIFIER DATA\n" \
	"       gan-classify features [-t THREADS] [-o FILE] CLASSIFIER IMAGES\n"
enum { CMD_TRAIN, CMD_TEST, CMD_FEATURES };

static const char *const subs[] = { "train", "test", "features", NULL };

static const char *const sub_usage[] = {
	"usage: gan-classify train [-m MODEL] [-e EPOCHS] [-s SEED] [-t THREADS] [--test FILE]\n"
	"                          [-l LOG] [-o FILE] DATA\n",
	"usage: gan-classify test [-t THREADS] CLASSIFIER DATA\n",
	"usage: gan-classify features [-t THREADS] [-o FILE] CLASSIFIER IMAGES\n",
};

enum { O_TEST = 256 };

/* Every option is taken by every command, so that one of another command
 * gets its own message ("... are options of train"). */
static const CliOpt opts[] = {
	{ 'm', 'm', "model", "MODEL", "Classifier model file or preset", "lenet", 0 },
	{ 'e', 'e', "epochs", "N", "Epochs", "the model's", 0 },
	{ 's', 's', "seed", "S", "Seed of the initial weights and the shuffles, 0 to 2^64-1",
	  "1", 0 },
	{ 't', 't', "threads", "T", "CPU threads", "one per core", 0 },
	{ O_TEST, 0, "test", "FILE", "Labelled images to measure the accuracy on after each epoch",
	  NULL, 0 },
	{ 'l', 'l', "log", "FILE", "Append the log lines to FILE", "stderr", 0 },
	{ 'o', 'o', "output", "FILE", "Write the classifier or the features to FILE atomically",
	  "stdout; refused on a terminal", 0 },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts, .subs = subs, .sub_usage = sub_usage,
	.sub_noun = "command",
	.about = "Train and use the classifier whose features gan-eval compares.",
	.footer = "CLASSIFIER is a file or a data set name (mnist: classifier-mnist.st\n"
		  "under data/).\n",
};

#define LOG_HEADER "# step\tepoch\tloss\ttrain_accuracy\ttest_accuracy\texamples_per_s\n"
#define BATCH 256

struct cmdline {
	const char *model, *test, *log, *out, *args[2];
	int cmd, nargs, threads;
	int64_t epochs;
	uint64_t seed;
};

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *cl = ctx;
	switch (key) {
	case 'm': cl->model = arg; break;
	case 'e': cl->epochs = cli_int(&spec, "--epochs", arg, 1, 1000000); break;
	case 's':
		if (arg_u64(arg, &cl->seed))
			die(PROG, EXIT_BAD, "--seed: expected an integer 0..2^64-1, got '%s'", arg);
		break;
	case 't': cl->threads = (int)cli_int(&spec, "--threads", arg, 1, 1024); break;
	case O_TEST: cl->test = arg; break;
	case 'l': cl->log = arg; break;
	case 'o': cl->out = arg; break;
	}
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	CliArgs a;
	memset(cl, 0, sizeof *cl);
	cl->model = "lenet";
	cl->seed = 1;
	cli_parse(&spec, argc, argv, on_opt, cl, &a);
	cl->cmd = a.sub;
	int want = cl->cmd == CMD_TRAIN ? 1 : 2;
	cl->nargs = a.n;
	if (cl->nargs != want)
		cli_usage(&spec, -1);
	for (int i = 0; i < want; i++)
		cl->args[i] = a.args[i];
	free(a.args);
	int train = want == 1;
	if (!train && (cl->test || cl->log || cl->epochs || strcmp(cl->model, "lenet")))
		die(PROG, EXIT_BAD, "--model, --epochs, --test and --log are options of train");
	if (cl->cmd == CMD_TEST && cl->out)
		die(PROG, EXIT_BAD, "test prints its figures; -o is an option of train and features");
}

/* x and, when labels, y of a data stream; the stream must end there. */
static void read_data(const char *path, int labels, Tensor *x, Tensor *y)
{
	Err e = { 0 };
	const char *name = infile_name(path);
	FILE *f = infile_open(path, 1, &e);
	int rc = f ? npy_read(f, name, 1, x, &e) : -1;
	if (rc == 0)
		die(PROG, EXIT_BAD, "%s: empty stream (expected an x record)", name);
	rc = rc < 0 ? -1 : npy_read(f, name, 2, y, &e);
	if (rc < 0)
		die_err(PROG, &e);
	if (rc == 0 && labels)
		die(PROG, EXIT_BAD, "%s: no y record (labels): gan-data mnist --labels FILE writes "
		    "them", name);
	infile_close(f);
}

typedef struct {
	FILE *log;
} Ui;

static void on_log(void *ctx, const ClfLog *l)
{
	Ui *u = ctx;
	char test[32] = "nan";
	if (l->test_acc >= 0)
		snprintf(test, sizeof test, "%.6f", l->test_acc);
	fprintf(u->log, "%lld\t%lld\t%.6f\t%.6f\t%s\t%.1f\n", (long long)l->step,
		(long long)l->epoch, l->loss, l->train_acc, test, l->ex_per_s);
	fflush(u->log);
}

static void cmd_train(const struct cmdline *cl)
{
	Err e = { 0 };
	Model *m = xmalloc(sizeof *m);
	Classifier c;
	if (model_load_any(m, cl->model, &e) || clf_init(&c, m, m->batch, cl->seed, &e))
		die_err(PROG, &e);
	Tensor x, y, tx = { 0 }, ty = { 0 };
	ClfData d, td;
	int64_t *yb, *tyb = NULL;
	read_data(cl->args[0], 1, &x, &y);
	if (clf_check_data(m, &x, &y, infile_name(cl->args[0]), &d, &yb, &e))
		die_err(PROG, &e);
	if (cl->test) {
		read_data(cl->test, 1, &tx, &ty);
		if (clf_check_data(m, &tx, &ty, cl->test, &td, &tyb, &e))
			die_err(PROG, &e);
	}
	snprintf(c.data_name, sizeof c.data_name, "%s", infile_name(cl->args[0]));
	OutFile o;
	if (outfile_open(&o, cl->out, 1, &e))
		die_err(PROG, &e);
	Ui u = { stderr };
	if (cl->log && !(u.log = fopen(cl->log, "a")))
		die(PROG, EXIT_SYS, "%s: %s", cl->log, strerror(errno));
	if (u.log == stderr || ftell(u.log) == 0)
		fputs(LOG_HEADER, u.log);
	int rc = clf_train(&c, &d, cl->test ? &td : NULL, cl->epochs ? cl->epochs : m->epochs,
			   on_log, &u, &e);
	if (rc == 0)
		rc = clf_write(&c, o.f, o.is_stdout ? "<stdout>" : o.path, &e);
	if (rc == 0)
		rc = outfile_commit(&o, &e);
	else
		outfile_abort(&o);
	if (u.log != stderr && (ferror(u.log) | fclose(u.log)) && rc == 0)
		rc = err_set(&e, EXIT_SYS, "classifier written; log: %s: write error", cl->log);
	if (rc)
		die_err(PROG, &e);
	clf_free(&c);
	free(m);
	free(yb);
	free(tyb);
	tensor_free(&x);
	tensor_free(&y);
	tensor_free(&tx);
	tensor_free(&ty);
}

/* test: n, accuracy, loss as name<TAB>value lines; features: f32 N x D. */
static void cmd_use(const struct cmdline *cl)
{
	Err e = { 0 };
	Classifier c;
	int test = cl->cmd == CMD_TEST;
	if (clf_load(&c, cl->args[0], BATCH, &e))
		die_err(PROG, &e);
	Tensor x, y = { 0 };
	ClfData d;
	int64_t *yb;
	read_data(cl->args[1], test, &x, &y);
	if (clf_check_data(&c.m, &x, test ? &y : NULL, infile_name(cl->args[1]), &d, &yb, &e))
		die_err(PROG, &e);
	if (test) {
		double acc, loss;
		if (clf_accuracy(&c, &d, &acc, &loss, &e))
			die_err(PROG, &e);
		printf("n\t%lld\naccuracy\t%.6f\nloss\t%.6f\n", (long long)d.n, acc, loss);
		if (stdout_close(&e))
			die_err(PROG, &e);
	} else {
		OutFile o;
		int64_t shape[2] = { d.n, c.feat_dim };
		float *feat = xmalloc((size_t)d.n * (size_t)c.feat_dim * sizeof(float));
		if (clf_run(&c, &d, feat, NULL, &e) || outfile_open(&o, cl->out, 1, &e))
			die_err(PROG, &e);
		if (npy_write_raw(o.f, o.is_stdout ? "<stdout>" : o.path, DT_F32, 2, shape, feat, &e)) {
			outfile_abort(&o);
			die_err(PROG, &e);
		}
		if (outfile_commit(&o, &e))
			die_err(PROG, &e);
		free(feat);
	}
	clf_free(&c);
	free(yb);
	tensor_free(&x);
	tensor_free(&y);
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	io_init();
	parse_args(argc, argv, &cl);
	if (cl.threads)
		gemm_set_threads(cl.threads);
	if (cl.cmd == CMD_TRAIN)
		cmd_train(&cl);
	else
		cmd_use(&cl);
	return 0;
}

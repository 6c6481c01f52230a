/* gan-classify - the feature classifier behind gan-eval's image figures:
 * `train` fits a classifier model (default the lenet preset) to labelled
 * images, `test` prints its accuracy, `features` writes the features that
 * gan-eval compares. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classifier.h"
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
#define HELP \
	"Train and use the classifier whose features gan-eval compares.\n\n" \
	"  -m, --model M      classifier model file or preset (default lenet)\n" \
	"  -e, --epochs N     epochs to train (default: the model's)\n" \
	"  -s, --seed S       seed of the initialisation and shuffles (default 1)\n" \
	"  -t, --threads T    CPU threads\n" \
	"      --test FILE    labelled images to report the accuracy on after each epoch\n" \
	"  -l, --log FILE     append TSV log lines to FILE (default stderr)\n" \
	"  -o, --output FILE  the classifier (train) or features (features); default stdout\n" \
	"CLASSIFIER is a file or a data set name (mnist: classifier-mnist.st under data/).\n"

#define LOG_HEADER "# step\tepoch\tloss\ttrain_accuracy\ttest_accuracy\texamples_per_s\n"
#define BATCH 256

struct cmdline {
	const char *cmd, *model, *test, *log, *out, *args[2];
	int nargs, threads;
	int64_t epochs;
	uint64_t seed;
};

static long long num_arg(const char *opt, const char *s, long long lo, long long hi)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || errno || v < lo || v > hi)
		die(PROG, EXIT_BAD, "%s: expected an integer in %lld..%lld, got '%s'", opt, lo, hi, s);
	return v;
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	enum { O_TEST = 256 };
	static const struct option opts[] = {
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' },
		{ "model", required_argument, 0, 'm' }, { "epochs", required_argument, 0, 'e' },
		{ "seed", required_argument, 0, 's' }, { "threads", required_argument, 0, 't' },
		{ "test", required_argument, 0, O_TEST }, { "log", required_argument, 0, 'l' },
		{ "output", required_argument, 0, 'o' }, { 0, 0, 0, 0 },
	};
	memset(cl, 0, sizeof *cl);
	cl->model = "lenet";
	cl->seed = 1;
	int c;
	while ((c = getopt_long(argc, argv, "hVm:e:s:t:l:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(USAGE "\n" HELP, stdout); exit(0);
		case 'V': puts(PROG " (gantools) " GAN_VERSION); exit(0);
		case 'm': cl->model = optarg; break;
		case 'e': cl->epochs = num_arg("--epochs", optarg, 1, 1000000); break;
		case 's': cl->seed = (uint64_t)num_arg("--seed", optarg, 0, INT64_MAX); break;
		case 't': cl->threads = (int)num_arg("--threads", optarg, 1, 1024); break;
		case O_TEST: cl->test = optarg; break;
		case 'l': cl->log = optarg; break;
		case 'o': cl->out = optarg; break;
		default: fputs(USAGE, stderr); exit(EXIT_BAD);
		}
	}
	if (optind >= argc) {
		fputs(USAGE, stderr);
		exit(EXIT_BAD);
	}
	cl->cmd = argv[optind++];
	int want = strcmp(cl->cmd, "train") == 0 ? 1 : 2;
	if (strcmp(cl->cmd, "train") && strcmp(cl->cmd, "test") && strcmp(cl->cmd, "features"))
		die(PROG, EXIT_BAD, "unknown command '%s' (expected train, test or features)", cl->cmd);
	cl->nargs = argc - optind;
	if (cl->nargs != want) {
		fputs(USAGE, stderr);
		exit(EXIT_BAD);
	}
	for (int i = 0; i < want; i++)
		cl->args[i] = argv[optind + i];
	int train = want == 1;
	if (!train && (cl->test || cl->log || cl->epochs || strcmp(cl->model, "lenet")))
		die(PROG, EXIT_BAD, "--model, --epochs, --test and --log are options of train");
	if (strcmp(cl->cmd, "test") == 0 && cl->out)
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
	int test = strcmp(cl->cmd, "test") == 0;
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
	if (strcmp(cl.cmd, "train") == 0)
		cmd_train(&cl);
	else
		cmd_use(&cl);
	return 0;
}

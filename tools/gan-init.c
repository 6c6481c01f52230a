/* gan-init - reads a model file or a preset name, initialises G and D from a
 * seed and writes the first checkpoint (safetensors) to a file or stdout.
 * The work lives in libcommon/engine/model.c, train.c and ckpt.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "ckpt.h"
#include "cli.h"
#include "err.h"
#include "model.h"
#include "outfile.h"
#include "train.h"

#define PROG "gan-init"
#define USAGE "usage: gan-init [--seed S] [-o FILE] MODEL|PRESET\n"

static const CliOpt opts[] = {
	{ 's', 's', "seed", "S", "Seed, 0 to 2^64-1", "0", 0 },
	{ 'o', 'o', "output", "FILE", "Write the checkpoint to FILE atomically", "stdout", 0 },
	{ 0 },
};

static const CliSpec spec = {
	.prog = PROG, .usage = USAGE, .opts = opts,
	.about = "Initialise a GAN from a model file or preset and write a checkpoint.",
	.footer = "Presets: gaussian2d gaussian1d gaussian1d-mbd dcgan-mnist dcgan64.\n",
};

struct cmdline {
	const char *model, *out;
	uint64_t seed;
};

static void on_opt(void *ctx, int key, const char *arg)
{
	struct cmdline *cl = ctx;
	if (key == 's' && arg_u64(arg, &cl->seed))
		die(PROG, EXIT_BAD, "--seed: expected an integer 0..2^64-1, got '%s'", arg);
	if (key == 'o')
		cl->out = arg;
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	CliArgs a;
	memset(cl, 0, sizeof *cl);
	cli_parse(&spec, argc, argv, on_opt, cl, &a);
	if (a.n != 1)
		cli_usage(&spec, -1);
	cl->model = a.args[0];
	free(a.args);
}

int main(int argc, char **argv)
{
	struct cmdline cl;
	Err e = { 0 };
	io_init();
	parse_args(argc, argv, &cl);
	Model *m = xmalloc(sizeof *m);
	if (model_load_any(m, cl.model, &e))
		die_err(PROG, &e);
	OutFile o;
	if (outfile_open(&o, cl.out, 1, &e))
		die_err(PROG, &e);
	Trainer t;
	if (trainer_init(&t, m, 1, cl.seed, &e)) {
		outfile_abort(&o);
		die_err(PROG, &e);
	}
	t.batch = m->batch;
	int rc = ckpt_write(&t, o.f, o.is_stdout ? "<stdout>" : o.path, &e);
	if (rc)
		outfile_abort(&o);
	else
		rc = outfile_commit(&o, &e);
	trainer_free(&t);
	free(m);
	if (rc)
		die_err(PROG, &e);
	return 0;
}

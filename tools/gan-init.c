/* gan-init - reads a model file or a preset name, initialises G and D from a
 * seed and writes the first checkpoint (safetensors) to a file or stdout.
 * The work lives in libcommon/engine/model.c, train.c and ckpt.c. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "err.h"
#include "model.h"
#include "outfile.h"
#include "train.h"

#ifndef GAN_VERSION
#define GAN_VERSION "dev"
#endif

#define PROG "gan-init"
#define USAGE "usage: gan-init [--seed S] [-o FILE] MODEL|PRESET\n"
#define HELP \
	"Initialise a GAN from a model file or preset and write a checkpoint.\n\n" \
	"  -s, --seed S     random seed, 0..2^64-1 (default 0)\n" \
	"  -o, --output F   write the checkpoint to F atomically (default stdout)\n" \
	"  -h, --help       this help\n" \
	"  -V, --version    version\n\n" \
	"Presets: gaussian2d gaussian1d gaussian1d-mbd dcgan-mnist dcgan64.\n"

struct cmdline {
	const char *model, *out;
	uint64_t seed;
};

/* Strict unsigned 64-bit number. */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || s[0] == '+')
		return -1;
	*v = x;
	return 0;
}

static void parse_args(int argc, char **argv, struct cmdline *cl)
{
	static const struct option opts[] = {
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' },
		{ "seed", required_argument, 0, 's' }, { "output", required_argument, 0, 'o' },
		{ 0, 0, 0, 0 },
	};
	memset(cl, 0, sizeof *cl);
	int c;
	while ((c = getopt_long(argc, argv, "hVs:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(USAGE "\n" HELP, stdout); exit(0);
		case 'V': puts(PROG " (gantools) " GAN_VERSION); exit(0);
		case 's':
			if (parse_u64(optarg, &cl->seed))
				die(PROG, EXIT_BAD, "--seed: expected an integer 0..2^64-1, got '%s'",
				    optarg);
			break;
		case 'o': cl->out = optarg; break;
		default: fputs(USAGE, stderr); exit(EXIT_BAD);
		}
	}
	if (argc - optind != 1) {
		fputs(USAGE, stderr);
		exit(EXIT_BAD);
	}
	cl->model = argv[optind];
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

/* test_cli.c - cli_parse of cli/cli.h on a small table: options before
 * and after operands and the subcommand, the subcommand found after an
 * option that takes an argument, "--", --opt=value, clustered short flags,
 * exact long names over prefixes, and the help's layout. The error paths
 * exit; tests/cli.bats runs them through the tools. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cli.h"

enum { SUB_RUN, SUB_SHOW };
enum { O_KID = 256, O_KIDSEED, O_LABELS_FILE, O_LABELS };

static const char *const subs[] = { "run", "show", NULL };

static const CliOpt opts[] = {
	{ 'n', 'n', "count", "N", "How many", "1", 0 },
	{ 'f', 'f', "fast", NULL, "Go fast", NULL, 0 },
	{ 'q', 'q', "quiet", NULL, "Say less", NULL, 0 },
	{ O_KIDSEED, 0, "kid-seed", "S", "A seed", NULL, 0 },
	{ O_KID, 0, "k", "K", "Neighbours", "3", 0 },
	{ O_LABELS_FILE, 0, "labels", "FILE", "Labels from FILE", NULL, 1u << SUB_RUN },
	{ O_LABELS, 0, "labels", NULL, "Label by folder", NULL, 1u << SUB_SHOW },
	{ 0 },
};

static const CliSpec spec = {
	.prog = "test-cli", .usage = "usage: test-cli run|show [-n N] ...\n", .opts = opts,
	.subs = subs, .about = "A table to parse with.",
};

/* What the handler saw, in order. */
typedef struct {
	int n;
	int keys[16];
	const char *args[16];
} Seen;

static void on(void *ctx, int key, const char *arg)
{
	Seen *s = ctx;
	if (s->n < 16) {
		s->keys[s->n] = key;
		s->args[s->n++] = arg;
	}
}

/* Parses the words (NULL-terminated, program name first) into s and a. */
static void parse(const char **words, Seen *s, CliArgs *a)
{
	char *argv[32];
	int argc = 0;
	while (words[argc]) {
		argv[argc] = (char *)words[argc];
		argc++;
	}
	argv[argc] = NULL;
	memset(s, 0, sizeof *s);
	cli_parse(&spec, argc, argv, on, s, a);
}

static void order(void)
{
	Seen s;
	CliArgs a;
	const char *w1[] = { "t", "-n", "5", "run", "x", "--fast", "y", NULL };
	parse(w1, &s, &a);
	CHECK(a.sub == SUB_RUN && a.n == 2);
	CHECK_STR(a.args[0], "x");
	CHECK_STR(a.args[1], "y");
	CHECK(s.n == 2 && s.keys[0] == 'n' && s.keys[1] == 'f' && s.args[1] == NULL);
	CHECK_STR(s.args[0], "5");
	free(a.args);

	/* The subcommand's name as an option's argument is not the subcommand. */
	const char *w2[] = { "t", "--count", "show", "run", NULL };
	parse(w2, &s, &a);
	CHECK(a.sub == SUB_RUN && a.n == 0 && s.n == 1);
	CHECK_STR(s.args[0], "show");
	free(a.args);

	const char *w3[] = { "t", "show", "--count=7", "-fq", "--", "-x", "--fast", NULL };
	parse(w3, &s, &a);
	CHECK(a.sub == SUB_SHOW && a.n == 2);
	CHECK_STR(a.args[0], "-x");
	CHECK_STR(a.args[1], "--fast");
	CHECK(s.n == 3 && s.keys[1] == 'f' && s.keys[2] == 'q');
	CHECK_STR(s.args[0], "7");
	free(a.args);

	/* "-" is an operand; -n6 carries its argument. */
	const char *w4[] = { "t", "run", "-", "-n6", NULL };
	parse(w4, &s, &a);
	CHECK(a.n == 1 && s.n == 1);
	CHECK_STR(a.args[0], "-");
	CHECK_STR(s.args[0], "6");
	free(a.args);
}

static void names(void)
{
	Seen s;
	CliArgs a;
	/* --k is the exact name, not an ambiguous prefix of --kid-seed. */
	const char *w1[] = { "t", "--k", "4", "run", "--kid", "9", NULL };
	parse(w1, &s, &a);
	CHECK(a.sub == SUB_RUN && a.n == 0 && s.n == 2);
	CHECK(s.keys[0] == O_KID && s.keys[1] == O_KIDSEED);
	CHECK_STR(s.args[1], "9");
	free(a.args);

	/* One name, a flag in one subcommand and taking FILE in the other. */
	const char *w2[] = { "t", "--labels", "show", "d", NULL };
	parse(w2, &s, &a);
	CHECK(a.sub == SUB_SHOW && a.n == 1 && s.n == 1 && s.keys[0] == O_LABELS);
	free(a.args);
	const char *w3[] = { "t", "--labels", "l.idx", "run", NULL };
	parse(w3, &s, &a);
	CHECK(a.sub == SUB_RUN && a.n == 0 && s.n == 1 && s.keys[0] == O_LABELS_FILE);
	CHECK_STR(s.args[0], "l.idx");
	free(a.args);
}

static void help(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cli_help(f, &spec, -1);
	fclose(f);
	CHECK(strncmp(buf, spec.usage, strlen(spec.usage)) == 0);
	CHECK(strstr(buf, "  -n, --count N") && strstr(buf, "How many; default 1"));
	CHECK(strstr(buf, "  -h, --help") && strstr(buf, "  -V, --version"));
	CHECK(strstr(buf, "Options of test-cli run:") && strstr(buf, "--labels FILE"));
	for (char *line = buf; line && *line; ) {
		char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		CHECK_MSG(n <= 80, "help line of %zu columns", n);
		line = end ? end + 1 : NULL;
	}
	free(buf);
}

static void run(void)
{
	order();
	names();
	help();
}

CHECK_MAIN("test_cli")

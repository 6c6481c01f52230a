/* cli.h - the command-line convention every tool shares, from one table of
 * its options: -h/--help listing every option with its default in the
 * words of the man page, -V/--version, options before or after operands and
 * subcommands ("--" ends them), and one wording for usage errors. Tool
 * side: it prints and exits, as die() does. */
#ifndef GAN_CLI_H
#define GAN_CLI_H

#include <stdint.h>
#include <stdio.h>

#ifndef GAN_VERSION
#define GAN_VERSION "dev"
/* The integer arg of option opt in [lo, hi] (arg_int), or the program ends
 * with "PROG: OPT: expected an integer in LO..HI, got 'ARG'" (EXIT_BAD):
 * the one wording of a bad integer in every tool. */
int64_t cli_int(const CliSpec *spec, const char *opt, const char *arg, int64_t lo, int64_t hi);

#endif

/* One option. key is what the tool's handler gets: the short letter, or a
 * value >= 256 for a long-only option. */
typedef struct {
	int key;
	char letter;              /* short option, or 0 */
	const char *name;         /* long option, without "--" */
	const char *arg;          /* its argument as the usage writes it ("FILE");
				   * NULL for a flag */
	const char *help;         /* the first sentence of the man page's entry */
	const char *def;          /* the default, printed "; default DEF"; or NULL */
	unsigned subs;            /* subcommands it belongs to (bit i: subs[i]); 0: all */
} CliOpt;

typedef struct {
	const char *prog;         /* "gan-step" */
	const char *usage;        /* "usage: gan-step ...\n", as the man SYNOPSIS */
	const char *about;        /* one line: what the tool does */
	const char *const *subs;  /* subcommand names, NULL-terminated; NULL: none */
	const char *const *sub_usage; /* per subcommand usage line, or NULL: usage */
	const char *sub_noun;     /* "subcommand" or "command", for messages */
	const CliOpt *opts;       /* ending with a { 0 } entry */
	const char *footer;       /* printed after the options, or NULL */
} CliSpec;

/* What cli_parse found: the subcommand (-1 for a tool without) and the
 * operands in order, the subcommand removed. */
typedef struct {
	int sub;
	int n;
	char **args;
} CliArgs;

/* Parses argv against spec. The subcommand is the first operand (found
 * before the options are read, so options may come first). -h/--help
 * prints cli_help (of the subcommand when one is named) on stdout and
 * exits 0; -V/--version prints "PROG (gantools) VERSION" and exits 0. An
 * unknown option, one of another subcommand or a missing argument prints
 * "PROG: --x: unknown option" (or "missing argument") and the usage on
 * stderr and exits 1; so does a missing subcommand; an unknown one prints
 * "PROG: unknown subcommand 'x' (expected a, b or c)" and exits 1. Each
 * option is handed to on(ctx, key, arg) in command-line order (arg NULL for
 * a flag). The operands point into argv. */
void cli_parse(const CliSpec *spec, int argc, char **argv,
	       void (*on)(void *ctx, int key, const char *arg), void *ctx, CliArgs *out);
/* The help: usage, what the tool does, every option with its default
 * (those of subcommand sub only, when sub >= 0), -h and -V, the footer. */
void cli_help(FILE *f, const CliSpec *spec, int sub);
/* Prints the usage (of subcommand sub when >= 0 and the spec has one) on
 * stderr and exits EXIT_BAD. */
_Noreturn void cli_usage(const CliSpec *spec, int sub);

/* The integer arg of option opt in [lo, hi] (arg_int), or the program ends
 * with "PROG: OPT: expected an integer in LO..HI, got 'ARG'" (EXIT_BAD):
 * the one wording of a bad integer in every tool. */
int64_t cli_int(const CliSpec *spec, const char *opt, const char *arg, int64_t lo, int64_t hi);

#endif

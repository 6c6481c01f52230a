/* cli.c - the tools' command-line convention (cli.h) over getopt_long in
 * its in-order mode ("-" optstring: operands come back where they stand, so
 * options may follow them whatever POSIXLY_CORRECT says), with the
 * subcommand found first by a scan that knows which options take an
 * argument. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "err.h"

#define MAX_OPTS 64
#define HELP_COLS 80          /* the help fits in 80 columns, text wrapped */
enum { KEY_HELP = 'h', KEY_VERSION = 'V' };

static int in_sub(const CliOpt *o, int sub)
{
	return o->subs == 0 || sub < 0 || (o->subs >> sub & 1u);
}

static int is_sub(const CliSpec *s, const char *a)
{
	for (int i = 0; s->subs && s->subs[i]; i++)
		if (strcmp(a, s->subs[i]) == 0)
			return 1;
	return 0;
}

/* Whether long option name (len bytes; an exact name or a unique prefix)
 * takes the next argument: 1 if every entry of it does, 0 if none does;
 * when the subcommands disagree, 1 unless next is a subcommand name; -1
 * for a name that is no option or an ambiguous prefix (getopt refuses it). */
static int long_takes_next(const CliSpec *s, const char *name, size_t len, const char *next)
{
	const char *match = NULL;
	for (const CliOpt *o = s->opts; o->name && !match; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			match = o->name;
	for (const CliOpt *o = s->opts; o->name && !(match && strlen(match) == len); o++) {
		if (strncmp(o->name, name, len) != 0)
			continue;
		if (match && strcmp(match, o->name) != 0)
			return -1;       /* ambiguous prefix: getopt refuses it */
		match = o->name;
	}
	if (!match)
		return len && (strncmp(name, "help", len) == 0 || strncmp(name, "version", len) == 0)
		       ? 0 : -1;
	int with = 0, without = 0;
	for (const CliOpt *o = s->opts; o->name; o++)
		if (strcmp(o->name, match) == 0)
			o->arg ? with++ : without++;
	if (with && without)
		return !(next && is_sub(s, next));
	return with > 0;
}

/* Whether option word a (not "--") takes the next argument: 1 or 0, or -1
 * when it is no option of the spec (-h and -V are flags). */
static int takes_next(const CliSpec *s, const char *a, const char *next)
{
	if (a[1] == '-')
		return strchr(a, '=') ? 0 : long_takes_next(s, a + 2, strlen(a + 2), next);
	for (const char *c = a + 1; *c; c++) {
		const CliOpt *o = s->opts;
		while (o->name && o->letter != *c)
			o++;
		if (!o->name && *c != 'h' && *c != 'V')
			return -1;
		if (o->name && o->arg)
			return c[1] == '\0';
	}
	return 0;
}

/* The index in argv of the subcommand, or argc when there is none or an
 * unknown option comes first (so that getopt names that option, rather
 * than the word after it being taken for an unknown subcommand). */
static int find_sub(const CliSpec *s, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1;
		if (a[0] != '-' || !a[1])
			return i;
		int next = takes_next(s, a, i + 1 < argc ? argv[i + 1] : NULL);
		if (next < 0)
			return argc;
		i += next;
	}
	return argc;
}

/* "a, b, c or d" of the subcommand names into buf. */
static void sub_list(const CliSpec *s, char *buf, size_t n)
{
	int k = 0;
	while (s->subs[k])
		k++;
	buf[0] = '\0';
	for (int i = 0; i < k; i++) {
		size_t at = strlen(buf);
		snprintf(buf + at, n - at, "%s%s", i == 0 ? "" : i == k - 1 ? " or " : ", ",
			 s->subs[i]);
	}
}

/* The subcommand at argv[at] (removed from argv), or -1; ends the program
 * when it is no subcommand. */
static int take_sub(const CliSpec *s, int *argc, char **argv, int at)
{
	if (!s->subs || at >= *argc)
		return -1;
	for (int i = 0; s->subs[i]; i++)
		if (strcmp(argv[at], s->subs[i]) == 0) {
			memmove(argv + at, argv + at + 1, (size_t)(*argc - at) * sizeof *argv);
			(*argc)--;
			return i;
		}
	char names[256];
	sub_list(s, names, sizeof names);
	fprintf(stderr, "%s: unknown %s '%s' (expected %s)\n", s->prog,
		s->sub_noun ? s->sub_noun : "subcommand", argv[at], names);
	exit(EXIT_BAD);
}

/* getopt's tables for subcommand sub: long options and the optstring. */
static void tables(const CliSpec *s, int sub, struct option *lo, char *so)
{
	int k = 0, j = 0;
	so[j++] = '-', so[j++] = ':', so[j++] = 'h', so[j++] = 'V';
	for (const CliOpt *o = s->opts; o->name && k < MAX_OPTS; o++) {
		if (!in_sub(o, sub))
			continue;
		lo[k++] = (struct option){ o->name, o->arg ? required_argument : no_argument, NULL,
					   o->letter ? o->letter : o->key };
		if (o->letter) {
			so[j++] = o->letter;
			if (o->arg)
				so[j++] = ':';
		}
	}
	lo[k++] = (struct option){ "help", no_argument, NULL, KEY_HELP };
	lo[k++] = (struct option){ "version", no_argument, NULL, KEY_VERSION };
	lo[k] = (struct option){ 0 };
	so[j] = '\0';
}

/* The table entry getopt returned c for. */
static const CliOpt *entry(const CliSpec *s, int sub, int c)
{
	for (const CliOpt *o = s->opts; o->name; o++)
		if (in_sub(o, sub) && (o->letter ? o->letter : o->key) == c)
			return o;
	return NULL;
}

static _Noreturn void bad_option(const CliSpec *s, int sub, const char *what, const char *word)
{
	fprintf(stderr, "%s: %s: %s\n", s->prog, word, what);
	cli_usage(s, sub);
}

void cli_parse(const CliSpec *s, int argc, char **argv,
	       void (*on)(void *ctx, int key, const char *arg), void *ctx, CliArgs *out)
{
	char **av = xcalloc((size_t)argc + 1, sizeof *av);
	memcpy(av, argv, (size_t)argc * sizeof *av);
	int ac = argc;
	int sub = take_sub(s, &ac, av, find_sub(s, ac, av));
	struct option lo[MAX_OPTS + 3];
	char so[2 * MAX_OPTS + 8];
	tables(s, sub, lo, so);
	*out = (CliArgs){ .sub = sub, .args = xcalloc((size_t)ac + 1, sizeof *out->args) };
	opterr = 0;
	optind = 0;
	int c;
	while ((c = getopt_long(ac, av, so, lo, NULL)) != -1) {
		const CliOpt *o;
		if (c == 1) {
			out->args[out->n++] = optarg;
		} else if (c == KEY_HELP) {
			cli_help(stdout, s, sub);
			exit(0);
		} else if (c == KEY_VERSION) {
			printf("%s (gantools) %s\n", s->prog, GAN_VERSION);
			exit(0);
		} else if (c == ':') {
			bad_option(s, sub, "missing argument", av[optind - 1]);
		} else if (c == '?' || !(o = entry(s, sub, c))) {
			bad_option(s, sub, "unknown option", av[optind - 1]);
		} else {
			on(ctx, o->key, o->arg ? optarg : NULL);
		}
	}
	while (optind < ac)
		out->args[out->n++] = av[optind++];
	free(av);
	if (s->subs && sub < 0)
		cli_usage(s, -1);
}

/* "  -o, --output FILE" of o into buf. */
static void left(const CliOpt *o, char *buf, size_t n)
{
	char sh[8] = "    ";
	if (o->letter)
		snprintf(sh, sizeof sh, "-%c, ", o->letter);
	snprintf(buf, n, "  %s--%s%s%s", sh, o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* text after a left column of width, broken at spaces to fit HELP_COLS
 * columns; continuation lines are indented to the text. */
static void wrapped(FILE *f, int width, const char *text)
{
	int col = width + 2, room = HELP_COLS - col;
	const char *p = text;
	while (*p) {
		int n = (int)strlen(p);
		if (n > room) {
			int cut = room;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			n = cut > 0 ? cut : room;
		}
		fprintf(f, "%.*s\n", n, p);
		p += n;
		while (*p == ' ')
			p++;
		if (*p)
			fprintf(f, "%*s", col, "");
	}
}

/* The option lines of the entries for which pick(o, sub) holds. */
static void lines(FILE *f, const CliSpec *s, int sub, int width,
		  int (*pick)(const CliOpt *o, int sub))
{
	for (const CliOpt *o = s->opts; o->name; o++) {
		if (!pick(o, sub))
			continue;
		char l[96], text[512];
		left(o, l, sizeof l);
		snprintf(text, sizeof text, "%s%s%s", o->help, o->def ? "; default " : "",
			 o->def ? o->def : "");
		fprintf(f, "%-*s  ", width, l);
		wrapped(f, width, text);
	}
}

static int pick_in(const CliOpt *o, int sub)
{
	return in_sub(o, sub);
}

static int pick_common(const CliOpt *o, int sub)
{
	return o->subs == 0;
}

static int pick_only(const CliOpt *o, int sub)
{
	return o->subs != 0 && (o->subs >> sub & 1u);
}

void cli_help(FILE *f, const CliSpec *s, int sub)
{
	int width = (int)strlen("  -V, --version");
	for (const CliOpt *o = s->opts; o->name; o++) {
		char l[96];
		left(o, l, sizeof l);
		if (in_sub(o, sub) && (int)strlen(l) > width)
			width = (int)strlen(l);
	}
	fputs(sub >= 0 && s->sub_usage ? s->sub_usage[sub] : s->usage, f);
	fprintf(f, "\n%s\n\n", s->about);
	lines(f, s, sub, width, !s->subs || sub >= 0 ? pick_in : pick_common);
	fprintf(f, "%-*s  Print this help and exit\n", width, "  -h, --help");
	fprintf(f, "%-*s  Print the version and exit\n", width, "  -V, --version");
	for (int i = 0; s->subs && sub < 0 && s->subs[i]; i++) {
		int any = 0;
		for (const CliOpt *o = s->opts; o->name; o++)
			any |= pick_only(o, i);
		if (!any)
			continue;
		fprintf(f, "\nOptions of %s %s:\n", s->prog, s->subs[i]);
		lines(f, s, i, width, pick_only);
	}
	if (s->footer)
		fprintf(f, "\n%s", s->footer);
}

_Noreturn void cli_usage(const CliSpec *s, int sub)
{
	fputs(sub >= 0 && s->sub_usage ? s->sub_usage[sub] : s->usage, stderr);
	exit(EXIT_BAD);
}

int64_t cli_int(const CliSpec *s, const char *opt, const char *arg, int64_t lo, int64_t hi)
{
	int64_t v;
	if (arg_int(arg, lo, hi, &v))
		die(s->prog, EXIT_BAD, "%s: expected an integer in %lld..%lld, got '%s'", opt,
		    (long long)lo, (long long)hi, arg);
	return v;
}

/* test_sanitize.c - control bytes taken from input files never reach an
 * error message: err_sanitize itself, then the model-file parser (section
 * names, keys, words) and the TSV log parser (quoted fields). */
#include <stdio.h>
#include <string.h>
#include "err.h"
#include "model.h"
#include "tsvlog.h"
#include "check.h"

/* No byte below 0x20 and no 0x7f in s. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void test_err_sanitize(void)
{
	Err e = { 0 };
	err_set(&e, EXIT_BAD, "a\tb\nc\x1b[31md\x7f\x01 \xc3\xa9~");
	err_sanitize(&e);
	CHECK_STR(e.msg, "a?b?c?[31md?? \xc3\xa9~");
	CHECK(e.code == EXIT_BAD);
	err_sanitize(NULL);
}

static Model m;

/* The message for model text, loaded as "x.model". */
static const char *model_msg(const char *text)
{
	static Err e;
	memset(&e, 0, sizeof e);
	int rc = model_load(&m, text, "x.model", &e);
	return rc < 0 ? e.msg : "(loaded)";
}

static void test_model(void)
{
	const char *s = model_msg("[mod\x1b" "el]\n");
	CHECK_STR(s, "x.model:1: unknown section [mod?el] (expected model, optimizer, "
		  "train, G and D, or C)");
	s = model_msg("[model]\nfo\x01o = 1\n");
	CHECK_STR(s, "x.model:2: unknown key 'fo?o' in [model]");
	s = model_msg("[model]\ndata = 2\n[G]\nlin\x1b" "ear 2 2\n");
	CHECK_STR(s, "x.model:4: unknown layer 'lin?ear'");
	s = model_msg("[model]\ndata = 2\nlatent = 2\x7f\n");
	CHECK(printable(s) && strstr(s, "x.model:3: ") == s);
	s = model_msg("stray\x1b]0;title\x07 words\n");
	CHECK(printable(s) && strstr(s, "outside any section"));
}

static void test_tsvlog(void)
{
	const char *text = "# step\n1\t0\t0.5\x1b[31m\t0.7\t0.5\t0.5\t10\n";
	TsvLog log;
	Err e = { 0 };
	CHECK(tsvlog_parse(text, strlen(text), "run.tsv", &log, &e) < 0);
	CHECK_STR(e.msg, "run.tsv:2: field 3 (loss_D): '0.5?[31m' is not a number");
	text = "1\t0\t\r\x01\t0.7\t0.5\t0.5\t10\n";
	CHECK(tsvlog_parse(text, strlen(text), "run.tsv", &log, &e) < 0);
	CHECK_STR(e.msg, "run.tsv:1: field 3 (loss_D): '?" "?' is not a number");
}

static void run(void)
{
	test_err_sanitize();
	test_model();
	test_tsvlog();
}

CHECK_MAIN("test_sanitize")

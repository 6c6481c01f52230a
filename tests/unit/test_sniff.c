/* test_sniff.c - format detection by magic (npy, safetensors, unknown,
 * empty) and the replaying FILE that hands the peeked bytes back. */
#include <stdio.h>
#include <string.h>
#include "sniff.h"
#include "check.h"

static void test_detect(void)
{
	const unsigned char npy[] = "\x93NUMPY\x01\x00";
	const unsigned char st[] = "\x05\0\0\0\0\0\0\0{";
	const unsigned char big[] = "\xff\xff\xff\xff\0\0\0\0{";
	const unsigned char nobrace[] = "\x05\0\0\0\0\0\0\0[";
	CHECK(sniff_format(npy, 8) == FMT_NPY);
	CHECK(sniff_format(npy, 5) == FMT_UNKNOWN);
	CHECK(sniff_format(st, 9) == FMT_SAFETENSORS);
	CHECK(sniff_format(st, 8) == FMT_UNKNOWN);
	CHECK(sniff_format(big, 9) == FMT_UNKNOWN);
	CHECK(sniff_format(nobrace, 9) == FMT_UNKNOWN);
	CHECK(sniff_format(npy, 0) == FMT_EMPTY);
	CHECK_STR(sniff_format_name(FMT_SAFETENSORS), "safetensors");
}

/* Every byte of src comes back through the wrapper, in order. */
static void check_replay(const char *src, size_t n, FileFormat want)
{
	FILE *in = fmemopen((void *)src, n, "rb");
	Err e = { 0 };
	FileFormat fmt;
	FILE *f = sniff_open(in, "mem", &fmt, &e);
	CHECK(f != NULL);
	if (!f) {
		fclose(in);
		return;
	}
	CHECK(fmt == want);
	char buf[64] = { 0 };
	size_t got = 0, k;
	while ((k = fread(buf + got, 1, 3, f)) > 0)
		got += k;
	CHECK(got == n && memcmp(buf, src, n) == 0);
	fclose(f);
	fclose(in);
}

static void run(void)
{
	test_detect();
#define REPLAY(lit, fmt) check_replay(lit, sizeof lit - 1, fmt)
	REPLAY("\x93NUMPY\x01\x00 and then the rest of the record", FMT_NPY);
	REPLAY("\x02\0\0\0\0\0\0\0{}", FMT_SAFETENSORS);
	REPLAY("P5\n", FMT_UNKNOWN);
#undef REPLAY
}

CHECK_MAIN("test_sniff")

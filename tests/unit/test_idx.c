/* test_idx.c - IDX reading from tiny files written here, raw and gzipped:
 * shapes and bytes, labels, stdin, and the errors for bad magic, bad type,
 * bad rank, truncated and trailing data, and oversized headers. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "idx.h"
#include "check.h"

static char dir[] = "/tmp/test_idx.XXXXXX";

/* Writes header bytes hdr[0..nh) then n data bytes (i * 7 + 1) to dir/name,
 * gzipped when gz. Returns the path in a static buffer. */
static const char *put(const char *name, const uint8_t *hdr, size_t nh, size_t n, int gz)
{
	static char path[256];
	uint8_t data[256];
	for (size_t i = 0; i < n && i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 1);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (gz) {
		gzFile g = gzopen(path, "wb");
		gzwrite(g, hdr, (unsigned)nh);
		if (n) gzwrite(g, data, (unsigned)n);
		gzclose(g);
	} else {
		FILE *f = fopen(path, "wb");
		fwrite(hdr, 1, nh, f);
		fwrite(data, 1, n, f);
		fclose(f);
	}
	return path;
}

static int data_ok(const Tensor *t, size_t n)
{
	const uint8_t *p = t->data;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(i * 7 + 1)) return 0;
	return 1;
}

static const uint8_t h3[16] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 };

static void test_good(void)
{
	Tensor t;
	Err e = { 0 };
	for (int gz = 0; gz < 2; gz++) {
		const char *p = put(gz ? "a.gz" : "a.idx", h3, 16, 24, gz);
		CHECK(idx_read_u8(p, &t, &e) == 0);
		CHECK(t.dtype == DT_U8 && t.ndim == 3);
		CHECK(t.shape[0] == 2 && t.shape[1] == 3 && t.shape[2] == 4);
		CHECK(t.data && data_ok(&t, 24));
		tensor_free(&t);
	}
	const uint8_t h1[8] = { 0, 0, 8, 1, 0, 0, 0, 10 };
	CHECK(idx_read_u8(put("labels.gz", h1, 8, 10, 1), &t, &e) == 0);
	CHECK(t.ndim == 1 && t.shape[0] == 10 && data_ok(&t, 10));
	tensor_free(&t);
	const uint8_t h4[20] = { 0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 1, 0 };
	CHECK(idx_read_u8(put("four", h4, 20, 1536 / 8, 0), &t, &e) == -1);
	CHECK(idx_read_u8(put("four", h4, 20, 0, 0), &t, &e) == -1);
	const uint8_t h4s[20] = { 0, 0, 8, 4, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 5 };
	CHECK(idx_read_u8(put("four", h4s, 20, 30, 0), &t, &e) == 0);
	CHECK(t.ndim == 4 && t.shape[3] == 5 && data_ok(&t, 30));
	tensor_free(&t);

	/* "-" reads standard input (here a gzipped file on fd 0). */
	const char *p = put("stdin.gz", h3, 16, 24, 1);
	int saved = dup(0), fd = open(p, O_RDONLY);
	dup2(fd, 0);
	close(fd);
	CHECK(idx_read_u8("-", &t, &e) == 0);
	CHECK(t.ndim == 3 && data_ok(&t, 24));
	tensor_free(&t);
	dup2(saved, 0);
	close(saved);
}

/* Expects failure with exactly "<path>: <tail>". */
static void expect_err(const char *path, const char *tail)
{
	Tensor t;
	Err e = { 0 };
	char want[512];
	snprintf(want, sizeof want, "%s: %s", path, tail);
	CHECK(idx_read_u8(path, &t, &e) == -1);
	CHECK(t.data == NULL && e.code == EXIT_BAD);
	CHECK_STR(e.msg, want);
}

static void test_bad(void)
{
	for (int gz = 0; gz < 2; gz++) {
		const uint8_t bad_magic[16] = { 1, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 };
		expect_err(put("m", bad_magic, 16, 24, gz), "not an IDX file (bad magic)");
		const uint8_t f32[16] = { 0, 0, 0x0D, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4 };
		expect_err(put("t", f32, 16, 96, gz), "IDX type 0x0D not supported (u8 images only)");
		const uint8_t r0[4] = { 0, 0, 8, 0 };
		expect_err(put("r0", r0, 4, 0, gz), "IDX with 0 dimensions not supported (1 to 4)");
		const uint8_t r5[24] = { 0, 0, 8, 5, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1 };
		expect_err(put("r5", r5, 24, 1, gz), "IDX with 5 dimensions not supported (1 to 4)");
		expect_err(put("short", h3, 16, 20, gz), "truncated: expected 24 bytes of data, got 20");
		expect_err(put("nodata", h3, 16, 0, gz), "truncated: expected 24 bytes of data, got 0");
		expect_err(put("hdr", h3, 10, 0, gz), "truncated: expected 16 bytes of header, got 10");
		expect_err(put("trail", h3, 16, 25, gz), "trailing data after 24 bytes of IDX data");
		const uint8_t zero[16] = { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 4 };
		expect_err(put("zero", zero, 16, 0, gz), "IDX dimension 1 is 0");
		const uint8_t huge[16] = { 0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4 };
		expect_err(put("huge", huge, 16, 0, gz), "IDX data too large (more than 17179869184 bytes)");
		expect_err(put("empty", h3, 0, 0, gz), "not an IDX file (bad magic)");
	}
	/* A gzip stream cut short is an error, never a crash. */
	const char *p = put("cut.gz", h3, 16, 24, 1);
	FILE *f = fopen(p, "rb");
	uint8_t buf[512];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	for (size_t cut = 5; cut < n; cut += 7) {
		f = fopen(p, "wb");
		fwrite(buf, 1, cut, f);
		fclose(f);
		Tensor t;
		Err e = { 0 };
		CHECK_MSG(idx_read_u8(p, &t, &e) == -1 && t.data == NULL && e.msg[0],
			  "gzip cut at %zu accepted", cut);
	}
	Tensor t;
	Err e = { 0 };
	CHECK(idx_read_u8("/nonexistent/x.idx", &t, &e) == -1 && e.code != 0);
	CHECK(strncmp(e.msg, "/nonexistent/x.idx", 18) == 0);
}

static void run(void)
{
	if (!mkdtemp(dir)) { CHECK(0); return; }
	test_good();
	test_bad();
	static const char *names[] = { "a.gz", "a.idx", "labels.gz", "four", "stdin.gz", "m", "t",
		"r0", "r5", "short", "nodata", "hdr", "trail", "zero", "huge", "empty", "cut.gz" };
	char path[300];
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

CHECK_MAIN("test_idx")

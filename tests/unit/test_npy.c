/* test_npy.c - .npy records: byte-identical output to numpy 1.24, round
 * trips of every dtype and rank, streams, truncation at every byte, and the
 * exact message for each kind of bad header. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "npy.h"
#include "check.h"

/* np.save of np.arange(6, dtype='<f4').reshape(2, 3), numpy 1.24.2. */
static const unsigned char numpy_f32_2x3[152] =
	"\x93NUMPY\x01\x00\x76\x00"
	"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
	"                                                          \n"
	"\x00\x00\x00\x00\x00\x00\x80\x3f\x00\x00\x00\x40"
	"\x00\x00\x40\x40\x00\x00\x80\x40\x00\x00\xa0\x40";

/* A FILE holding n bytes of buf, positioned at the start. */
static FILE *file_of(const void *buf, size_t n)
{
	FILE *f = tmpfile();
	if (n)
		fwrite(buf, 1, n, f);
	rewind(f);
	return f;
}

/* Everything written to f so far, as a malloc'd buffer of *n bytes. */
static unsigned char *slurp(FILE *f, size_t *n)
{
	fflush(f);
	long end = ftell(f);
	rewind(f);
	unsigned char *b = malloc(end > 0 ? (size_t)end : 1);
	*n = fread(b, 1, (size_t)end, f);
	return b;
}

static void test_numpy_bytes(void)
{
	Err e = {0};
	Tensor t;
	FILE *f = file_of(numpy_f32_2x3, sizeof numpy_f32_2x3);
	CHECK(npy_read(f, "np.npy", 1, &t, &e) == 1);
	CHECK(t.dtype == DT_F32 && t.ndim == 2 && t.shape[0] == 2 && t.shape[1] == 3);
	float want[6] = {0, 1, 2, 3, 4, 5};
	CHECK(t.data && memcmp(t.data, want, sizeof want) == 0);
	tensor_free(&t);
	CHECK(npy_read(f, "np.npy", 2, &t, &e) == 0);
	fclose(f);

	f = tmpfile();
	int64_t shape[2] = {2, 3};
	CHECK(npy_write_raw(f, "out.npy", DT_F32, 2, shape, want, &e) == 0);
	size_t n;
	unsigned char *b = slurp(f, &n);
	CHECK(n == sizeof numpy_f32_2x3 && memcmp(b, numpy_f32_2x3, n) == 0);
	free(b);
	fclose(f);
}

/* Writes t, reads it back and compares everything; checks the header is
 * padded to 64 bytes and ends in '\n'. */
static void round_trip(const Tensor *t, const char *label)
{
	Err e = {0};
	FILE *f = tmpfile();
	CHECK_MSG(npy_write(f, "rt.npy", t, &e) == 0, "%s: %s", label, e.msg);
	size_t n;
	unsigned char *b = slurp(f, &n);
	size_t hl = 10 + (size_t)(b[8] | b[9] << 8);
	CHECK_MSG(hl % 64 == 0 && b[hl - 1] == '\n', "%s: header length %zu", label, hl);
	free(b);
	rewind(f);
	Tensor r;
	int rc = npy_read(f, "rt.npy", 1, &r, &e);
	CHECK_MSG(rc == 1, "%s: %s", label, e.msg);
	if (rc == 1) {
		int64_t nb = tensor_nbytes(t, NULL);
		CHECK_MSG(r.dtype == t->dtype && r.ndim == t->ndim &&
			  memcmp(r.shape, t->shape, sizeof(int64_t) * (size_t)t->ndim) == 0 &&
			  memcmp(r.data, t->data, (size_t)nb) == 0, "%s: differs", label);
		tensor_free(&r);
	}
	CHECK(npy_read(f, "rt.npy", 2, &r, &e) == 0);
	fclose(f);
}

static void fill(Tensor *t)
{
	int64_t nb = tensor_nbytes(t, NULL);
	unsigned char *p = t->data;
	for (int64_t i = 0; i < nb; i++)
		p[i] = (unsigned char)(i * 37 + 11);
	if (t->dtype == DT_BOOL)
		for (int64_t i = 0; i < nb; i++)
			p[i] &= 1;
}

static void test_round_trips(void)
{
	Err e = {0};
	Tensor t;
	int64_t s32[2] = {3, 2};
	for (int d = 0; d < DT_COUNT; d++) {
		CHECK(tensor_alloc(&t, (DType)d, 2, s32, &e) == 0);
		fill(&t);
		round_trip(&t, dtype_npy((DType)d));
		tensor_free(&t);
	}
	static const int64_t shapes[][8] = {
		{0}, {7}, {2, 3, 4}, {1, 2, 1, 2, 1, 2, 1, 2}, {0, 5}, {12345678, 0, 3},
	};
	static const int ranks[] = {0, 1, 3, 8, 2, 3};
	for (int i = 0; i < 6; i++) {
		CHECK(tensor_alloc(&t, DT_F32, ranks[i], shapes[i], &e) == 0);
		fill(&t);
		char label[32];
		snprintf(label, sizeof label, "rank %d case %d", ranks[i], i);
		round_trip(&t, label);
		tensor_free(&t);
	}
}

/* Three records back to back in one FILE, then a clean end. */
static void test_stream(void)
{
	Err e = {0};
	FILE *f = tmpfile();
	int64_t s1[1] = {4}, s2[2] = {2, 2};
	uint8_t a[4] = {1, 2, 3, 4};
	double b[4] = {0.5, -1, 2e300, 3};
	int64_t c = 42;
	CHECK(npy_write_raw(f, "s", DT_U8, 1, s1, a, &e) == 0);
	CHECK(npy_write_raw(f, "s", DT_F64, 2, s2, b, &e) == 0);
	CHECK(npy_write_raw(f, "s", DT_I64, 0, NULL, &c, &e) == 0);
	rewind(f);
	Tensor t;
	CHECK(npy_read(f, "s", 1, &t, &e) == 1 && t.dtype == DT_U8 && memcmp(t.data, a, 4) == 0);
	tensor_free(&t);
	CHECK(npy_read(f, "s", 2, &t, &e) == 1 && t.dtype == DT_F64 && memcmp(t.data, b, 32) == 0);
	tensor_free(&t);
	CHECK(npy_read(f, "s", 3, &t, &e) == 1 && t.ndim == 0 && *(int64_t *)t.data == 42);
	tensor_free(&t);
	CHECK(npy_read(f, "s", 4, &t, &e) == 0 && t.data == NULL);
	CHECK(npy_read(f, "s", 4, &t, &e) == 0);
	fclose(f);
}

/* Cutting a 2-record stream at every byte: only 0, the boundary and the
 * full length are clean ends; everything else is "truncated". */
static void test_truncation(void)
{
	Err e = {0};
	FILE *w = tmpfile();
	int64_t s[2] = {3, 5};
	float x[15] = {0};
	CHECK(npy_write_raw(w, "t", DT_F32, 2, s, x, &e) == 0);
	long one = ftell(w);
	CHECK(npy_write_raw(w, "t", DT_F32, 1, s, x, &e) == 0);
	size_t n;
	unsigned char *buf = slurp(w, &n);
	fclose(w);
	int bad = 0;
	for (size_t cut = 0; cut <= n; cut++) {
		FILE *f = file_of(buf, cut);
		Tensor t;
		int want = cut == 0 ? 0 : (long)cut < one ? -1 : (long)cut == one ? 1 :
			   cut < n ? -1 : 2;
		int got = 0, rc;
		e.msg[0] = '\0';
		while ((rc = npy_read(f, "t", got + 1, &t, &e)) == 1) {
			tensor_free(&t);
			got++;
		}
		if (want < 0 ? (rc != -1 || !strstr(e.msg, "truncated") || e.code != EXIT_BAD)
			     : (rc != 0 || got != want)) {
			if (!bad++)
				fprintf(stderr, "  cut %zu: rc %d after %d records: %s\n",
					cut, rc, got, e.msg);
		}
		fclose(f);
	}
	CHECK_MSG(bad == 0, "%d cut positions misreported", bad);
	free(buf);
}

/* A record with the given version, header text and data bytes. */
static FILE *record(int major, const char *header, size_t ndata)
{
	unsigned char pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)major, 0};
	size_t hl = strlen(header), pl = major == 1 ? 10 : 12;
	for (size_t i = 0; i < pl - 8; i++)
		pre[8 + i] = (unsigned char)(hl >> (8 * i));
	FILE *f = tmpfile();
	fwrite(pre, 1, pl, f);
	fwrite(header, 1, hl, f);
	for (size_t i = 0; i < ndata; i++)
		fputc(0, f);
	rewind(f);
	return f;
}

/* Reads the header text as record `index` and returns the message ("" on
 * success). */
static const char *header_msg(int major, const char *header, int index, Err *e)
{
	FILE *f = record(major, header, 4096);
	Tensor t;
	e->msg[0] = '\0';
	e->code = 0;
	int rc = npy_read(f, "x.npy", index, &t, e);
	if (rc == 1)
		tensor_free(&t);
	fclose(f);
	return rc == 1 ? "" : rc == 0 ? "(clean end)" : e->msg;
}

#define HDR(s) "{'descr': '<f4', 'fortran_order': False, 'shape': " s ", }\n"
#define P "x.npy: record 1: header: "

static void test_good_headers(void)
{
	Err e;
	CHECK_STR(header_msg(2, HDR("(3,)"), 1, &e), "");
	CHECK_STR(header_msg(3, HDR("(3,)"), 1, &e), "");
	CHECK_STR(header_msg(1, "{\"shape\":(2,3),\"fortran_order\":False,\"descr\":\"<i2\"}", 1, &e), "");
	CHECK_STR(header_msg(1, "  {'descr': 'u1', 'fortran_order': False, 'shape': ()}   \n", 1, &e), "");
	CHECK_STR(header_msg(1, "{'descr': '|i1', 'fortran_order': False, 'shape': (2L, 3L)}", 1, &e), "");
	CHECK_STR(header_msg(1, HDR("( 2 , 3 , )"), 1, &e), "");
}

static void test_bad_headers(void)
{
	Err e;
	CHECK_STR(header_msg(1, "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", 1, &e),
		  P "dtype '|O' not supported");
	CHECK(e.code == EXIT_BAD);
	CHECK_STR(header_msg(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }", 1, &e),
		  P "dtype '>f4' not supported (big-endian)");
	CHECK_STR(header_msg(1, "{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", 1, &e),
		  P "dtype '<c8' not supported");
	CHECK_STR(header_msg(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 1, &e),
		  P "'descr' must be a string (structured dtypes are not supported)");
	CHECK_STR(header_msg(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (3,), }", 1, &e),
		  P "'fortran_order' must be True or False");
	CHECK_STR(header_msg(1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 1, &e),
		  P "duplicate key 'descr'");
	CHECK_STR(header_msg(1, "{'descr': '<f4', 'shape': (3,)}", 1, &e),
		  P "missing key 'fortran_order'");
	CHECK_STR(header_msg(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", 1, &e),
		  P "unknown key 'x'");
	CHECK_STR(header_msg(1, HDR("(3, -1)"), 1, &e), P "negative dimension in shape");
	CHECK_STR(header_msg(1, HDR("(4294967296, 4294967296, 4294967296)"), 1, &e),
		  P "shape is too large (size overflows)");
	CHECK_STR(header_msg(1, HDR("(99999999999999999999,)"), 1, &e), P "dimension too large in shape");
	CHECK_STR(header_msg(1, HDR("(1, 1, 1, 1, 1, 1, 1, 1, 1)"), 1, &e), P "rank 9 exceeds 8");
	CHECK_STR(header_msg(1, HDR("(3)"), 1, &e),
		  P "shape must be a tuple (a 1-tuple needs a trailing comma)");
	CHECK_STR(header_msg(1, HDR("[3]"), 1, &e), P "shape must be a tuple");
	CHECK_STR(header_msg(1, HDR("(3 4)"), 1, &e), P "expected ',' or ')' in shape");
	CHECK_STR(header_msg(1, HDR("(03,)"), 1, &e), P "expected an integer in shape");
	CHECK_STR(header_msg(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} x", 1, &e),
		  P "unexpected text after '}'");
	CHECK_STR(header_msg(1, "['descr']", 1, &e), P "expected '{'");
	CHECK_STR(header_msg(1, "{descr: '<f4'}", 1, &e), P "expected a quoted key");
	CHECK_STR(header_msg(1, "{'descr' '<f4'}", 1, &e), P "expected ':' after key 'descr'");
	CHECK_STR(header_msg(1, "{'descr': '<f4' 'shape': ()}", 1, &e), P "expected ',' or '}'");
	CHECK_STR(header_msg(1, "{'descr': '<f4", 1, &e), P "unterminated string");
	CHECK_STR(header_msg(1, "{'descr': '<f\\x34'}", 1, &e), P "bad character in string");
}

static void test_bad_preamble(void)
{
	Err e;
	const char *ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (200,), }";
	FILE *f = record(1, ok, 13);
	fseek(f, 3, SEEK_SET);
	fputc('Z', f);
	rewind(f);
	Tensor t;
	CHECK(npy_read(f, "x.npy", 1, &t, &e) == -1);
	CHECK_STR(e.msg, "x.npy: record 1: bad magic (not a .npy file)");
	fclose(f);
	CHECK_STR(header_msg(4, ok, 1, &e), "x.npy: record 1: unsupported version 4.0");
	CHECK_STR(header_msg(0, ok, 1, &e), "x.npy: record 1: unsupported version 0.0");
	f = record(1, ok, 13);
	CHECK(npy_read(f, "x.npy", 2, &t, &e) == -1);
	CHECK_STR(e.msg, "x.npy: record 2: truncated data (expected 800 bytes, got 13)");
	fclose(f);
	char big[20001];
	memset(big, ' ', 20000);
	big[20000] = '\0';
	memcpy(big, ok, strlen(ok));
	CHECK_STR(header_msg(2, big, 1, &e), "x.npy: record 1: header length 20000 exceeds 10000");
	char nul[] = "{'descr': '<f4', 'fortran_order': False, 'shape': (), }";
	f = record(1, nul, 4);
	fseek(f, 12, SEEK_SET);
	fputc('\0', f);
	rewind(f);
	CHECK(npy_read(f, "x.npy", 1, &t, &e) == -1);
	CHECK_STR(e.msg, "x.npy: record 1: header: contains a NUL byte");
	fclose(f);
	f = file_of("garbage", 7);
	CHECK(npy_read(f, "<stdin>", 1, &t, &e) == -1);
	CHECK_STR(e.msg, "<stdin>: record 1: a text file, not a .npy stream");
	fclose(f);
	f = file_of("\x01\x02garbage", 9);
	CHECK(npy_read(f, "<stdin>", 1, &t, &e) == -1);
	CHECK_STR(e.msg, "<stdin>: record 1: bad magic (not a .npy file)");
	fclose(f);
	f = file_of("\x89PNG\r\n\x1a\n\0", 9);
	CHECK(npy_read(f, "<stdin>", 1, &t, &e) == -1);
	CHECK_STR(e.msg, "<stdin>: record 1: a PNG image, not a .npy stream");
	fclose(f);
}

/* npy_read_header then npy_read_data in chunks. */
static void test_chunked(void)
{
	Err e = {0};
	FILE *f = file_of(numpy_f32_2x3, sizeof numpy_f32_2x3);
	Tensor t;
	CHECK(npy_read_header(f, "np.npy", 1, &t, &e) == 1 && t.data == NULL);
	CHECK(tensor_nbytes(&t, NULL) == 24);
	float a[2], b[4];
	CHECK(npy_read_data(f, "np.npy", 1, a, sizeof a, &e) == 0);
	CHECK(npy_read_data(f, "np.npy", 1, b, sizeof b, &e) == 0);
	CHECK(a[1] == 1 && b[3] == 5);
	CHECK(npy_read_data(f, "np.npy", 1, b, sizeof b, &e) == -1);
	CHECK_STR(e.msg, "np.npy: record 1: truncated data (expected 16 bytes, got 0)");
	fclose(f);
}

static void run(void)
{
	test_numpy_bytes();
	test_round_trips();
	test_stream();
	test_truncation();
	test_good_headers();
	test_bad_headers();
	test_bad_preamble();
	test_chunked();
}

CHECK_MAIN("test_npy")

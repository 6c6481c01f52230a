/* test_safetensors.c - safetensors reader and writer: round trips, pipes, a
 * file laid out by Python, one crafted bad file per validation rule (message
 * and -1), truncation at every byte, and writer-side errors. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "safetensors.h"
#include "st_write.h"

#include "check.h"

/* Reads n bytes with st_read, from a memory stream (no fstat, as a pipe)
 * when as_pipe, else from a regular temporary file. */
static int read_bytes(const void *buf, size_t n, int as_pipe, SafeTensors *st, Err *e)
{
	FILE *f;
	if (as_pipe && n > 0) {
		f = fmemopen((void *)buf, n, "rb");
	} else {
		f = tmpfile();
		if (f && n > 0 && fwrite(buf, 1, n, f) != n)
			return -2;
		if (f)
			rewind(f);
	}
	if (!f)
		return -2;
	memset(e, 0, sizeof *e);
	int rc = st_read(f, "ck.st", st, e);
	fclose(f);
	return rc;
}

/* A file of: u64 LE hl (strlen(json) unless hl_force), json, data. */
static size_t craft(unsigned char *out, uint64_t hl_force, const char *json,
		    const void *data, size_t dn)
{
	size_t jl = strlen(json);
	uint64_t hl = hl_force ? hl_force : jl;
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(hl >> (8 * i));
	memcpy(out + 8, json, jl);
	if (dn)
		memcpy(out + 8 + jl, data, dn);
	return 8 + jl + dn;
}

/* Checks that the crafted file fails, from memory and from a file, with
 * exactly msg (or a message starting with msg when prefix). */
static void expect_bad(const char *json, const void *data, size_t dn, uint64_t hl,
		       const char *msg, int prefix)
{
	static unsigned char buf[1 << 16];
	size_t n = craft(buf, hl, json, data, dn);
	for (int as_pipe = 0; as_pipe < 2; as_pipe++) {
		SafeTensors st;
		Err e;
		int rc = read_bytes(buf, n, as_pipe, &st, &e);
		CHECK_MSG(rc == -1, "expected -1 for %s", json);
		CHECK(e.code == EXIT_BAD);
		if (prefix)
			CHECK_MSG(strncmp(e.msg, msg, strlen(msg)) == 0, "got \"%s\", expected "
				  "prefix \"%s\"", e.msg, msg);
		else
			CHECK_STR(e.msg, msg);
		CHECK(st.n == 0 && st.blob == NULL && st.ents == NULL);
	}
}

static const float F4[6] = {1, 2, 3, 4, 5, 6};

static void test_header_len(void)
{
	unsigned char buf[128];
	memset(buf, ' ', sizeof buf);
	for (int as_pipe = 0; as_pipe < 2; as_pipe++) {
		SafeTensors st;
		Err e;
		craft(buf, 99999999999ull, "{}", NULL, 0);
		CHECK(read_bytes(buf, 120, as_pipe, &st, &e) == -1);
		CHECK_STR(e.msg, "ck.st: header length 99999999999 out of range (file has 120 bytes)");
		CHECK(read_bytes(buf, 5, as_pipe, &st, &e) == -1);
		CHECK_STR(e.msg, "ck.st: truncated (expected 8 header-length bytes, got 5)");
		CHECK(read_bytes(buf, 0, as_pipe, &st, &e) == -1);
		CHECK_STR(e.msg, "ck.st: truncated (expected 8 header-length bytes, got 0)");
	}
	expect_bad("{}", NULL, 0, 1, "ck.st: header length 1 out of range (2 to 104857600)", 0);
	memset(buf, 0, 8);
	for (int as_pipe = 0; as_pipe < 2; as_pipe++) {
		SafeTensors st;
		Err e;
		CHECK(read_bytes(buf, 12, as_pipe, &st, &e) == -1);
		CHECK_STR(e.msg, "ck.st: header length 0 out of range (2 to 104857600)");
	}
	expect_bad("{}   ", NULL, 0, 1000, "ck.st: header length 1000 out of range (file has 13 bytes)", 0);
	expect_bad("{}", NULL, 0, ST_MAX_HEADER + 1ull,
		   "ck.st: header length 104857601 out of range (file has 10 bytes)", 0);
}

static void test_bad_json(void)
{
	expect_bad("{\"a\":", NULL, 0, 0, "ck.st: header: invalid JSON: ", 1);
	expect_bad("{\"a\":1}  x", NULL, 0, 0, "ck.st: header: invalid JSON: ", 1);
	expect_bad("{\"\xff\":1}", NULL, 0, 0, "ck.st: header: invalid JSON: unable to decode byte 0xff", 1);
	expect_bad("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},"
		   "\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: header: duplicate key \"a\" at line 1 column", 1);
	expect_bad("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", NULL, 0, 0,
		   "ck.st: header: duplicate key \"k\"", 1);
	expect_bad("[1, 2]", NULL, 0, 0, "ck.st: header: not a JSON object", 0);
	expect_bad("\"ab\"", NULL, 0, 0, "ck.st: header: invalid JSON: '[' or '{' expected", 1);
}

static void test_bad_names(void)
{
	char json[1300], name[1100];
	expect_bad("{\"\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: header: tensor name is empty", 0);
	memset(name, 'n', 1025);
	name[1025] = '\0';
	snprintf(json, sizeof json, "{\"%s\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", name);
	expect_bad(json, NULL, 0, 0, "ck.st: header: tensor name of 1025 bytes is longer than 1024", 0);
	name[1024] = '\0';
	snprintf(json, sizeof json, "{\"%s\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}", name);
	unsigned char buf[1400];
	size_t n = craft(buf, 0, json, NULL, 0);
	SafeTensors st;
	Err e;
	CHECK(read_bytes(buf, n, 0, &st, &e) == 0);
	CHECK(st.n == 1 && strlen(st.ents[0].name) == 1024);
	st_free(&st);
}

static void test_bad_entries(void)
{
	expect_bad("{\"w\":[1]}", NULL, 0, 0, "ck.st: tensor 'w': entry is not an object", 0);
	expect_bad("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"x\":1}}", NULL, 0, 0,
		   "ck.st: tensor 'w': unexpected key 'x'", 0);
	expect_bad("{\"w\":{\"shape\":[0],\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: tensor 'w': missing 'dtype'", 0);
	expect_bad("{\"w\":{\"dtype\":\"U8\",\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: tensor 'w': missing 'shape'", 0);
	expect_bad("{\"w\":{\"dtype\":\"U8\",\"shape\":[0]}}", NULL, 0, 0,
		   "ck.st: tensor 'w': missing 'data_offsets'", 0);
	expect_bad("{\"w\":{\"dtype\":4,\"shape\":[0],\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: tensor 'w': dtype is not a string", 0);
	expect_bad("{\"G.0.weight\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", F4, 4, 0,
		   "ck.st: tensor 'G.0.weight': unknown dtype 'BF16'", 0);
	expect_bad("{\"w\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", F4, 4, 0,
		   "ck.st: tensor 'w': unknown dtype 'f32'", 0);
	const char *shapes[] = {"{}", "[-1]", "[2.0]", "[\"2\"]", "[null]", "3"};
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		char json[200];
		snprintf(json, sizeof json, "{\"w\":{\"dtype\":\"U8\",\"shape\":%s,\"data_offsets\":[0,0]}}",
			 shapes[i]);
		expect_bad(json, NULL, 0, 0, "ck.st: tensor 'w': shape is not an array of "
			   "non-negative integers", 0);
	}
	expect_bad("{\"w\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
		   F4, 1, 0, "ck.st: tensor 'w': rank 9 exceeds 8", 0);
	expect_bad("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,4294967296],"
		   "\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: tensor 'w': shape [4294967296, 4294967296, 4294967296] overflows", 0);
	expect_bad("{\"w\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904],"
		   "\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: tensor 'w': shape [4611686018427387904] overflows", 0);
}

static void test_bad_offsets(void)
{
	const char *offs[] = {"[0]", "[0,4,8]", "[-4,0]", "[0,\"4\"]", "{}", "[0,4.0]"};
	for (size_t i = 0; i < sizeof offs / sizeof *offs; i++) {
		char json[200];
		snprintf(json, sizeof json, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":%s}}",
			 offs[i]);
		expect_bad(json, F4, 4, 0, "ck.st: tensor 'w': data_offsets is not [begin, end] "
			   "of non-negative integers", 0);
	}
	expect_bad("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}}", F4, 4, 0,
		   "ck.st: tensor 'w': offsets [4, 0] have begin after end", 0);
	expect_bad("{\"G.0.weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,24]}}",
		   F4, 24, 0, "ck.st: tensor 'G.0.weight': 24 bytes for shape [2, 2] of F32 (expected 16)", 0);
	expect_bad("{\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,0]}}", NULL, 0, 0,
		   "ck.st: tensor 's': 0 bytes for shape [] of F32 (expected 4)", 0);
	expect_bad("{\"A\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]},"
		   "\"D.0.bias\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[16,40]}}",
		   F4, 24, 0, "ck.st: tensor 'D.0.bias': offsets [16, 40] not contiguous (expected begin 24)", 0);
	expect_bad("{\"A\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
		   F4, 8, 0, "ck.st: tensor 'A': offsets [4, 8] not contiguous (expected begin 0)", 0);
	expect_bad("{\"A\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		   "\"B\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
		   F4, 12, 0, "ck.st: tensor 'B': offsets [8, 12] not contiguous (expected begin 4)", 0);
	expect_bad("{\"A\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		   "\"B\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
		   F4, 4, 0, "ck.st: tensor 'B': offsets [0, 4] not contiguous (expected begin 4)", 0);
	expect_bad("{\"big\":{\"dtype\":\"U8\",\"shape\":[17179869188],\"data_offsets\":[0,17179869188]}}",
		   NULL, 0, 0, "ck.st: data section of 17179869188 bytes exceeds the 16 GiB limit", 0);
}

static void test_bad_data(void)
{
	static float big[250];
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[24],\"data_offsets\":[0,96]}}", big, 100, 0,
		   "ck.st: data section is 100 bytes but tensors end at 96", 0);
	expect_bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[250],\"data_offsets\":[0,1000]}}", big, 13, 0,
		   "ck.st: truncated (expected 1000 data bytes, got 13)", 0);
	expect_bad("{}", big, 1, 0, "ck.st: data section is 1 bytes but tensors end at 0", 0);
	float nanv[6] = {0, 1, 2, NAN, INFINITY, 5};
	expect_bad("{\"G.0.weight\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}", nanv, 24, 0,
		   "ck.st: tensor 'G.0.weight': non-finite value at index 3", 0);
	double d[3] = {0, 1, -INFINITY};
	unsigned char dd[28] = {0};
	memcpy(dd + 4, d, sizeof d);
	expect_bad("{\"ok\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		   "\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[4,28]}}", dd, 28, 0,
		   "ck.st: tensor 'd': non-finite value at index 2", 0);
	uint16_t h[2] = {0x3c00, 0xfe00};
	expect_bad("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", h, 4, 0,
		   "ck.st: tensor 'h': non-finite value at index 1", 0);
}

static void test_bad_meta(void)
{
	expect_bad("{\"__metadata__\":[]}", NULL, 0, 0, "ck.st: __metadata__: not an object", 0);
	expect_bad("{\"__metadata__\":{\"model\":\"x\",\"step\":12}}", NULL, 0, 0,
		   "ck.st: __metadata__: value of 'step' is not a string", 0);
	expect_bad("{\"__metadata__\":{\"n\":null}}", NULL, 0, 0,
		   "ck.st: __metadata__: value of 'n' is not a string", 0);
}

/* Layout accepted: padding spaces, empty header, zero-length ties, NaN in ints. */
static void test_good_edges(void)
{
	unsigned char buf[512];
	SafeTensors st;
	Err e;
	size_t n = craft(buf, 0, "{}      ", NULL, 0);
	CHECK(read_bytes(buf, n, 1, &st, &e) == 0 && st.n == 0 && st.nmeta == 0);
	st_free(&st);
	n = craft(buf, 0, "{\"f\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		  "\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[0,0]},"
		  "\"z\":{\"dtype\":\"I32\",\"shape\":[0],\"data_offsets\":[4,4]}} ", F4, 4);
	CHECK(read_bytes(buf, n, 1, &st, &e) == 0);
	CHECK(st.n == 3);
	if (st.n == 3) {
		CHECK_STR(st.ents[0].name, "e");
		CHECK_STR(st.ents[1].name, "f");
		CHECK_STR(st.ents[2].name, "z");
		CHECK(st.ents[0].t.ndim == 2 && st.ents[0].t.shape[1] == 5);
		CHECK(*(const float *)st_get(&st, "f")->data == 1.0f);
	}
	CHECK(st_get(&st, "nope") == NULL && st_meta(&st, "nope") == NULL);
	st_free(&st);
}

/* The file below was laid out by /usr/bin/python3 with json + struct as the
 * Python safetensors package does: metadata {"format": "pt"}, I64 b = [7],
 * F32 a = [1.5, -2], U8 c = [1, 2, 3], header padded with 7 spaces. */
static const unsigned char PYFILE[227] = {
	0xc8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x7b, 0x22, 0x5f, 0x5f,
	0x6d, 0x65, 0x74, 0x61, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x5f, 0x22, 0x3a,
	0x7b, 0x22, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x22, 0x3a, 0x22, 0x70,
	0x74, 0x22, 0x7d, 0x2c, 0x22, 0x62, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74,
	0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x49, 0x36, 0x34, 0x22, 0x2c, 0x22,
	0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x31, 0x5d, 0x2c, 0x22,
	0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73,
	0x22, 0x3a, 0x5b, 0x30, 0x2c, 0x38, 0x5d, 0x7d, 0x2c, 0x22, 0x61, 0x22,
	0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0x46,
	0x33, 0x32, 0x22, 0x2c, 0x22, 0x73, 0x68, 0x61, 0x70, 0x65, 0x22, 0x3a,
	0x5b, 0x32, 0x5d, 0x2c, 0x22, 0x64, 0x61, 0x74, 0x61, 0x5f, 0x6f, 0x66,
	0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a, 0x5b, 0x38, 0x2c, 0x31, 0x36,
	0x5d, 0x7d, 0x2c, 0x22, 0x63, 0x22, 0x3a, 0x7b, 0x22, 0x64, 0x74, 0x79,
	0x70, 0x65, 0x22, 0x3a, 0x22, 0x55, 0x38, 0x22, 0x2c, 0x22, 0x73, 0x68,
	0x61, 0x70, 0x65, 0x22, 0x3a, 0x5b, 0x33, 0x5d, 0x2c, 0x22, 0x64, 0x61,
	0x74, 0x61, 0x5f, 0x6f, 0x66, 0x66, 0x73, 0x65, 0x74, 0x73, 0x22, 0x3a,
	0x5b, 0x31, 0x36, 0x2c, 0x31, 0x39, 0x5d, 0x7d, 0x7d, 0x20, 0x20, 0x20,
	0x20, 0x20, 0x20, 0x20, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x01, 0x02, 0x03,
};

static void test_python_file(void)
{
	for (int as_pipe = 0; as_pipe < 2; as_pipe++) {
		SafeTensors st;
		Err e;
		CHECK(read_bytes(PYFILE, sizeof PYFILE, as_pipe, &st, &e) == 0);
		if (st.n != 3) {
			CHECK_MSG(0, "python file: %s", e.msg);
			continue;
		}
		CHECK_STR(st.ents[0].name, "b");
		CHECK_STR(st.ents[1].name, "a");
		CHECK_STR(st.ents[2].name, "c");
		CHECK_STR(st_meta(&st, "format"), "pt");
		CHECK(st.nmeta == 1);
		const Tensor *a = st_get(&st, "a"), *b = st_get(&st, "b"), *c = st_get(&st, "c");
		CHECK(a->dtype == DT_F32 && a->ndim == 1 && a->shape[0] == 2);
		CHECK(((const float *)a->data)[0] == 1.5f && ((const float *)a->data)[1] == -2.0f);
		CHECK(b->dtype == DT_I64 && *(const int64_t *)b->data == 7);
		CHECK(c->dtype == DT_U8 && c->shape[0] == 3 && memcmp(c->data, "\1\2\3", 3) == 0);
		CHECK((uintptr_t)a->data % 64 == 0 && (uintptr_t)c->data % 64 == 0);
		st_free(&st);
	}
}

static const char META_MODEL[] = "[G]\nlinear 2 2\n# \"quoted\" \\ back\tslash\n"
	"caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\n";

/* Writes a checkpoint of several dtypes, a 0-d and an empty tensor into a
 * malloc'ed buffer; returns its size. */
static size_t write_sample(unsigned char **out)
{
	static const double f64[2] = {-1.25, 3e300};
	static const int64_t i64[3] = {-5, 0, INT64_MAX};
	static const uint8_t u8[5] = {0, 1, 2, 254, 255};
	static const uint8_t bl[2] = {1, 0};
	static const uint16_t f16[3] = {0x3c00, 0xc000, 0x0001};
	static const int16_t i16[1] = {-300};
	static const float scalar = 0.5f;
	int64_t s23[2] = {2, 3}, s2[1] = {2}, s3[1] = {3}, s5[1] = {5}, s1[1] = {1}, s03[2] = {0, 3};
	StWriter w;
	stw_init(&w);
	stw_meta(&w, "model", META_MODEL);
	stw_meta(&w, "step", "12");
	stw_meta(&w, "empty", "");
	stw_add(&w, "G.0.weight", DT_F32, 2, s23, F4);
	stw_add(&w, "u8", DT_U8, 1, s5, u8);
	stw_add(&w, "f64", DT_F64, 1, s2, f64);
	stw_add(&w, "scalar", DT_F32, 0, NULL, &scalar);
	stw_add(&w, "empty", DT_F32, 2, s03, NULL);
	stw_add(&w, "i64", DT_I64, 1, s3, i64);
	stw_add(&w, "bool", DT_BOOL, 1, s2, bl);
	stw_add(&w, "f16", DT_F16, 1, s3, f16);
	stw_add(&w, "i16", DT_I16, 1, s1, i16);
	stw_add(&w, "caf\xc3\xa9.\"w\"", DT_F32, 1, s1, F4 + 5);
	FILE *f = tmpfile();
	Err e = {0};
	CHECK(f && stw_write(&w, f, "out.st", &e) == 0);
	stw_free(&w);
	long n = ftell(f);
	*out = malloc((size_t)n);
	rewind(f);
	CHECK(fread(*out, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return (size_t)n;
}

static void check_sample(const SafeTensors *st)
{
	static const char *order[] = {"G.0.weight", "u8", "f64", "scalar", "empty",
				       "i64", "bool", "f16", "i16", "caf\xc3\xa9.\"w\""};
	CHECK(st->n == 10);
	for (int i = 0; i < st->n && i < 10; i++) {
		CHECK_STR(st->ents[i].name, order[i]);
		CHECK((uintptr_t)st->ents[i].t.data % 64 == 0);
	}
	const Tensor *g = st_get(st, "G.0.weight"), *s = st_get(st, "scalar");
	const Tensor *em = st_get(st, "empty"), *i64 = st_get(st, "i64"), *f64 = st_get(st, "f64");
	CHECK(g && g->dtype == DT_F32 && g->ndim == 2 && g->shape[0] == 2 && g->shape[1] == 3);
	CHECK(g && memcmp(g->data, F4, sizeof F4) == 0);
	CHECK(s && s->ndim == 0 && *(const float *)s->data == 0.5f);
	CHECK(em && em->ndim == 2 && em->shape[0] == 0 && em->shape[1] == 3);
	CHECK(i64 && ((const int64_t *)i64->data)[2] == INT64_MAX);
	CHECK(f64 && ((const double *)f64->data)[1] == 3e300);
	CHECK(st_get(st, "bool") && st_get(st, "bool")->dtype == DT_BOOL);
	CHECK(st_get(st, "f16") && ((const uint16_t *)st_get(st, "f16")->data)[1] == 0xc000);
	CHECK(st_get(st, "i16") && *(const int16_t *)st_get(st, "i16")->data == -300);
	CHECK_STR(st_meta(st, "model"), META_MODEL);
	CHECK_STR(st_meta(st, "step"), "12");
	CHECK_STR(st_meta(st, "empty"), "");
	CHECK(st->nmeta == 3);
}

static void test_round_trip(void)
{
	unsigned char *buf;
	size_t n = write_sample(&buf);
	uint64_t hl = 0;
	for (int i = 7; i >= 0; i--)
		hl = hl << 8 | buf[i];
	CHECK(hl % 8 == 0 && 8 + hl <= n);
	CHECK(memcmp(buf + 8, "{\"__metadata__\":{\"model\":", 25) == 0);
	CHECK(buf[8 + hl - 1] == ' ' || buf[8 + hl - 1] == '}');
	for (int as_pipe = 0; as_pipe < 2; as_pipe++) {
		SafeTensors st;
		Err e;
		CHECK(read_bytes(buf, n, as_pipe, &st, &e) == 0);
		check_sample(&st);
		st_free(&st);
	}
	int failures = 0, wrong_code = 0;
	for (size_t k = 0; k < n; k++) {
		for (int as_pipe = 0; as_pipe < 2; as_pipe++) {
			SafeTensors st;
			Err e;
			int rc = read_bytes(buf, k, as_pipe, &st, &e);
			failures += rc != -1;
			wrong_code += e.code != EXIT_BAD;
			if (rc == 0)
				st_free(&st);
		}
	}
	CHECK_MSG(failures == 0, "%d truncated prefixes were accepted", failures);
	CHECK(wrong_code == 0);
	free(buf);
}

static void test_pipe(void)
{
	unsigned char *buf;
	size_t n = write_sample(&buf);
	char path[] = "/tmp/test_safetensors_XXXXXX", cmd[128];
	int fd = mkstemp(path);
	CHECK(fd >= 0 && write(fd, buf, n) == (ssize_t)n);
	close(fd);
	snprintf(cmd, sizeof cmd, "cat %s", path);
	FILE *p = popen(cmd, "r");
	SafeTensors st;
	Err e = {0};
	CHECK(p && st_read(p, "ck.st", &st, &e) == 0);
	check_sample(&st);
	st_free(&st);
	CHECK(pclose(p) == 0);
	snprintf(cmd, sizeof cmd, "cat %s %s", path, path);
	p = popen(cmd, "r");
	CHECK(p && st_read(p, "ck.st", &st, &e) == -1);
	CHECK_MSG(strstr(e.msg, "ck.st: data section is ") == e.msg &&
		  strstr(e.msg, " bytes but tensors end at "), "got \"%s\"", e.msg);
	pclose(p);
	snprintf(cmd, sizeof cmd, "head -c %zu %s", n - 1, path);
	p = popen(cmd, "r");
	CHECK(p && st_read(p, "ck.st", &st, &e) == -1);
	CHECK_MSG(strstr(e.msg, "ck.st: truncated (expected ") == e.msg, "got \"%s\"", e.msg);
	pclose(p);
	unlink(path);
	free(buf);
}

/* Writer rejects bad names, shapes and metadata; reports write errors. */
static void expect_write_fail(StWriter *w, const char *msg, int code)
{
	FILE *f = tmpfile();
	Err e = {0};
	CHECK(stw_write(w, f, "out.st", &e) == -1);
	CHECK_STR(e.msg, msg);
	CHECK(e.code == code);
	fclose(f);
	stw_free(w);
}

static void test_writer_errors(void)
{
	int64_t s2[1] = {2}, neg[2] = {2, -1}, huge[3] = {1ll << 32, 1ll << 32, 1ll << 32};
	int64_t r9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	char longname[1100];
	StWriter w;
	stw_init(&w);
	stw_add(&w, "", DT_F32, 1, s2, F4);
	expect_write_fail(&w, "out.st: tensor name is empty", EXIT_BAD);
	memset(longname, 'x', 1025);
	longname[1025] = '\0';
	stw_init(&w);
	stw_add(&w, longname, DT_F32, 1, s2, F4);
	expect_write_fail(&w, "out.st: tensor name of 1025 bytes is longer than 1024", EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "a", DT_F32, 1, s2, F4);
	stw_add(&w, "a", DT_F32, 1, s2, F4);
	expect_write_fail(&w, "out.st: tensor 'a': name repeated", EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "__metadata__", DT_F32, 1, s2, F4);
	expect_write_fail(&w, "out.st: tensor '__metadata__': name is reserved", EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "r", DT_F32, 9, r9, F4);
	expect_write_fail(&w, "out.st: tensor 'r': rank 9 out of range (0 to 8)", EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "n", DT_F32, 2, neg, F4);
	expect_write_fail(&w, "out.st: tensor 'n': negative dimension in shape [2, -1]", EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "h", DT_F32, 3, huge, F4);
	expect_write_fail(&w, "out.st: tensor 'h': shape [4294967296, 4294967296, 4294967296] overflows",
			  EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "d", DT_F32, 1, s2, NULL);
	expect_write_fail(&w, "out.st: tensor 'd': no data for 8 bytes", EXIT_BAD);
	stw_init(&w);
	stw_add(&w, "t", DT_COUNT, 1, s2, F4);
	expect_write_fail(&w, "out.st: tensor 't': unknown dtype 12", EXIT_BAD);
	stw_init(&w);
	stw_meta(&w, "k", "1");
	stw_meta(&w, "k", "2");
	expect_write_fail(&w, "out.st: __metadata__: key 'k' repeated", EXIT_BAD);
	stw_init(&w);
	stw_meta(&w, "k", "bad \xff");
	expect_write_fail(&w, "out.st: __metadata__: key or value of 'k' is not valid UTF-8", EXIT_BAD);
	FILE *full = fopen("/dev/full", "wb");
	if (full) {
		Err e = {0};
		stw_init(&w);
		stw_add(&w, "a", DT_F32, 1, s2, F4);
		CHECK(stw_write(&w, full, "full.st", &e) == -1);
		CHECK(e.code == EXIT_SYS && strncmp(e.msg, "full.st: write error: ", 22) == 0);
		stw_free(&w);
		fclose(full);
	}
}

static void run(void)
{
	test_header_len();
	test_bad_json();
	test_bad_names();
	test_bad_entries();
	test_bad_offsets();
	test_bad_data();
	test_bad_meta();
	test_good_edges();
	test_python_file();
	test_round_trip();
	test_pipe();
	test_writer_errors();
}

CHECK_MAIN("test_safetensors")

/* test_outtarget.c - output targets (issue 12): symlink chains followed by
 * hand (relative and absolute, dangling, loops), the process's own
 * descriptors (/dev/fd/N, /proc/self/fd/N), folders and FIFOs told apart;
 * and the gzip source: several members read, garbage after the last one
 * refused, every cut of the stream detected. All in a temp folder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "gzsrc.h"
#include "outtarget.h"
#include "check.h"

static void test_links(const char *dir)
{
	char p[512], q[512];
	OutTarget t;
	Err e = {0};
	snprintf(p, sizeof p, "%s/real", dir);
	FILE *f = fopen(p, "w");
	CHECK(f && fclose(f) == 0);
	snprintf(p, sizeof p, "%s/l1", dir);
	CHECK(symlink("l2", p) == 0);            /* relative, two hops */
	snprintf(p, sizeof p, "%s/l2", dir);
	CHECK(symlink("real", p) == 0);
	snprintf(p, sizeof p, "%s/l1", dir);
	CHECK(outtarget_resolve(p, &t, &e) == 0 && t.kind == OUT_REGULAR);
	snprintf(q, sizeof q, "%s/real", dir);
	CHECK_STR(t.path, q);
	free(t.path);
	snprintf(p, sizeof p, "%s/dang", dir);
	CHECK(symlink("sub/none", p) == 0);
	CHECK(outtarget_resolve(p, &t, &e) == 0 && t.kind == OUT_NEW);
	snprintf(q, sizeof q, "%s/sub/none", dir);
	CHECK_STR(t.path, q);
	free(t.path);
	snprintf(p, sizeof p, "%s/loop", dir);
	CHECK(symlink("loop", p) == 0);
	CHECK(outtarget_resolve(p, &t, &e) == -1 && e.code == EXIT_BAD);
	CHECK(strstr(e.msg, "Too many levels of symbolic links") != NULL);
	snprintf(p, sizeof p, "%s/fifo", dir);
	CHECK(mkfifo(p, 0600) == 0);
	CHECK(outtarget_resolve(p, &t, &e) == 0 && t.kind == OUT_OTHER && S_ISFIFO(t.st.st_mode));
	free(t.path);
	CHECK(outtarget_resolve(dir, &t, &e) == 0 && t.kind == OUT_DIR);
	free(t.path);
	const char *names[] = { "real", "l1", "l2", "dang", "loop", "fifo" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		CHECK(unlink(p) == 0);
	}
}

static void test_own_fds(const char *dir)
{
	OutTarget t;
	Err e = {0};
	char p[512], self[64];
	CHECK(outtarget_resolve("/proc/self/fd/1", &t, &e) == 0 && t.kind == OUT_FD && t.fd == 1);
	free(t.path);
	CHECK(outtarget_resolve("/dev/fd/2", &t, &e) == 0 && t.kind == OUT_FD && t.fd == 2);
	free(t.path);
	snprintf(self, sizeof self, "/proc/%ld/fd/7", (long)getpid());
	CHECK(outtarget_resolve(self, &t, &e) == 0 && t.kind == OUT_FD && t.fd == 7);
	free(t.path);
	snprintf(p, sizeof p, "%s/so", dir);   /* as /dev/stdout is */
	CHECK(symlink("/proc/self/fd/1", p) == 0);
	CHECK(outtarget_resolve(p, &t, &e) == 0 && t.kind == OUT_FD && t.fd == 1);
	free(t.path);
	CHECK(unlink(p) == 0);
}

/* gzip of src (n bytes) into out; the compressed size. */
static size_t gz(const uint8_t *src, size_t n, uint8_t *out, size_t cap)
{
	z_stream z = {0};
	deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (uint8_t *)src, z.avail_in = (uInt)n;
	z.next_out = out, z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	size_t r = cap - z.avail_out;
	deflateEnd(&z);
	return r;
}

/* Reads buf (n bytes) through a GzSrc: the count read into got (or -1),
 * and whether the stream was cut. */
static int64_t through(const uint8_t *buf, size_t n, uint8_t *got, size_t cap, int *cut,
		       Err *e)
{
	FILE *f = fmemopen((void *)buf, n, "rb");
	GzSrc *s = malloc(sizeof *s);
	int64_t r = gzsrc_open(s, f, "t.gz", e) ? -1 : gzsrc_read(s, got, (int64_t)cap, e);
	*cut = gzsrc_cut(s);
	gzsrc_close(s);
	free(s);
	fclose(f);
	return r;
}

static void test_gzsrc(void)
{
	uint8_t src[3000], z[8000], got[4000];
	for (size_t i = 0; i < sizeof src; i++)
		src[i] = (uint8_t)(i * 7 % 251);
	size_t a = gz(src, 1000, z, sizeof z);
	size_t b = gz(src + 1000, 2000, z + a, sizeof z - a);
	Err e = {0};
	int cut;
	CHECK(through(z, a + b, got, sizeof got, &cut, &e) == 3000 && !cut);
	CHECK(memcmp(got, src, 3000) == 0);
	memcpy(z + a + b, "junk", 4);
	CHECK(through(z, a + b + 4, got, sizeof got, &cut, &e) == -1);
	CHECK_STR(e.msg, "t.gz: trailing data after the gzip data");
	/* every cut but the one between the members (a whole one-member
	 * stream) reads as cut, or fails */
	int cuts_seen = 0;
	for (size_t k = 2; k < a + b; k++) {   /* 1 byte is no gzip magic: raw */
		int64_t r = through(z, k, got, sizeof got, &cut, &e);
		if (k == a) {
			CHECK(r == 1000 && !cut);
			continue;
		}
		int seen = (r >= 0 && cut) || (r == -1 && (strstr(e.msg, "corrupt gzip data") ||
							  strstr(e.msg, "trailing data")));
		if (!seen)
			fprintf(stderr, "  cut at %zu of %zu: %lld bytes, not seen\n", k, a + b,
				(long long)r);
		cuts_seen += seen;
	}
	CHECK_MSG(cuts_seen == (int)(a + b - 3), "%d of %zu cuts detected", cuts_seen, a + b - 3);
	CHECK(through(src, 100, got, sizeof got, &cut, &e) == 100 && !cut);
	CHECK(memcmp(got, src, 100) == 0);
}

static void run(void)
{
	char dir[] = "/tmp/test_outtarget.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	test_links(dir);
	test_own_fds(dir);
	test_gzsrc();
	CHECK(rmdir(dir) == 0);
}

CHECK_MAIN("test_outtarget")

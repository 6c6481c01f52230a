/* gzsrc.c - raw or gzip input read through inflate directly, so that the
 * end of the compressed data is known exactly: more members are decoded,
 * anything else after the last member is refused. */
#include <errno.h>
#include <string.h>
#include "gzsrc.h"

/* Moves unread input to the front and reads more; 0, or -1 with e. */
static int refill(GzSrc *s, Err *e)
{
	if (s->eof)
		return 0;
	if (s->z.avail_in && s->z.next_in != s->in)
		memmove(s->in, s->z.next_in, s->z.avail_in);
	s->z.next_in = s->in;
	size_t room = sizeof s->in - s->z.avail_in;
	size_t r = fread(s->in + s->z.avail_in, 1, room, s->f);
	s->z.avail_in += (uInt)r;
	if (r < room) {
		if (ferror(s->f))
			return err_sys(e, "%s", s->name);
		s->eof = 1;
	}
	return 0;
}

int gzsrc_open(GzSrc *s, FILE *f, const char *name, Err *e)
{
	memset(s, 0, sizeof *s);
	s->f = f;
	s->name = name;
	s->z.next_in = s->in;
	while (s->z.avail_in < 2 && !s->eof)
		if (refill(s, e) < 0)
			return -1;
	if (s->z.avail_in >= 2 && s->in[0] == 0x1f && s->in[1] == 0x8b) {
		if (inflateInit2(&s->z, 15 + 16) != Z_OK)
			return err_set(e, EXIT_SYS, "%s: out of memory", name);
		s->gzip = 1;
	}
	return 0;
}

/* Raw input: the buffered bytes first, then fread. */
static int64_t read_raw(GzSrc *s, uint8_t *p, int64_t n, Err *e)
{
	int64_t got = 0;
	while (got < n) {
		if (s->z.avail_in == 0 && (refill(s, e) < 0 || s->z.avail_in == 0))
			return s->eof ? got : -1;
		size_t k = s->z.avail_in < (uint64_t)(n - got) ? s->z.avail_in : (size_t)(n - got);
		memcpy(p + got, s->z.next_in, k);
		s->z.next_in += k;
		s->z.avail_in -= (uInt)k;
		got += (int64_t)k;
	}
	return got;
}

/* After a member's end: another member starts (reset), the input ends
 * (clean end: 1), or other bytes follow (-1). 0 to go on. */
static int next_member(GzSrc *s, Err *e)
{
	while (s->z.avail_in < 2 && !s->eof)
		if (refill(s, e) < 0)
			return -1;
	if (s->z.avail_in == 0)
		return 1;
	if (s->z.avail_in < 2 || s->z.next_in[0] != 0x1f || s->z.next_in[1] != 0x8b)
		return err_set(e, EXIT_BAD, "%s: trailing data after the gzip data", s->name);
	inflateReset(&s->z);
	s->member_end = 0;
	return 0;
}

int64_t gzsrc_read(GzSrc *s, void *dst, int64_t n, Err *e)
{
	uint8_t *p = dst;
	if (!s->gzip)
		return read_raw(s, p, n, e);
	int64_t got = 0;
	while (got < n) {
		if (s->member_end) {
			int r = next_member(s, e);
			if (r != 0)
				return r < 0 ? -1 : got;
		}
		if (s->z.avail_in == 0 && refill(s, e) < 0)
			return -1;
		if (s->z.avail_in == 0)
			return got;   /* cut inside a member: gzsrc_cut says so */
		int64_t left = n - got;
		s->z.next_out = p + got;
		s->z.avail_out = left > (1 << 30) ? (1u << 30) : (uInt)left;
		uInt before = s->z.avail_out;
		int rc = inflate(&s->z, Z_NO_FLUSH);
		got += before - s->z.avail_out;
		if (rc == Z_STREAM_END)
			s->member_end = 1;
		else if (rc == Z_MEM_ERROR)
			return err_set(e, EXIT_SYS, "%s: out of memory", s->name);
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return err_set(e, EXIT_BAD, "%s: corrupt gzip data (%s)", s->name,
				       s->z.msg ? s->z.msg : "unknown error");
	}
	return got;
}

int gzsrc_cut(const GzSrc *s)
{
	return s->gzip && !s->member_end;
}

int gzsrc_direct(const GzSrc *s)
{
	return !s->gzip;
}

void gzsrc_close(GzSrc *s)
{
	if (s->gzip)
		inflateEnd(&s->z);
	s->gzip = 0;
}

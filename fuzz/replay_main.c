/* replay_main.c - a main() for builds without libFuzzer: feeds every file
 * of the directories (or files) named on the command line to
 * LLVMFuzzerTestOneInput, each in a child process, and counts the results. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
	const char *prog;
	int passed, failed;
} Tally;

/* Reads a whole file into an exact-size buffer (*n bytes). NULL on error. */
static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		free(buf);
		return NULL;
	}
	uint8_t *exact = malloc(len ? len : 1);
	if (exact && len)
		memcpy(exact, buf, len);
	free(buf);
	*n = len;
	return exact;
}

/* Runs one input in a child; a signal or a non-zero exit is a failure. */
static void run_one(Tally *t, const char *path)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", t->prog, strerror(errno));
		t->failed++;
		return;
	}
	if (pid == 0) {
		size_t n = 0;
		uint8_t *data = slurp(path, &n);
		if (!data) {
			fprintf(stderr, "%s: %s: %s\n", t->prog, path, strerror(errno));
			_exit(2);
		}
		LLVMFuzzerTestOneInput(data, n);
		free(data);
		exit(0);   /* exit, not _exit: LeakSanitizer checks at exit */
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		t->passed++;
		return;
	}
	t->failed++;
	if (WIFSIGNALED(st))
		fprintf(stderr, "%s: %s: FAILED (signal %d)\n", t->prog, path, WTERMSIG(st));
	else
		fprintf(stderr, "%s: %s: FAILED (exit %d)\n", t->prog, path, WEXITSTATUS(st));
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular file of dir (not recursive), in name order. */
static void run_dir(Tally *t, const char *dir)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, by_name);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", t->prog, dir, strerror(errno));
		t->failed++;
		return;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		if (ents[i]->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
			run_one(t, path);
		free(ents[i]);
	}
	free(ents);
}

int main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	Tally t = { slash ? slash + 1 : argv[0], 0, 0 };
	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR|FILE ...\n", t.prog);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) == 0 && S_ISDIR(sb.st_mode))
			run_dir(&t, argv[i]);
		else
			run_one(&t, argv[i]);
	}
	printf("%s: %d passed, %d failed\n", t.prog, t.passed, t.failed);
	return t.failed ? 1 : 0;
}

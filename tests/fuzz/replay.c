/* replay — a main for the libFuzzer harnesses of tests/fuzz/ that runs
 * one over every file of the directories (or the files) it is given, once,
 * in name order, with no new inputs: what `make test` does with each
 * corpus and crash directory (tests/test_fuzz_replay.c), built with the
 * project's own compiler and flags, so it needs no clang.
 *
 * Usage: replay_NAME DIR|FILE...    A missing path counts no input.
 * Prints "N inputs" and exits 0; a harness that finds a bug aborts (or
 * the sanitizer of `make asan` stops it), so the exit status says which.
 * Each input is in a buffer of exactly its size, as libFuzzer gives it,
 * so a sanitized build sees an over-read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX (64u << 20)

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run the harness over file PATH. Returns 0, or -errno if unreadable.
 * Read with stdio, not util/fs.c: a harness may replace fs_read_file
 * (fuzz_topo does, at link time). */
static int run_file(const char *path)
{
	uint8_t *data = NULL;
	struct stat st;
	size_t len = 0;
	FILE *f = fopen(path, "rb");
	int rc = 0;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size > INPUT_MAX) {
		rc = -EINVAL;
		goto out;
	}
	len = (size_t)st.st_size;
	data = malloc(len ? len : 1);
	if (!data) {
		rc = -ENOMEM;
		goto out;
	}
	if (len && fread(data, 1, len, f) != len) {
		rc = -EIO;
		goto out;
	}
	LLVMFuzzerTestOneInput(data, len);
out:
	free(data);
	fclose(f);
	return rc;
}

/* Run the harness over every regular file of DIR, in name order; add
 * how many to *N. */
static int run_dir(const char *dir, size_t *n)
{
	char **names = NULL, path[4096];
	size_t count = 0, cap = 0, i;
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 256;
			nn = realloc(names, cap * sizeof(*names));
			if (!nn) {
				rc = -ENOMEM;
				goto out;
			}
			names = nn;
		}
		names[count] = strdup(de->d_name);
		if (!names[count]) {
			rc = -ENOMEM;
			goto out;
		}
		count++;
	}
	if (count)
		qsort(names, count, sizeof(*names), name_cmp);
	for (i = 0; i < count && !rc; i++) {
		struct stat st;
		int n_ = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

		if (n_ < 0 || (size_t)n_ >= sizeof(path)) {
			rc = -ENAMETOOLONG;
			break;
		}
		if (stat(path, &st) || !S_ISREG(st.st_mode) ||
		    !strcmp(names[i], "README.md"))
			continue;
		rc = run_file(path);
		if (!rc)
			(*n)++;
		else
			fprintf(stderr, "replay: %s: %s\n", path, strerror(-rc));
	}
out:
	for (i = 0; i < count; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	size_t n = 0;
	struct stat st;
	int i, rc = 0;

	for (i = 1; i < argc && !rc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISREG(st.st_mode)) {
			rc = run_file(argv[i]);
			if (!rc)
				n++;
		} else {
			rc = run_dir(argv[i], &n);
		}
		if (rc)
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(-rc));
	}
	printf("%zu inputs\n", n);
	return rc ? 1 : 0;
}

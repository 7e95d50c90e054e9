/* Runs a fuzz target over files without libFuzzer, so the seed corpora
 * and every input that once crashed posta run in each test build. TAP
 * output: one line per file. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define DRIVER_FILE_MAX (1024 * 1024)

static int run_file(const char *path, int n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(DRIVER_FILE_MAX);
	size_t len;

	if (f == NULL || buf == NULL) {
		printf("not ok %d - %s: cannot read\n", n, path);
		free(buf);
		if (f != NULL) {
			fclose(f);
		}
		return 1;
	}
	len = fread(buf, 1, DRIVER_FILE_MAX, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", n, path);
	return 0;
}

int main(int argc, char *argv[])
{
	int n = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		if (d == NULL) {
			failed += run_file(argv[i], ++n);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			char path[4096];
			if (de->d_name[0] == '.') {
				continue;
			}
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 de->d_name);
			failed += run_file(path, ++n);
		}
		closedir(d);
	}
	printf("1..%d\n", n);
	return failed != 0 || n == 0;
}

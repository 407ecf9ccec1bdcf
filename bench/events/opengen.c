// Generates file-open events at a steady target rate: open()+close() of one path, paced in 1 ms slices.
// Usage: vigil-opengen PATH RATE_PER_SECOND SECONDS   -> prints the number of opens done.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

static double now_s(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: %s PATH RATE SECONDS\n", argv[0]);
		return 2;
	}
	prctl(PR_SET_NAME, "vigil-opengen", 0, 0, 0);
	const char *path = argv[1];
	double rate = atof(argv[2]), seconds = atof(argv[3]);
	long total = (long)(rate * seconds), done = 0;
	double start = now_s();
	while (done < total) {
		double target = (now_s() - start) * rate;
		while (done < total && done < target + rate / 1000.0) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) close(fd);
			done++;
		}
		if (done < total && now_s() - start > seconds * 3) break; // far behind: give up, report what we did
	}
	printf("%ld %.6f\n", done, now_s() - start);
	return 0;
}

#include <stdio.h>
#include <stdlib.h>
#include "stats.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: calc NUMBER...\n");
        return 2;
    }
    int n = argc - 1;
    double *values = malloc(sizeof(double) * n);
    if (!values) return 1;
    for (int i = 0; i < n; i++) values[i] = atof(argv[i + 1]);
    printf("mean=%.4f stddev=%.4f\n", mean(values, n), stddev(values, n));
    free(values);
    return 0;
}

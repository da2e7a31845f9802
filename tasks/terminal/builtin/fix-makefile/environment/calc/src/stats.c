#include <math.h>
#include "stats.h"

double mean(const double *values, int n) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += values[i];
    return sum / n;
}

double stddev(const double *values, int n) {
    double m = mean(values, n), acc = 0.0;
    for (int i = 0; i < n; i++) acc += (values[i] - m) * (values[i] - m);
    return sqrt(acc / n);
}

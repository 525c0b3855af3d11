/* Does a sequence's product come out with the same bits in one OpenBLAS call over a whole batch
 * as in a call of its own? (docs/development.md, "one product per sequence".)
 *
 *   gcc -O2 -o /tmp/call_height notebooks-scripts/bench/openblas_call_height.c -lopenblas
 *   OPENBLAS_CORETYPE=Haswell /tmp/call_height T OC TRANS B C
 *
 * computes out (B·T, OC) = x (B·T, C) · Wᵀ (TRANS 1) or x · W (TRANS 0, W of shape (C, OC)) once
 * per sequence of T rows and once for all rows, single-threaded, and prints how many rows differ.
 * With the Haswell kernels no row differs when T is a multiple of 12. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void openblas_set_num_threads(int);

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s T OC TRANS B C\n", argv[0]); return 2; }
    openblas_set_num_threads(1);
    int T = atoi(argv[1]), OC = atoi(argv[2]), tr = atoi(argv[3]), B = atoi(argv[4]), C = atoi(argv[5]);
    int N = B * T;
    float *x = malloc(sizeof(float) * N * C), *w = malloc(sizeof(float) * OC * C);
    float *all = malloc(sizeof(float) * N * OC), *each = malloc(sizeof(float) * N * OC);
    srand(1);
    for (int i = 0; i < N * C; i++) x[i] = rand() / (float)RAND_MAX - 0.5f;
    for (int i = 0; i < OC * C; i++) w[i] = rand() / (float)RAND_MAX - 0.5f;
    enum CBLAS_TRANSPOSE t = tr ? CblasTrans : CblasNoTrans;
    int ldw = tr ? C : OC;
    for (int b = 0; b < B; b++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, t, T, OC, C, 1, x + b * T * C, C, w, ldw, 0, each + b * T * OC, OC);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, t, N, OC, C, 1, x, C, w, ldw, 0, all, OC);
    int rows = 0;
    for (int n = 0; n < N; n++) rows += memcmp(all + n * OC, each + n * OC, sizeof(float) * OC) != 0;
    printf("T=%d OC=%d trans=%d B=%d C=%d: %d of %d rows differ\n", T, OC, tr, B, C, rows, N);
    return 0;
}

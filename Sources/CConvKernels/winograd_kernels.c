// Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for 3x3, stride-1, undilated layers with many input channels: each 4x4 input tile is
// transformed (V = Bt d B), multiplied position by position with the transformed kernels (U = G g Gt) and
// summed over channels (16 small matrix products, the FMAs), and transformed back (Y = At M A) into a 2x2
// output tile. 16 multiplications per channel and filter give 4 outputs, against 36 directly: 2.25x fewer.
// The matrix products use the channels-last kernels' scheme (a vector holds 16 filters; each channel
// loads the filters' values once and broadcasts one input value per tile). x86-64 with AVX-512 only.
#if defined(__x86_64__)
#include <immintrin.h>

#include "ConvKernels.h"

enum { TILES = FM_WINOGRAD_TILES, POSITIONS = 16, CHUNK = FM_CHANNEL_CHUNK };

// V[position][tile][channel] for the TILES tiles from column x0: Bt d B with
// Bt = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], 8 channels at a time.
__attribute__((target("avx2"))) static void input_transform(const float *const *rows, int chunks, size_t chunk_stride, int x0,
                                                            int channels, float *v) {
  for (int t = 0; t < TILES; t++) {
    const size_t x = (size_t)(x0 + 2 * t);
    for (int k = 0; k < chunks; k++) {
      __m256 d[4][4], r[4][4];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) d[i][j] = _mm256_loadu_ps(rows[i] + k * chunk_stride + (x + j) * CHUNK);
      for (int j = 0; j < 4; j++) {
        r[0][j] = _mm256_sub_ps(d[0][j], d[2][j]);
        r[1][j] = _mm256_add_ps(d[1][j], d[2][j]);
        r[2][j] = _mm256_sub_ps(d[2][j], d[1][j]);
        r[3][j] = _mm256_sub_ps(d[1][j], d[3][j]);
      }
      for (int i = 0; i < 4; i++) {
        __m256 out[4] = {_mm256_sub_ps(r[i][0], r[i][2]), _mm256_add_ps(r[i][1], r[i][2]), _mm256_sub_ps(r[i][2], r[i][1]),
                         _mm256_sub_ps(r[i][1], r[i][3])};
        for (int j = 0; j < 4; j++) _mm256_storeu_ps(v + ((size_t)(i * 4 + j) * TILES + t) * channels + k * CHUNK, out[j]);
      }
    }
  }
}

// M[tile][filter] = sum over c of V[tile][c] U[c][filter] for one position: TILES x vectors accumulators.
__attribute__((target("avx512f"), always_inline)) static inline void multiply(const int vectors, const float *v, int channels,
                                                                               const float *u, float *m) {
  const int block = 16 * vectors;
  __m512 acc[TILES * 4];
  _Pragma("clang loop unroll(full)") for (int i = 0; i < TILES * vectors; i++) acc[i] = _mm512_setzero_ps();
  for (int c = 0; c < channels; c++) {
    __m512 w[4];
    _Pragma("clang loop unroll(full)") for (int k = 0; k < vectors; k++) w[k] = _mm512_loadu_ps(u + (size_t)c * block + 16 * k);
    _Pragma("clang loop unroll(full)") for (int t = 0; t < TILES; t++) {
      __m512 value = _mm512_set1_ps(v[(size_t)t * channels + c]);
      _Pragma("clang loop unroll(full)") for (int k = 0; k < vectors; k++)
        acc[t * vectors + k] = _mm512_fmadd_ps(value, w[k], acc[t * vectors + k]);
    }
  }
  _Pragma("clang loop unroll(full)") for (int t = 0; t < TILES; t++)
    _Pragma("clang loop unroll(full)") for (int k = 0; k < vectors; k++)
      _mm512_storeu_ps(m + (size_t)t * block + 16 * k, acc[t * vectors + k]);
}

// Y = At M A with At = [1 1 1 0; 0 1 -1 -1]: the 2x2 outputs of each tile, 16 filters at a time, into two
// rows of pixels (out[x][filter]).
__attribute__((target("avx512f"))) static void output_transform(int vectors, const float *m, int x0, float *out0, float *out1) {
  const int block = 16 * vectors;
  for (int t = 0; t < TILES; t++) {
    for (int k = 0; k < vectors; k++) {
      __m512 p[16];
      for (int i = 0; i < 16; i++) p[i] = _mm512_loadu_ps(m + ((size_t)i * TILES + t) * block + 16 * k);
      __m512 r0[4], r1[4];
      for (int j = 0; j < 4; j++) {
        r0[j] = _mm512_add_ps(_mm512_add_ps(p[j], p[4 + j]), p[8 + j]);
        r1[j] = _mm512_sub_ps(_mm512_sub_ps(p[4 + j], p[8 + j]), p[12 + j]);
      }
      const size_t x = (size_t)(x0 + 2 * t);
      _mm512_storeu_ps(out0 + x * block + 16 * k, _mm512_add_ps(_mm512_add_ps(r0[0], r0[1]), r0[2]));
      _mm512_storeu_ps(out0 + (x + 1) * block + 16 * k, _mm512_sub_ps(_mm512_sub_ps(r0[1], r0[2]), r0[3]));
      _mm512_storeu_ps(out1 + x * block + 16 * k, _mm512_add_ps(_mm512_add_ps(r1[0], r1[1]), r1[2]));
      _mm512_storeu_ps(out1 + (x + 1) * block + 16 * k, _mm512_sub_ps(_mm512_sub_ps(r1[1], r1[2]), r1[3]));
    }
  }
}

__attribute__((target("avx512f"), always_inline)) static inline void rows_avx512(const int vectors, const float *const *rows,
                                                                                  int chunks, size_t chunk_stride, int width,
                                                                                  const float *weights, float *scratch,
                                                                                  float *out0, float *out1) {
  const int channels = chunks * CHUNK, block = 16 * vectors;
  float *v = scratch, *m = scratch + (size_t)POSITIONS * TILES * channels;
  for (int x0 = 0; x0 < width; x0 += 2 * TILES) {
    input_transform(rows, chunks, chunk_stride, x0, channels, v);
    for (int p = 0; p < POSITIONS; p++)
      multiply(vectors, v + (size_t)p * TILES * channels, channels, weights + (size_t)p * channels * block,
               m + (size_t)p * TILES * block);
    output_transform(vectors, m, x0, out0, out1);
  }
}

__attribute__((target("avx512f"))) static void rows_avx512_1(const float *const *r, int c, size_t s, int w, const float *u, float *t,
                                                             float *o0, float *o1) { rows_avx512(1, r, c, s, w, u, t, o0, o1); }
__attribute__((target("avx512f"))) static void rows_avx512_2(const float *const *r, int c, size_t s, int w, const float *u, float *t,
                                                             float *o0, float *o1) { rows_avx512(2, r, c, s, w, u, t, o0, o1); }
__attribute__((target("avx512f"))) static void rows_avx512_3(const float *const *r, int c, size_t s, int w, const float *u, float *t,
                                                             float *o0, float *o1) { rows_avx512(3, r, c, s, w, u, t, o0, o1); }
__attribute__((target("avx512f"))) static void rows_avx512_4(const float *const *r, int c, size_t s, int w, const float *u, float *t,
                                                             float *o0, float *o1) { rows_avx512(4, r, c, s, w, u, t, o0, o1); }

void fm_winograd_rows(int vectors, const float *const *rows, int chunks, size_t chunk_stride, int width, const float *weights,
                      float *scratch, float *out0, float *out1) {
  switch (vectors) {
    case 1: rows_avx512_1(rows, chunks, chunk_stride, width, weights, scratch, out0, out1); break;
    case 2: rows_avx512_2(rows, chunks, chunk_stride, width, weights, scratch, out0, out1); break;
    case 3: rows_avx512_3(rows, chunks, chunk_stride, width, weights, scratch, out0, out1); break;
    default: rows_avx512_4(rows, chunks, chunk_stride, width, weights, scratch, out0, out1); break;
  }
}

#endif

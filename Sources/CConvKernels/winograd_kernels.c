// Winograd's minimal filtering (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016),
// F(2x4, 3x3): F(2, 3) down the rows, F(4, 3) along them, for 3x3, stride-1, undilated layers with many
// input channels. Each 4x6 input tile is transformed (V = By d Bxt), multiplied position by position with
// the transformed kernels (U = Gy g Gxt) and summed over channels (24 small matrix products, the FMAs), and
// transformed back (Y = Ay M Axt) into 2x4 outputs. 24 multiplications per channel and filter give 8
// outputs, against 72 directly: 3x fewer (F(2x2, 3x3), used before, 2.25x).
//
// Why not F(4x4, 3x3) (4x fewer): its float32 error against the float64 reference was 8 times F(2x2)'s in a
// simulation (40 channels of values in [-1, 1]: 2.7e-6 of the largest output against 3.4e-7; F(2x4) 7.1e-7),
// and in the engine's tests it went past the 1e-5 bound on 40 and 64 channels. F(4, 3) along one side only
// costs about twice F(2x2)'s error.
//
// The matrix products use the channels-last kernels' scheme (a vector holds 16 filters; each channel
// loads the filters' values once and broadcasts one input value per tile). x86-64 with AVX-512 only.
#if defined(__x86_64__)
#include <immintrin.h>

#include "ConvKernels.h"

enum {
  TILES = FM_WINOGRAD_TILES,
  CHUNK = FM_CHANNEL_CHUNK,
  OUT_ROWS = 2,                  // a tile's output rows
  OUT_COLUMNS = 4,               // and columns
  IN_ROWS = OUT_ROWS + 2,        // the input rows and columns it reads
  IN_COLUMNS = OUT_COLUMNS + 2,
  POSITIONS = IN_ROWS * IN_COLUMNS,
};

// M[tile][filter] = sum over c of V[tile][c] U[c][filter] for one position: TILES x vectors accumulators.
// U's rows are `u_width` floats apart (its block may have more filters than the vectors computed).
__attribute__((target("avx512f"), always_inline)) static inline void multiply(const int vectors, const float *v, int channels,
                                                                               const float *u, int u_width, float *m) {
  const int block = 16 * vectors;
  __m512 acc[TILES * 4];
  _Pragma("clang loop unroll(full)") for (int i = 0; i < TILES * vectors; i++) acc[i] = _mm512_setzero_ps();
  for (int c = 0; c < channels; c++) {
    __m512 w[4];
    _Pragma("clang loop unroll(full)") for (int k = 0; k < vectors; k++) w[k] = _mm512_loadu_ps(u + (size_t)c * u_width + 16 * k);
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

// The matrices: F(2, 3) for the interpolation points 0, 1, -1 and infinity; F(4, 3) for 0, 1, -1, 1/2, -2
// and infinity (Cook-Toom; the G of both are in WinogradShape.swift). With 2 and -2 in place of
// 1/2 and -2 (the usual choice), F(4x4, 3x3)'s float32 error was more than twice as large in a simulation
// of the engine sweep's cases. They are applied from the tables; the zero entries fold away when the loops
// are unrolled.
static const float BY[IN_ROWS][IN_ROWS] = {{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const float BX[IN_COLUMNS][IN_COLUMNS] = {
    {1, -1.5f, -2, 1.5f, 1, 0},   {0, -1, 0.5f, 2.5f, 1, 0},  {0, 1, -2.5f, 0.5f, 1, 0},
    {0, -2, -1, 2, 1, 0},         {0, 0.5f, -1, -0.5f, 1, 0}, {0, 1, -1.5f, -2, 1.5f, 1},
};
static const float AY[OUT_ROWS][IN_ROWS] = {{1, 1, 1, 0}, {0, 1, -1, -1}};
static const float AX[OUT_COLUMNS][IN_COLUMNS] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, -1, 0.5f, -2, 0}, {0, 1, 1, 0.25f, 4, 0}, {0, 1, -1, 0.125f, -8, 1},
};

// out = sum over j < n of T[i][j] x[j], skipping zeros and multiplying by one as an addition.
#define APPLY_ROW(T, i, n, x, ADD, FMA, MUL, out)                                \
  do {                                                                           \
    int first_ = 1;                                                              \
    _Pragma("clang loop unroll(full)") for (int j_ = 0; j_ < (n); j_++) {        \
      const float c_ = T[i][j_];                                                 \
      if (c_ == 0) continue;                                                     \
      if (first_) {                                                              \
        out = c_ == 1 ? x[j_] : MUL(x[j_], c_);                                  \
        first_ = 0;                                                              \
      } else {                                                                   \
        out = c_ == 1 ? ADD(out, x[j_]) : FMA(x[j_], c_, out);                   \
      }                                                                          \
    }                                                                            \
  } while (0)

#define ADD256(a, b) _mm256_add_ps(a, b)
#define FMA256(a, c, b) _mm256_fmadd_ps(a, _mm256_set1_ps(c), b)
#define MUL256(a, c) _mm256_mul_ps(a, _mm256_set1_ps(c))
#define ADD512(a, b) _mm512_add_ps(a, b)
#define FMA512(a, c, b) _mm512_fmadd_ps(a, _mm512_set1_ps(c), b)
#define MUL512(a, c) _mm512_mul_ps(a, _mm512_set1_ps(c))

// V = By d Bxt of one tile for the channels in a vector (TYPE): d[row][column] loaded by LOAD(row,
// column), position (i, j) stored by STORE(i * IN_COLUMNS + j, value).
#define TRANSFORM_TILE(TYPE, ADD, FMA, MUL, LOAD, STORE)                                                        \
  do {                                                                                                          \
    TYPE d_[IN_ROWS][IN_COLUMNS], r_[IN_COLUMNS][IN_ROWS];                                                      \
    _Pragma("clang loop unroll(full)") for (int a = 0; a < IN_ROWS; a++)                                        \
      _Pragma("clang loop unroll(full)") for (int b = 0; b < IN_COLUMNS; b++) d_[a][b] = LOAD(a, b);            \
    /* along each row: r_[j][a] = sum over b of Bx[j][b] d[a][b] */                                             \
    _Pragma("clang loop unroll(full)") for (int a = 0; a < IN_ROWS; a++)                                        \
      _Pragma("clang loop unroll(full)") for (int j = 0; j < IN_COLUMNS; j++)                                   \
        APPLY_ROW(BX, j, IN_COLUMNS, d_[a], ADD, FMA, MUL, r_[j][a]);                                           \
    /* down each column: V[i][j] = sum over a of By[i][a] r_[j][a] */                                           \
    _Pragma("clang loop unroll(full)") for (int j = 0; j < IN_COLUMNS; j++)                                     \
      _Pragma("clang loop unroll(full)") for (int i = 0; i < IN_ROWS; i++) {                                    \
        TYPE v_;                                                                                                \
        APPLY_ROW(BY, i, IN_ROWS, r_[j], ADD, FMA, MUL, v_);                                                    \
        STORE(i * IN_COLUMNS + j, v_);                                                                          \
      }                                                                                                         \
  } while (0)

// Two chunks of 8 channels in one vector: half the instructions of a chunk at a time (with 256-bit vectors
// the transform took half as long as the products).
static inline __attribute__((target("avx512f"), always_inline)) __m512 load_two_chunks(const float *first, size_t chunk_stride) {
  const __m512d low = _mm512_castps_pd(_mm512_castps256_ps512(_mm256_loadu_ps(first)));
  return _mm512_castpd_ps(_mm512_insertf64x4(low, _mm256_castps_pd(_mm256_loadu_ps(first + chunk_stride)), 1));
}

// V[position][tile][channel] for the TILES tiles from column x0.
__attribute__((target("avx512f"))) static void input_transform(const float *const *rows, int chunks, size_t chunk_stride, int x0,
                                                               int channels, float *v) {
  for (int t = 0; t < TILES; t++) {
    const size_t x = (size_t)(x0 + OUT_COLUMNS * t);
    int k = 0;
    for (; k + 2 <= chunks; k += 2) {
#define LOAD(a, b) load_two_chunks(rows[a] + k * chunk_stride + (x + (b)) * CHUNK, chunk_stride)
#define STORE(position, value) _mm512_storeu_ps(v + ((size_t)(position) * TILES + t) * channels + k * CHUNK, value)
      TRANSFORM_TILE(__m512, ADD512, FMA512, MUL512, LOAD, STORE);
#undef LOAD
#undef STORE
    }
    for (; k < chunks; k++) {
#define LOAD(a, b) _mm256_loadu_ps(rows[a] + k * chunk_stride + (x + (b)) * CHUNK)
#define STORE(position, value) _mm256_storeu_ps(v + ((size_t)(position) * TILES + t) * channels + k * CHUNK, value)
      TRANSFORM_TILE(__m256, ADD256, FMA256, MUL256, LOAD, STORE);
#undef LOAD
#undef STORE
    }
  }
}

// Y = Ay M Axt: the 2x4 outputs of each tile, 16 filters at a time, into two rows of pixels (out[x][filter]).
__attribute__((target("avx512f"))) static void output_transform(int vectors, const float *m, int x0, float *const *out) {
  const int block = 16 * vectors;
  for (int t = 0; t < TILES; t++) {
    for (int k = 0; k < vectors; k++) {
      __m512 p[IN_ROWS][IN_COLUMNS], s[OUT_COLUMNS][IN_ROWS];
      _Pragma("clang loop unroll(full)") for (int i = 0; i < IN_ROWS; i++)
        _Pragma("clang loop unroll(full)") for (int j = 0; j < IN_COLUMNS; j++)
          p[i][j] = _mm512_loadu_ps(m + ((size_t)(i * IN_COLUMNS + j) * TILES + t) * block + 16 * k);
      // along each row: s[c][i] = sum over j of Ax[c][j] M[i][j]
      _Pragma("clang loop unroll(full)") for (int i = 0; i < IN_ROWS; i++)
        _Pragma("clang loop unroll(full)") for (int c = 0; c < OUT_COLUMNS; c++) APPLY_ROW(AX, c, IN_COLUMNS, p[i], ADD512, FMA512, MUL512, s[c][i]);
      // down each column: Y[r][c] = sum over i of Ay[r][i] s[c][i]
      const size_t x = (size_t)(x0 + OUT_COLUMNS * t);
      _Pragma("clang loop unroll(full)") for (int c = 0; c < OUT_COLUMNS; c++)
        _Pragma("clang loop unroll(full)") for (int r = 0; r < OUT_ROWS; r++) {
          __m512 y;
          APPLY_ROW(AY, r, IN_ROWS, s[c], ADD512, FMA512, MUL512, y);
          _mm512_storeu_ps(out[r] + (x + c) * block + 16 * k, y);
        }
    }
  }
}

// Each TILES tiles: transformed, multiplied at every position, transformed back (transforming more tiles
// before the products, so that a position's U stayed in the L1 cache for all of them, measured slower).
__attribute__((target("avx512f"), always_inline)) static inline void rows_avx512(const int vectors, const float *const *rows,
                                                                                  int chunks, size_t chunk_stride, int width,
                                                                                  const float *weights, int weight_width,
                                                                                  float *scratch, float *const *out) {
  const int channels = chunks * CHUNK, block = 16 * vectors;
  float *v = scratch, *m = scratch + (size_t)POSITIONS * TILES * channels;
  for (int x0 = 0; x0 < width; x0 += OUT_COLUMNS * TILES) {
    input_transform(rows, chunks, chunk_stride, x0, channels, v);
    for (int p = 0; p < POSITIONS; p++)
      multiply(vectors, v + (size_t)p * TILES * channels, channels, weights + (size_t)p * channels * weight_width, weight_width,
               m + (size_t)p * TILES * block);
    output_transform(vectors, m, x0, out);
  }
}

#define ROWS_FOR(VECTORS)                                                                                                  \
  __attribute__((target("avx512f"))) static void rows_avx512_##VECTORS(const float *const *r, int c, size_t s, int w,     \
                                                                       const float *u, int uw, float *t, float *const *o) { \
    rows_avx512(VECTORS, r, c, s, w, u, uw, t, o);                                                                         \
  }
ROWS_FOR(1)
ROWS_FOR(2)
ROWS_FOR(3)
ROWS_FOR(4)
#undef ROWS_FOR

void fm_winograd_rows(int vectors, const float *const *rows, int chunks, size_t chunk_stride, int width, const float *weights,
                      int weight_width, float *scratch, float *const *out) {
  switch (vectors) {
    case 1: rows_avx512_1(rows, chunks, chunk_stride, width, weights, weight_width, scratch, out); break;
    case 2: rows_avx512_2(rows, chunks, chunk_stride, width, weights, weight_width, scratch, out); break;
    case 3: rows_avx512_3(rows, chunks, chunk_stride, width, weights, weight_width, scratch, out); break;
    default: rows_avx512_4(rows, chunks, chunk_stride, width, weights, weight_width, scratch, out); break;
  }
}

#endif

// Convolution by 32x32 FFTs (overlap-save) for large kernels on few input channels (a learned first layer:
// 7x7 or 11x11 on R, G, B). A tile of 32x32 input pixels gives (33 - K) x (33 - K) outputs: its spectrum,
// multiplied bin by bin with each filter's kernel spectrum and summed over channels, is the spectrum of
// the circular correlation, whose inverse is exact where the kernel does not wrap. Costs per output no
// longer grow with K x K: for 7x7x3, about a third of the direct kernels' instructions.
//
// The vectors run across 16 tiles side by side (a strip), so each transform is plain radix-2 code whose
// every number is a vector. Forward transforms decimate in frequency (natural order in, bit-reversed out)
// and inverse ones in time (bit-reversed in, natural out), so no bit reversal is ever done: the kernel
// spectra are stored in the same bit-reversed order. Two filters share one inverse transform: the outputs
// are real, so filter a's spectrum plus i times filter b's transforms to a in the real part and b in the
// imaginary part. x86-64 with AVX-512 only.
#if defined(__x86_64__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "ConvKernels.h"

// Arrays of N x N vectors are stored with rows PITCH vectors apart: N (2 KiB) apart, a column's vectors
// would fall in two sets of the L1 cache and evict each other during the column transforms.
enum { N = FM_FFT_SIZE, LANES = 16, BINS = N * N, PITCH = N + 1 };

typedef struct {
  float re[N / 2], im[N / 2];  // exp(-2 pi i k / N)
} twiddles;

static void make_twiddles(twiddles *w) {
  for (int k = 0; k < N / 2; k++) {
    const double angle = -2.0 * M_PI * k / N;
    w->re[k] = (float)cos(angle);
    w->im[k] = (float)sin(angle);
  }
}

typedef struct {
  __m512 re, im;
} cvec;

__attribute__((target("avx512f"), always_inline)) static inline cvec load(const float *re, const float *im, size_t at) {
  return (cvec){_mm512_loadu_ps(re + at), _mm512_loadu_ps(im + at)};
}
__attribute__((target("avx512f"), always_inline)) static inline void store(float *re, float *im, size_t at, cvec v) {
  _mm512_storeu_ps(re + at, v.re);
  _mm512_storeu_ps(im + at, v.im);
}
__attribute__((target("avx512f"), always_inline)) static inline cvec add(cvec a, cvec b) {
  return (cvec){_mm512_add_ps(a.re, b.re), _mm512_add_ps(a.im, b.im)};
}
__attribute__((target("avx512f"), always_inline)) static inline cvec sub(cvec a, cvec b) {
  return (cvec){_mm512_sub_ps(a.re, b.re), _mm512_sub_ps(a.im, b.im)};
}
// v times exp(-2 pi i k / N), or its conjugate for the inverse transforms.
__attribute__((target("avx512f"), always_inline)) static inline cvec turn(cvec v, const twiddles *w, int k, int inverse) {
  if (k == 0) return v;
  const __m512 c = _mm512_set1_ps(w->re[k]), s = _mm512_set1_ps(inverse ? -w->im[k] : w->im[k]);
  return (cvec){_mm512_fmsub_ps(v.re, c, _mm512_mul_ps(v.im, s)), _mm512_fmadd_ps(v.re, s, _mm512_mul_ps(v.im, c))};
}

// One 1-D forward transform (decimation in frequency) of N complex vectors `stride` vectors apart, two
// stages per pass over memory (stages of length L and L/2 on the same four elements).
__attribute__((target("avx512f"))) static void forward_1d(float *re, float *im, size_t stride, const twiddles *w) {
  const size_t step = stride * LANES;
  int len = N;
  for (; len >= 4; len >>= 2) {
    const int q = len / 4;
    for (int start = 0; start < N; start += len) {
      for (int k = 0; k < q; k++) {
        const size_t i0 = (size_t)(start + k) * step, i1 = i0 + q * step, i2 = i1 + q * step, i3 = i2 + q * step;
        const cvec a = load(re, im, i0), b = load(re, im, i1), c = load(re, im, i2), d = load(re, im, i3);
        // Length len: (a, c) and (b, d); then length len / 2: (a', b') and (c', d').
        const cvec a1 = add(a, c), c1 = turn(sub(a, c), w, k * (N / len), 0);
        const cvec b1 = add(b, d), d1 = turn(sub(b, d), w, (k + q) * (N / len), 0);
        store(re, im, i0, add(a1, b1));
        store(re, im, i1, turn(sub(a1, b1), w, k * (2 * N / len), 0));
        store(re, im, i2, add(c1, d1));
        store(re, im, i3, turn(sub(c1, d1), w, k * (2 * N / len), 0));
      }
    }
  }
  if (len == 2)
    for (int start = 0; start < N; start += 2) {
      const size_t i0 = (size_t)start * step, i1 = i0 + step;
      const cvec a = load(re, im, i0), b = load(re, im, i1);
      store(re, im, i0, add(a, b));
      store(re, im, i1, sub(a, b));
    }
}

// One 1-D inverse transform (decimation in time, conjugate twiddles, unscaled): the mirror of forward_1d.
__attribute__((target("avx512f"))) static void inverse_1d(float *re, float *im, size_t stride, const twiddles *w) {
  const size_t step = stride * LANES;
  int len = 2;
  // log2(N) is odd: one single stage first, then two at a time.
  for (int start = 0; start < N; start += 2) {
    const size_t i0 = (size_t)start * step, i1 = i0 + step;
    const cvec a = load(re, im, i0), b = load(re, im, i1);
    store(re, im, i0, add(a, b));
    store(re, im, i1, sub(a, b));
  }
  for (len = 8; len <= N; len <<= 2) {
    const int q = len / 4;
    for (int start = 0; start < N; start += len) {
      for (int k = 0; k < q; k++) {
        const size_t i0 = (size_t)(start + k) * step, i1 = i0 + q * step, i2 = i1 + q * step, i3 = i2 + q * step;
        const cvec a = load(re, im, i0), b = load(re, im, i1), c = load(re, im, i2), d = load(re, im, i3);
        // Length len / 2: (a, b) and (c, d); then length len: (a', c') and (b', d').
        const cvec bt = turn(b, w, k * (2 * N / len), 1), dt = turn(d, w, k * (2 * N / len), 1);
        const cvec a1 = add(a, bt), b1 = sub(a, bt), c1 = add(c, dt), d1 = sub(c, dt);
        const cvec ct = turn(c1, w, k * (N / len), 1), dt2 = turn(d1, w, (k + q) * (N / len), 1);
        store(re, im, i0, add(a1, ct));
        store(re, im, i2, sub(a1, ct));
        store(re, im, i1, add(b1, dt2));
        store(re, im, i3, sub(b1, dt2));
      }
    }
  }
}

__attribute__((target("avx512f"))) void fm_fft_strip(const fm_fft_args *args) {
  twiddles w;
  make_twiddles(&w);
  const int channels = args->channels, valid = args->valid;
  const size_t plane = (size_t)N * PITCH * LANES;  // floats in one array of vectors
  float *zr = args->scratch, *zi = zr + plane, *xs = zr + 2 * plane;

  // Each channel's 16 tiles, transformed: tile t starts `valid` columns after tile t - 1.
  for (int c = 0; c < channels; c++) {
    float *xr = xs + (size_t)c * 2 * plane, *xi = xr + plane;
    for (int y = 0; y < N; y++) {
      const float *row = args->planes[c] + (size_t)y * args->row_stride;
      for (int x0 = 0; x0 < N; x0 += LANES) {
        // 16 pixels of the 16 tiles, transposed to one vector of tiles per pixel.
        float block[LANES * LANES];
        for (int t = 0; t < LANES; t++) _mm512_storeu_ps(block + t * LANES, _mm512_loadu_ps(row + t * valid + x0));
        fm_pixels_to_planes(FM_KERNEL_AVX512, block, LANES, LANES, xr + ((size_t)y * PITCH + x0) * LANES, LANES);
      }
    }
    for (size_t i = 0; i < plane; i += LANES) _mm512_storeu_ps(xi + i, _mm512_setzero_ps());
    for (int y = 0; y < N; y++) forward_1d(xr + (size_t)y * PITCH * LANES, xi + (size_t)y * PITCH * LANES, 1, &w);
    for (int x = 0; x < N; x++) forward_1d(xr + (size_t)x * LANES, xi + (size_t)x * LANES, PITCH, &w);
  }

  for (int p = 0; p < args->pairs; p++) {
    float *const a = args->outs[2 * p], *const b = args->outs[2 * p + 1];
    if (!a && !b) continue;
    // Z = sum over c of X_c U_c, U_c = (kernel a's spectrum + i kernel b's), already conjugated and scaled.
    const float *u = args->spectra + (size_t)p * (channels * BINS * 2 + 2);
    for (int bin = 0; bin < BINS; bin++) {
      const size_t at = ((size_t)(bin >> 5) * PITCH + (bin & 31)) * LANES;  // N = 32
      __m512 sr = _mm512_setzero_ps(), si = _mm512_setzero_ps();
      for (int c = 0; c < channels; c++) {
        const float *xr = xs + (size_t)c * 2 * plane, *xi = xr + plane;
        const __m512 vr = _mm512_loadu_ps(xr + at), vi = _mm512_loadu_ps(xi + at);
        const __m512 ur = _mm512_set1_ps(u[((size_t)c * BINS + bin) * 2]), ui = _mm512_set1_ps(u[((size_t)c * BINS + bin) * 2 + 1]);
        sr = _mm512_fnmadd_ps(vi, ui, _mm512_fmadd_ps(vr, ur, sr));
        si = _mm512_fmadd_ps(vi, ur, _mm512_fmadd_ps(vr, ui, si));
      }
      _mm512_storeu_ps(zr + at, sr);
      _mm512_storeu_ps(zi + at, si);
    }
    // The biases are constant outputs: bin 0 of the inverse transform (a in the real part, b the imaginary).
    const float *bias = u + (size_t)channels * BINS * 2;
    _mm512_storeu_ps(zr, _mm512_add_ps(_mm512_loadu_ps(zr), _mm512_set1_ps(bias[0])));
    _mm512_storeu_ps(zi, _mm512_add_ps(_mm512_loadu_ps(zi), _mm512_set1_ps(bias[1])));
    // Columns first, then only the rows that hold wanted outputs.
    for (int x = 0; x < N; x++) inverse_1d(zr + (size_t)x * LANES, zi + (size_t)x * LANES, PITCH, &w);
    for (int y = args->first_row; y < args->rows; y++)
      inverse_1d(zr + (size_t)y * PITCH * LANES, zi + (size_t)y * PITCH * LANES, 1, &w);
    // A row of the tiles is N pixels of 16 tiles: transposed by 16x16 blocks, then each tile's valid run
    // goes to columns t x valid... of the strip, up to `columns`.
    float tiles[LANES * N];
    for (int y = args->first_row; y < args->rows; y++) {
      for (int part = 0; part < 2; part++) {
        float *const to = part == 0 ? a : b;
        if (!to) continue;
        fm_pixels_to_planes(FM_KERNEL_AVX512, (part == 0 ? zr : zi) + (size_t)y * PITCH * LANES, LANES, N, tiles, N);
        float *const row = to + (size_t)(y - args->first_row) * args->out_row_stride;
        for (int t = 0; t < LANES && t * valid < args->columns; t++) {
          const int count = args->columns - t * valid < valid ? args->columns - t * valid : valid;
          memcpy(row + t * valid, tiles + t * N, (size_t)count * sizeof(float));
        }
      }
    }
  }
}

#endif

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

static int reverse_bits(int i) {  // of the log2(N) = 5 bits of an index
  int r = 0;
  for (int b = 0; b < 5; b++) r |= ((i >> b) & 1) << (4 - b);
  return r;
}

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

  // The channels' 16 tiles (tile t starts `valid` columns after tile t - 1), two channels per transform:
  // channel 2g in the real parts, 2g + 1 in the imaginary ones (a last odd channel alone).
  const int groups = (channels + 1) / 2;
  for (int g = 0; g < groups; g++) {
    float *xr = xs + (size_t)g * 2 * plane, *xi = xr + plane;
    for (int part = 0; part < 2; part++) {
      float *const x = part == 0 ? xr : xi;
      if (2 * g + part >= channels) {
        for (size_t i = 0; i < plane; i += LANES) _mm512_storeu_ps(x + i, _mm512_setzero_ps());
        continue;
      }
      for (int y = 0; y < N; y++) {
        const float *row = args->planes[2 * g + part] + (size_t)y * args->row_stride;
        for (int x0 = 0; x0 < N; x0 += LANES) {
          // 16 pixels of the 16 tiles, transposed to one vector of tiles per pixel.
          float block[LANES * LANES];
          for (int t = 0; t < LANES; t++) _mm512_storeu_ps(block + t * LANES, _mm512_loadu_ps(row + t * valid + x0));
          fm_pixels_to_planes(FM_KERNEL_AVX512, block, LANES, LANES, x + ((size_t)y * PITCH + x0) * LANES, LANES);
        }
      }
    }
    for (int y = 0; y < N; y++) forward_1d(xr + (size_t)y * PITCH * LANES, xi + (size_t)y * PITCH * LANES, 1, &w);
    for (int x = 0; x < N; x++) forward_1d(xr + (size_t)x * LANES, xi + (size_t)x * LANES, PITCH, &w);
  }
  // Where each bin's mirror -k is stored: real inputs have X(-k) = conj(X(k)), which separates a
  // transform's two channels (see the spectra's P and Q).
  int mirror[N];
  for (int r = 0; r < N; r++) mirror[r] = reverse_bits((N - reverse_bits(r)) % N);

  for (int p = 0; p < args->pairs; p++) {
    float *const a = args->outs[2 * p], *const b = args->outs[2 * p + 1];
    if (!a && !b) continue;
    // Z = sum over channels of X_c U_c, U_c = (kernel a's spectrum + i kernel b's), conjugated and scaled.
    // A transform Z_g of channels c and c + 1 gives X_c U_c + X_c+1 U_c+1 = Z_g(k) P + conj(Z_g(-k)) Q with
    // P = (U_c - i U_c+1) / 2 and Q = (U_c + i U_c+1) / 2, the pair's spectra (a lone channel: U_c, Z_g(k) U_c).
    const float *u = args->spectra + (size_t)p * (channels * BINS * 2 + 2);
    const int paired = channels / 2;
    for (int r = 0; r < N; r++) {
      for (int s = 0; s < N; s++) {
        const int bin = r * N + s;
        const size_t at = ((size_t)r * PITCH + s) * LANES, back = ((size_t)mirror[r] * PITCH + mirror[s]) * LANES;
        __m512 sr = _mm512_setzero_ps(), si = _mm512_setzero_ps();
        for (int g = 0; g < paired; g++) {
          const float *xr = xs + (size_t)g * 2 * plane, *xi = xr + plane, *pq = u + ((size_t)g * BINS + bin) * 4;
          const __m512 kr = _mm512_loadu_ps(xr + at), ki = _mm512_loadu_ps(xi + at);
          const __m512 mr = _mm512_loadu_ps(xr + back), mi = _mm512_loadu_ps(xi + back);
          const __m512 pr = _mm512_set1_ps(pq[0]), pi = _mm512_set1_ps(pq[1]), qr = _mm512_set1_ps(pq[2]), qi = _mm512_set1_ps(pq[3]);
          // Z(k) P + conj(Z(-k)) Q
          sr = _mm512_fmadd_ps(mi, qi, _mm512_fmadd_ps(mr, qr, _mm512_fnmadd_ps(ki, pi, _mm512_fmadd_ps(kr, pr, sr))));
          si = _mm512_fnmadd_ps(mi, qr, _mm512_fmadd_ps(mr, qi, _mm512_fmadd_ps(ki, pr, _mm512_fmadd_ps(kr, pi, si))));
        }
        if (channels % 2) {
          const float *xr = xs + (size_t)paired * 2 * plane, *xi = xr + plane, *uc = u + (size_t)paired * BINS * 4 + (size_t)bin * 2;
          const __m512 vr = _mm512_loadu_ps(xr + at), vi = _mm512_loadu_ps(xi + at);
          const __m512 ur = _mm512_set1_ps(uc[0]), ui = _mm512_set1_ps(uc[1]);
          sr = _mm512_fnmadd_ps(vi, ui, _mm512_fmadd_ps(vr, ur, sr));
          si = _mm512_fmadd_ps(vi, ur, _mm512_fmadd_ps(vr, ui, si));
        }
        _mm512_storeu_ps(zr + at, sr);
        _mm512_storeu_ps(zi + at, si);
      }
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

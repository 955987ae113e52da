// Channels-last kernels (see ConvKernels.h): for layers with many input channels, where the row kernels
// of conv_kernels.c reread too many rows per tap. Here a vector holds one pixel's value for 16 (AVX-512) or
// 8 (AVX2) filters; each tap loads the filters' weights once and broadcasts one input value per pixel, so
// every load serves several FMAs and no load is split across cache lines. This is the NCHWc idea of oneDNN
// and ONNX Runtime's MLAS, with chunks of 8 channels. x86-64 only.
#if defined(__x86_64__)
#include <immintrin.h>

#include "ConvKernels.h"

enum { CHUNK = FM_CHANNEL_CHUNK };

// Accumulators: pixels x vectors <= 24 zmm, plus `vectors` weights and one broadcast: at most 29 of 32.
// Called with constant `vectors` and `pixels`, so that the loops unroll and the accumulators stay in registers.
__attribute__((target("avx512f"), always_inline)) static inline void pixels_avx512(
    const int vectors, const int pixels, const fm_pixel_args *a, const float *weights, float *out) {
  const int block = 16 * vectors;
  const size_t step = (size_t)a->stride_x * CHUNK;
  for (int x = 0; x < a->width; x += pixels) {
    __m512 acc[24];
    _Pragma("clang loop unroll(full)") for (int p = 0; p < pixels; p++)
      _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++)
        acc[p * vectors + v] = a->accumulate ? _mm512_loadu_ps(out + (size_t)(x + p) * block + 16 * v) : _mm512_setzero_ps();
    const float *w = weights;
    for (int chunk = 0; chunk < a->chunks; chunk++) {
      for (int ky = 0; ky < a->kh; ky++) {
        const float *row = a->rows[ky] + chunk * a->chunk_stride + x * step;
        for (int kx = 0; kx < a->kw; kx++) {
          const float *tap = row + (size_t)kx * a->dx * CHUNK;
          for (int c = 0; c < CHUNK; c++, w += block) {
            __m512 wv[4];
            _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++) wv[v] = _mm512_loadu_ps(w + 16 * v);
            _Pragma("clang loop unroll(full)") for (int p = 0; p < pixels; p++) {
              __m512 value = _mm512_set1_ps(tap[p * step + c]);
              _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++)
                acc[p * vectors + v] = _mm512_fmadd_ps(value, wv[v], acc[p * vectors + v]);
            }
          }
        }
      }
    }
    _Pragma("clang loop unroll(full)") for (int p = 0; p < pixels; p++)
      _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++)
        _mm512_storeu_ps(out + (size_t)(x + p) * block + 16 * v, acc[p * vectors + v]);
  }
}

// Accumulators: pixels x vectors = 12 ymm, plus weights and a broadcast: at most 15 of 16.
__attribute__((target("avx2,fma"), always_inline)) static inline void pixels_avx2(
    const int vectors, const int pixels, const fm_pixel_args *a, const float *weights, float *out) {
  const int block = 8 * vectors;
  const size_t step = (size_t)a->stride_x * CHUNK;
  for (int x = 0; x < a->width; x += pixels) {
    __m256 acc[12];
    _Pragma("clang loop unroll(full)") for (int p = 0; p < pixels; p++)
      _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++)
        acc[p * vectors + v] = a->accumulate ? _mm256_loadu_ps(out + (size_t)(x + p) * block + 8 * v) : _mm256_setzero_ps();
    const float *w = weights;
    for (int chunk = 0; chunk < a->chunks; chunk++) {
      for (int ky = 0; ky < a->kh; ky++) {
        const float *row = a->rows[ky] + chunk * a->chunk_stride + x * step;
        for (int kx = 0; kx < a->kw; kx++) {
          const float *tap = row + (size_t)kx * a->dx * CHUNK;
          for (int c = 0; c < CHUNK; c++, w += block) {
            __m256 wv[2];
            _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++) wv[v] = _mm256_loadu_ps(w + 8 * v);
            _Pragma("clang loop unroll(full)") for (int p = 0; p < pixels; p++) {
              __m256 value = _mm256_broadcast_ss(tap + p * step + c);
              _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++)
                acc[p * vectors + v] = _mm256_fmadd_ps(value, wv[v], acc[p * vectors + v]);
            }
          }
        }
      }
    }
    _Pragma("clang loop unroll(full)") for (int p = 0; p < pixels; p++)
      _Pragma("clang loop unroll(full)") for (int v = 0; v < vectors; v++)
        _mm256_storeu_ps(out + (size_t)(x + p) * block + 8 * v, acc[p * vectors + v]);
  }
}

// One function per (vectors, pixels): the pixels make the accumulators fill the registers.
__attribute__((target("avx512f"))) static void dispatch_avx512(int vectors, const fm_pixel_args *a, const float *weights,
                                                              float *out) {
  switch (vectors) {
    case 1: pixels_avx512(1, 24, a, weights, out); break;
    case 2: pixels_avx512(2, 12, a, weights, out); break;
    case 3: pixels_avx512(3, 8, a, weights, out); break;
    default: pixels_avx512(4, 6, a, weights, out); break;
  }
}

__attribute__((target("avx2,fma"))) static void dispatch_avx2(int vectors, const fm_pixel_args *a, const float *weights,
                                                             float *out) {
  if (vectors == 1)
    pixels_avx2(1, 12, a, weights, out);
  else
    pixels_avx2(2, 6, a, weights, out);
}

void fm_conv_pixels(fm_kernel kernel, int vectors, const fm_pixel_args *args, const float *weights, float *out) {
  if (kernel == FM_KERNEL_AVX512)
    dispatch_avx512(vectors, args, weights, out);
  else
    dispatch_avx2(vectors, args, weights, out);
}

// 16 x 16 transpose in registers: rows r[i] become columns.
__attribute__((target("avx512f"))) static void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int half = 0; half < 16; half += 8)
    for (int i = 0; i < 4; i++) {
      t[half + i] = _mm512_shuffle_f32x4(r[half + i], r[half + i + 4], 0x88);
      t[half + i + 4] = _mm512_shuffle_f32x4(r[half + i], r[half + i + 4], 0xDD);
    }
  for (int i = 0; i < 8; i++) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
  }
}

// 8 x 8 transpose in registers.
__attribute__((target("avx2"))) static void transpose8(__m256 r[8]) {
  __m256 t[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int i = 0; i < 4; i++) {
    t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
  }
  for (int i = 0; i < 8; i++) r[i] = t[i];
}

__attribute__((target("avx512f"))) static void to_planes_avx512(const float *pixels, int block, int width, float *planes,
                                                               size_t plane_stride) {
  for (int x = 0; x < width; x += 16)
    for (int f = 0; f < block; f += 16) {
      __m512 r[16];
      for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(pixels + (size_t)(x + i) * block + f);
      transpose16(r);
      for (int i = 0; i < 16; i++) _mm512_storeu_ps(planes + (f + i) * plane_stride + x, r[i]);
    }
}

__attribute__((target("avx2"))) static void to_planes_avx2(const float *pixels, int block, int width, float *planes,
                                                          size_t plane_stride) {
  for (int x = 0; x < width; x += 8)
    for (int f = 0; f < block; f += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(pixels + (size_t)(x + i) * block + f);
      transpose8(r);
      for (int i = 0; i < 8; i++) _mm256_storeu_ps(planes + (f + i) * plane_stride + x, r[i]);
    }
}

void fm_pixels_to_planes(fm_kernel kernel, const float *pixels, int block, int width, float *planes,
                         size_t plane_stride) {
  if (kernel == FM_KERNEL_AVX512)
    to_planes_avx512(pixels, block, width, planes, plane_stride);
  else
    to_planes_avx2(pixels, block, width, planes, plane_stride);
}

// The padding step's transposition: 8 channel rows at a time become 8 pixels of 8 channels.
__attribute__((target("avx2"))) void fm_interleave_chunk(const float *planes, size_t plane_stride, int channels,
                                                        int count, float *out) {
  int x = 0;
  for (; x + 8 <= count; x += 8) {
    __m256 r[8];
    for (int c = 0; c < 8; c++) r[c] = c < channels ? _mm256_loadu_ps(planes + c * plane_stride + x) : _mm256_setzero_ps();
    transpose8(r);
    for (int i = 0; i < 8; i++) _mm256_storeu_ps(out + (size_t)(x + i) * CHUNK, r[i]);
  }
  for (; x < count; x++)
    for (int c = 0; c < CHUNK; c++) out[(size_t)x * CHUNK + c] = c < channels ? planes[c * plane_stride + x] : 0;
}

#endif  // __x86_64__

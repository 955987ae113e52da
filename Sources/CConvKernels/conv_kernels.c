// Row kernels (see ConvKernels.h), AVX-512 and AVX2+FMA: a vector holds neighbouring output pixels of one
// filter. Readable twins: PreparedConv.computePortable (the portable loop over the same padded rows) and
// ReferenceEngine.swift (the definition), which the tests hold these kernels to. x86-64 only.
#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

#include "ConvKernels.h"

// 8 filters x 3 vectors of 16 pixels = 24 accumulators, plus 3 input vectors and a broadcast weight:
// 28 of the 32 zmm registers. Each input vector loaded is used by 8 FMAs.
__attribute__((target("avx512f"))) static void conv_row_avx512(const float *input, int channels, size_t plane_stride,
                                                               size_t row_stride, int in_row, const float *weights,
                                                               int kh, int kw, int dy, int dx, int width, float *out,
                                                               size_t out_stride, int accumulate) {
  for (int x = 0; x < width; x += 48) {
    __m512 acc[8][3];
    for (int f = 0; f < 8; f++)
      for (int j = 0; j < 3; j++)
        acc[f][j] = accumulate ? _mm512_loadu_ps(out + f * out_stride + x + 16 * j) : _mm512_setzero_ps();
    const float *w = weights;
    for (int c = 0; c < channels; c++) {
      for (int ky = 0; ky < kh; ky++) {
        const float *row = input + c * plane_stride + (size_t)(in_row + ky * dy) * row_stride + x;
        for (int kx = 0; kx < kw; kx++, w += 8) {
          const float *p = row + kx * dx;
          __m512 i0 = _mm512_loadu_ps(p), i1 = _mm512_loadu_ps(p + 16), i2 = _mm512_loadu_ps(p + 32);
          for (int f = 0; f < 8; f++) {
            __m512 wf = _mm512_set1_ps(w[f]);
            acc[f][0] = _mm512_fmadd_ps(wf, i0, acc[f][0]);
            acc[f][1] = _mm512_fmadd_ps(wf, i1, acc[f][1]);
            acc[f][2] = _mm512_fmadd_ps(wf, i2, acc[f][2]);
          }
        }
      }
    }
    for (int f = 0; f < 8; f++) {
      float *o = out + f * out_stride + x;
      _mm512_storeu_ps(o, acc[f][0]);
      _mm512_storeu_ps(o + 16, acc[f][1]);
      _mm512_storeu_ps(o + 32, acc[f][2]);
    }
  }
}

// 4 filters x 3 vectors of 8 pixels = 12 accumulators, plus 3 inputs and a weight: all 16 ymm registers.
__attribute__((target("avx2,fma"))) static void conv_row_avx2(const float *input, int channels, size_t plane_stride,
                                                             size_t row_stride, int in_row, const float *weights,
                                                             int kh, int kw, int dy, int dx, int width, float *out,
                                                             size_t out_stride, int accumulate) {
  for (int x = 0; x < width; x += 24) {
    __m256 acc[4][3];
    for (int f = 0; f < 4; f++)
      for (int j = 0; j < 3; j++)
        acc[f][j] = accumulate ? _mm256_loadu_ps(out + f * out_stride + x + 8 * j) : _mm256_setzero_ps();
    const float *w = weights;
    for (int c = 0; c < channels; c++) {
      for (int ky = 0; ky < kh; ky++) {
        const float *row = input + c * plane_stride + (size_t)(in_row + ky * dy) * row_stride + x;
        for (int kx = 0; kx < kw; kx++, w += 4) {
          const float *p = row + kx * dx;
          __m256 i0 = _mm256_loadu_ps(p), i1 = _mm256_loadu_ps(p + 8), i2 = _mm256_loadu_ps(p + 16);
          for (int f = 0; f < 4; f++) {
            __m256 wf = _mm256_broadcast_ss(w + f);
            acc[f][0] = _mm256_fmadd_ps(wf, i0, acc[f][0]);
            acc[f][1] = _mm256_fmadd_ps(wf, i1, acc[f][1]);
            acc[f][2] = _mm256_fmadd_ps(wf, i2, acc[f][2]);
          }
        }
      }
    }
    for (int f = 0; f < 4; f++) {
      float *o = out + f * out_stride + x;
      _mm256_storeu_ps(o, acc[f][0]);
      _mm256_storeu_ps(o + 8, acc[f][1]);
      _mm256_storeu_ps(o + 16, acc[f][2]);
    }
  }
}

void fm_conv_row(fm_kernel kernel, const float *input, int channels, size_t plane_stride, size_t row_stride,
                 int in_row, const float *weights, int kh, int kw, int dy, int dx, int width, float *out,
                 size_t out_stride, int accumulate) {
  if (kernel == FM_KERNEL_AVX512)
    conv_row_avx512(input, channels, plane_stride, row_stride, in_row, weights, kh, kw, dy, dx, width, out, out_stride,
                    accumulate);
  else
    conv_row_avx2(input, channels, plane_stride, row_stride, in_row, weights, kh, kw, dy, dx, width, out, out_stride,
                  accumulate);
}

static inline float finish_one(float sum, float bias, int relu) {
  const float v = sum + bias;
  return relu && 0.0f >= v ? 0.0f : v;
}

__attribute__((target("avx512f"))) static void finish_row_avx512(const float *sums, float *out, int count, float bias,
                                                                int relu) {
  int x = 0;
  for (; x < count && ((uintptr_t)(out + x) & 63) != 0; x++) out[x] = finish_one(sums[x], bias, relu);
  const __m512 b = _mm512_set1_ps(bias), zero = _mm512_setzero_ps();
  for (; x + 16 <= count; x += 16) {
    __m512 v = _mm512_add_ps(_mm512_loadu_ps(sums + x), b);
    if (relu) v = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(zero, v, _CMP_GE_OQ), v, zero);
    _mm512_stream_ps(out + x, v);
  }
  for (; x < count; x++) out[x] = finish_one(sums[x], bias, relu);
}

__attribute__((target("avx2"))) static void finish_row_avx2(const float *sums, float *out, int count, float bias, int relu) {
  int x = 0;
  for (; x < count && ((uintptr_t)(out + x) & 31) != 0; x++) out[x] = finish_one(sums[x], bias, relu);
  const __m256 b = _mm256_set1_ps(bias), zero = _mm256_setzero_ps();
  for (; x + 8 <= count; x += 8) {
    __m256 v = _mm256_add_ps(_mm256_loadu_ps(sums + x), b);
    if (relu) v = _mm256_blendv_ps(v, zero, _mm256_cmp_ps(zero, v, _CMP_GE_OQ));
    _mm256_stream_ps(out + x, v);
  }
  for (; x < count; x++) out[x] = finish_one(sums[x], bias, relu);
}

void fm_store_fence(void) { _mm_sfence(); }

void fm_finish_row(fm_kernel kernel, const float *sums, float *out, int count, float bias, int relu) {
  if (kernel == FM_KERNEL_AVX512)
    finish_row_avx512(sums, out, count, bias, relu);
  else
    finish_row_avx2(sums, out, count, bias, relu);
}

#endif  // __x86_64__

// What each kernel is (its blocks and lanes) and whether this CPU can run it. Compiled on every
// architecture: on CPUs other than x86-64 no kernel is supported, so the engine uses its portable loop
// and the entry points below are never called.
#include "ConvKernels.h"

int fm_kernel_filter_block(fm_kernel kernel) { return kernel == FM_KERNEL_AVX512 ? 8 : 4; }
int fm_kernel_pixel_block(fm_kernel kernel) { return kernel == FM_KERNEL_AVX512 ? 48 : 24; }
int fm_kernel_lanes(fm_kernel kernel) { return kernel == FM_KERNEL_AVX512 ? 16 : 8; }
int fm_kernel_max_vectors(fm_kernel kernel) { return kernel == FM_KERNEL_AVX512 ? 4 : 2; }

#if defined(__x86_64__)

int fm_kernel_supported(fm_kernel kernel) {
  __builtin_cpu_init();
  switch (kernel) {
    case FM_KERNEL_AVX512: return __builtin_cpu_supports("avx512f");
    case FM_KERNEL_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }
  return 0;
}

#else

#include <stdlib.h>

int fm_kernel_supported(fm_kernel kernel) {
  (void)kernel;
  return 0;
}

// Unreachable: the engine calls a kernel only when fm_kernel_supported says so. Defined so that the
// package links on every architecture.
void fm_conv_row(fm_kernel kernel, const float *input, int channels, size_t plane_stride, size_t row_stride,
                 int in_row, const float *weights, int kh, int kw, int dy, int dx, int width, float *out,
                 size_t out_stride, int accumulate) {
  abort();
}
void fm_finish_row(fm_kernel kernel, const float *sums, float *out, int count, float bias, int relu) { abort(); }
void fm_store_fence(void) {}
void fm_conv_pixels(fm_kernel kernel, int vectors, const fm_pixel_args *args, const float *weights, float *out) {
  abort();
}
void fm_pixels_to_planes(fm_kernel kernel, const float *pixels, int block, int width, float *planes,
                         size_t plane_stride) {
  abort();
}
void fm_interleave_chunk(const float *planes, size_t plane_stride, int channels, int count, float *out) { abort(); }
void fm_fft_strip(const fm_fft_args *args) { abort(); }
void fm_winograd_rows(int vectors, const float *const *rows, int chunks, size_t chunk_stride, int width, const float *weights,
                      int weight_width, float *scratch, float *const *out) {
  abort();
}

#endif

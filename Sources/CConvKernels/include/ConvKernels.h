// ConvKernels: the inner loop of a Conv2D layer with stride 1 along x, written with AVX-512 or AVX2+FMA
// intrinsics. Each function is compiled for its instruction set only (target attributes), and the caller
// picks one that the CPU supports at run time, so the binary still runs on any x86-64.
//
// Shapes: input planes (C, H, ROW) already padded, where ROW >= width + dilation_x * (KW - 1);
// weights packed (C, KH, KW, FB) for one block of FB filters; output FB rows of `width` floats,
// `out_stride` apart, where `width` is a multiple of the kernel's pixel block.
#ifndef FEATUREMAPS_CONV_KERNELS_H
#define FEATUREMAPS_CONV_KERNELS_H

#include <stddef.h>

typedef enum {
  FM_KERNEL_AVX2 = 1,    // 256-bit FMA: 4 filters x 24 pixels at a time
  FM_KERNEL_AVX512 = 2   // 512-bit FMA: 8 filters x 48 pixels at a time
} fm_kernel;

/// Whether this CPU can run `kernel`.
int fm_kernel_supported(fm_kernel kernel);
/// Filters computed together (FB).
int fm_kernel_filter_block(fm_kernel kernel);
/// Output pixels computed together along a row: `width` must be a multiple of it.
int fm_kernel_pixel_block(fm_kernel kernel);

/// One output row for one block of filters: out[f][x] = sum over c, ky, kx of
/// weights[c][ky][kx][f] * input[c][in_row + ky * dy][x + kx * dx], added to what `out` holds when
/// `accumulate` is set (so that channels can be taken in chunks). No bias, no activation.
void fm_conv_row(fm_kernel kernel, const float *input, int channels, size_t plane_stride, size_t row_stride,
                 int in_row, const float *weights, int kh, int kw, int dy, int dx, int width, float *out,
                 size_t out_stride, int accumulate);

#endif

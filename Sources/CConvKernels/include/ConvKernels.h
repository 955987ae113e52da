// ConvKernels: the inner loops of a Conv2D layer, written with AVX-512 or AVX2+FMA intrinsics, in two
// layouts: row kernels (vectors of pixels; few input channels, stride 1 along x) and channels-last kernels
// (vectors of filters; many input channels, any stride); and two faster algorithms, AVX-512 only:
// Winograd F(2x4, 3x3) (3x3 layers on many channels) and FFT convolution (large kernels on few channels). Each function is compiled for its instruction
// set only (target attributes), and the caller picks one that the CPU supports at run time, so the binary
// still runs on any x86-64. On other CPUs (arm64) the intrinsics are not compiled at all: no kernel is
// supported and the engine uses its portable loop.
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

/// The last step of an output row: out[x] = sums[x] + bias, then with `relu` 0 where that is <= 0 (as
/// Swift's max(v, 0): NaN stays), for `count` pixels. The stores stream past the cache: the maps are read
/// again only once the layer is done, and a cached store would first read the line it overwrites. They
/// are weakly ordered: `fm_store_fence` after the last row, before the rows are handed on (a fence per row
/// cost more than the row when rows are a strip of 96 columns).
void fm_finish_row(fm_kernel kernel, const float *sums, float *out, int count, float bias, int relu);
void fm_store_fence(void);

/// Channels given to a channels-last kernel together: the input holds them next to each other per pixel.
#define FM_CHANNEL_CHUNK 8

/// Vector lanes: the channels-last kernels compute blocks of lanes x vectors filters.
int fm_kernel_lanes(fm_kernel kernel);
/// The most vectors of filters a channels-last kernel computes at a time (blocks of lanes x this).
int fm_kernel_max_vectors(fm_kernel kernel);

/// The shape of one channels-last call. Each input row is laid out (chunks, ROW, FM_CHANNEL_CHUNK): channel
/// c of pixel x at (c / 8) * chunk_stride + x * 8 + c % 8, padded, with ROW >= (width - 1) * stride_x +
/// dx * (KW - 1) + 1.
typedef struct {
  const float *const *rows;  // the KH input rows the output row needs, from its first chunk
  int chunks;                // chunks of 8 input channels, weights packed (chunks, KH, KW, 8, lanes x vectors)
  size_t chunk_stride;       // floats from one chunk of a row to the next
  int stride_x;
  int kh, kw, dx;
  int width;                 // output pixels, a multiple of 24 (AVX-512) or 12 (AVX2)
  int accumulate;            // add to what `out` holds (channels taken in several calls)
} fm_pixel_args;

/// One output row for one block of lanes x `vectors` filters, written pixel by pixel: out[x][f].
void fm_conv_pixels(fm_kernel kernel, int vectors, const fm_pixel_args *args, const float *weights, float *out);

/// out[x][f] (block filters per pixel) -> planes[f * plane_stride + x], for `width` a multiple of the lanes
/// and `block` a multiple of the lanes.
void fm_pixels_to_planes(fm_kernel kernel, const float *pixels, int block, int width, float *planes,
                         size_t plane_stride);

/// out[x * 8 + c] = planes[c * plane_stride + x] for x < count and c < channels (<= 8), and 0 for the
/// chunk's other channels: one row of a chunk of channels in the channels-last layout. Needs AVX2.
void fm_interleave_chunk(const float *planes, size_t plane_stride, int channels, int count, float *out);

/// Winograd F(2x4, 3x3) (winograd_kernels.c): output tiles of 2 rows and 4 columns, FM_WINOGRAD_TILES of
/// them side by side per product. AVX-512 only (FM_KERNEL_AVX512 supported).
#define FM_WINOGRAD_TILES 6

/// Two output rows (out[0]: row y, out[1]: row y + 1) of one block of 16 x `vectors` filters of a 3x3,
/// stride-1, undilated layer, written pixel by pixel (out[i][x][f]) like fm_conv_pixels. `rows`: the 4
/// padded input rows y..y+3 in the channels-last layout (`chunks` chunks, `chunk_stride` apart), each at
/// least width + 2 pixels wide; `width` a multiple of 4 x FM_WINOGRAD_TILES; `weights`: the block's
/// first filter wanted in the transformed kernels packed (24 positions, chunks x 8 channels,
/// `weight_width` filters, at least 16 x vectors); `scratch`: 24 x FM_WINOGRAD_TILES x (chunks x 8 + 16 x
/// vectors) floats. No bias, no activation.
void fm_winograd_rows(int vectors, const float *const *rows, int chunks, size_t chunk_stride, int width, const float *weights,
                      int weight_width, float *scratch, float *const *out);

/// FFT convolution (fft_kernels.c): tiles of FM_FFT_SIZE x FM_FFT_SIZE input pixels.
#define FM_FFT_SIZE 32

/// What one strip of 16 tiles side by side needs. Each tile gives `valid` x `valid` outputs (valid =
/// FM_FFT_SIZE + 1 - K for a K x K kernel; stride 1, undilated).
typedef struct {
  /// Channel c of the padded input (planes, `row_stride` floats per row) at the strip's first pixel,
  /// readable for FM_FFT_SIZE rows and 15 x valid + FM_FFT_SIZE columns.
  const float *const *planes;
  size_t row_stride;
  int channels, valid;
  /// Per pair of filters, with U_c = (conj(A_c) + i conj(B_c)) / FM_FFT_SIZE^2 for the pair's kernels A
  /// and B on channel c: for each two channels c, c + 1, FM_FFT_SIZE^2 bins of P = (U_c - i U_c+1) / 2 and
  /// Q = (U_c + i U_c+1) / 2 (re, im, re, im); for a last odd channel, its bins of U_c (re, im); then the
  /// two biases. Bins are in the transforms' bit-reversed order (bin r x FM_FFT_SIZE + s holds frequency
  /// (bitreverse(r), bitreverse(s))).
  const float *spectra;
  int pairs;
  /// The tile rows and strip columns written: rows first_row..<rows (rows <= valid), columns 0..<columns.
  int first_row, rows, columns;
  /// Per filter (2 per pair), where its row `first_row`, column 0 goes, `out_row_stride` floats per row;
  /// NULL: not wanted.
  float *const *outs;
  size_t out_row_stride;
  /// (2 + 2 x ceil(channels / 2)) x FM_FFT_SIZE x (FM_FFT_SIZE + 1) x 16 floats.
  float *scratch;
} fm_fft_args;

/// Correlates one strip with the pairs of filters: sums over channels plus bias, no activation. AVX-512 only.
void fm_fft_strip(const fm_fft_args *args);

#endif

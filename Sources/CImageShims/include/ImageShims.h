// ImageShims: the only place where featuremaps calls libjpeg and libpng (and its own deflate coder for
// PNG maps, rle_deflate.c).
//
// Both libraries report fatal errors by longjmp-ing out of their error handler. A longjmp must never
// cross a Swift frame, so every setjmp lives in these C functions, every library call that can fail is
// made inside one of them, and each function returns a status and a one-line message instead.
// Nothing here prints, exits or aborts because of a picture.
#ifndef FEATUREMAPS_IMAGE_SHIMS_H
#define FEATUREMAPS_IMAGE_SHIMS_H

#include <stddef.h>
#include <stdint.h>

#define FM_MESSAGE_SIZE 320

typedef enum {
  FM_OK = 0,
  FM_ERR_CORRUPT = 1,      // the data is damaged or not what its header says
  FM_ERR_TRUNCATED = 2,    // the data ends before the picture does
  FM_ERR_UNSUPPORTED = 3,  // valid, but a kind this build cannot decode (12-bit, lossless JPEG)
  FM_ERR_TOO_LARGE = 4,    // the header claims more pixels than the caller's limit
  FM_ERR_NO_MEMORY = 5,
  FM_ERR_IO = 6            // a file could not be opened or written
} fm_status;

typedef enum {
  FM_COLOR_GRAY = 1,
  FM_COLOR_RGB = 3,
  FM_COLOR_CMYK = 4,          // plain CMYK: 0 is no ink
  FM_COLOR_CMYK_INVERTED = 5  // Adobe-style CMYK/YCCK: 255 is no ink
} fm_color;

/// A decoded picture: interleaved samples, as the library stores them (alpha already removed).
typedef struct {
  uint32_t width;
  uint32_t height;
  uint32_t channels;     // samples per pixel in `samples`: 1, 3 or 4 (CMYK)
  uint32_t bit_depth;    // 8 (uint8 samples) or 16 (native-endian uint16 samples)
  fm_color color;
  void *samples;         // malloc'd, width * height * channels samples; free with fm_decoded_free
  uint8_t *exif;         // malloc'd copy of the JPEG APP1 "Exif\0\0" payload (TIFF data), or NULL
  size_t exif_size;
  uint32_t warning_count;  // non-fatal library warnings
  char warning[FM_MESSAGE_SIZE];  // the first of them, or ""
  char message[FM_MESSAGE_SIZE];  // why decoding failed, when the status is not FM_OK
} fm_decoded;

/// Decodes a JPEG held in memory. Refuses, before allocating the picture, a header that claims more
/// than `max_pixels` pixels. A file that ends early is FM_ERR_TRUNCATED unless `allow_truncated` is set.
fm_status fm_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int allow_truncated,
                         fm_decoded *out);

/// Decodes a PNG held in memory to its stored samples (no gamma, no sBIT shift); palettes are expanded
/// to RGB, gray of 1, 2 or 4 bits is scaled to 8, alpha is dropped.
fm_status fm_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, fm_decoded *out);

void fm_decoded_free(fm_decoded *decoded);

// MARK: - Writing grayscale PNGs

typedef enum { FM_PNG_FILTER_NONE = 0, FM_PNG_FILTER_UP = 1 } fm_png_filter;

/// A grayscale PNG written as its rows come: `fm_png_writer_open`, then `fm_png_writer_rows` with every row
/// in order (uint8, or native-endian uint16 for 16 bits), then `fm_png_writer_close` (which frees it; with
/// `finish` 0 it only gives up). Levels 0 and 1 hold a band of rows; libdeflate's levels hold the whole
/// filtered image until the close. On failure the file may exist, partial: the caller writes to a
/// temporary name.
typedef struct fm_png_writer fm_png_writer;

fm_status fm_png_writer_open(const char *path, uint32_t width, uint32_t height, int bit_depth, int compression_level,
                             fm_png_filter filter, const char *const *text_keys, const char *const *text_values,
                             int text_count, fm_png_writer **writer, char *message);

/// `count` rows; after a failure, every call fails and the close says why.
fm_status fm_png_writer_rows(fm_png_writer *writer, const void *rows, uint32_t count);

fm_status fm_png_writer_close(fm_png_writer *writer, int finish, char *message);

#endif

// PNG decoding and grayscale PNG encoding through libpng, with every setjmp inside this file.
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <png.h>

#include "ImageShims.h"
#include "rle_deflate.h"

// libpng's own limit is 1,000,000 pixels a side; featuremaps checks the pixel count itself as well.
#define FM_PNG_MAX_SIDE 1000000
// Ancillary chunks (iCCP, zTXt...) may not make libpng allocate more than this.
#define FM_PNG_MAX_CHUNK_BYTES (16u * 1024u * 1024u)

typedef struct {
  jmp_buf escape;
  char *message;  // FM_MESSAGE_SIZE bytes
  char *warning;  // FM_MESSAGE_SIZE bytes, or NULL to ignore warnings
  uint32_t *warning_count;
  FILE *file;  // writing: where the bytes go
} fm_png_context;

static void fm_png_error(png_structp png, png_const_charp text) {
  fm_png_context *context = (fm_png_context *)png_get_error_ptr(png);
  if (context->message[0] == '\0') snprintf(context->message, FM_MESSAGE_SIZE, "%s", text);
  longjmp(context->escape, 1);
}

static void fm_png_warning(png_structp png, png_const_charp text) {
  fm_png_context *context = (fm_png_context *)png_get_error_ptr(png);
  if (context->warning_count != NULL) *context->warning_count += 1;
  if (context->warning != NULL && context->warning[0] == '\0')
    snprintf(context->warning, FM_MESSAGE_SIZE, "%s", text);
}

// MARK: - Reading

typedef struct {
  const uint8_t *data;
  size_t size;
  size_t offset;
} fm_memory_reader;

static void fm_png_read_memory(png_structp png, png_bytep into, png_size_t count) {
  fm_memory_reader *reader = (fm_memory_reader *)png_get_io_ptr(png);
  if (count > reader->size - reader->offset) png_error(png, "truncated PNG: the file ends inside a chunk");
  memcpy(into, reader->data + reader->offset, count);
  reader->offset += count;
}

static fm_status fm_png_status_for(const char *message) {
  if (strstr(message, "truncated") != NULL || strstr(message, "Not enough image data") != NULL ||
      strstr(message, "Read Error") != NULL)
    return FM_ERR_TRUNCATED;
  if (strstr(message, "Out of memory") != NULL || strstr(message, "out of memory") != NULL)
    return FM_ERR_NO_MEMORY;
  return FM_ERR_CORRUPT;
}

fm_status fm_png_decode(const uint8_t *data, size_t size, uint64_t max_pixels, fm_decoded *out) {
  memset(out, 0, sizeof(*out));
  fm_png_context context = {.message = out->message, .warning = out->warning,
                            .warning_count = &out->warning_count};
  fm_memory_reader reader = {.data = data, .size = size, .offset = 0};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, fm_png_error, fm_png_warning);
  if (png == NULL) {
    snprintf(out->message, FM_MESSAGE_SIZE, "out of memory");
    return FM_ERR_NO_MEMORY;
  }
  png_infop info = png_create_info_struct(png);
  // Volatile: these change between setjmp and a possible longjmp back to it.
  uint8_t *volatile samples = NULL;
  png_bytep *volatile rows = NULL;
  volatile fm_status status = FM_OK;

  if (setjmp(context.escape)) {
    free(samples);
    free(rows);
    png_destroy_read_struct(&png, info == NULL ? NULL : &info, NULL);
    return status != FM_OK ? status : fm_png_status_for(out->message);
  }
  if (info == NULL) png_error(png, "out of memory");

  png_set_read_fn(png, &reader, fm_png_read_memory);
  png_set_user_limits(png, FM_PNG_MAX_SIDE, FM_PNG_MAX_SIDE);
  png_set_chunk_malloc_max(png, FM_PNG_MAX_CHUNK_BYTES);
  png_read_info(png, info);

  png_uint_32 width = png_get_image_width(png, info);
  png_uint_32 height = png_get_image_height(png, info);
  if ((uint64_t)width * height > max_pixels) {
    out->width = width;
    out->height = height;
    status = FM_ERR_TOO_LARGE;
    png_destroy_read_struct(&png, &info, NULL);
    return status;
  }

  int color_type = png_get_color_type(png, info);
  int bit_depth = png_get_bit_depth(png, info);
  // Stored samples only: no gamma, no sBIT shift, no tRNS-to-alpha (alpha is dropped anyway).
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (color_type & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  if (bit_depth == 16) png_set_swap(png);  // native little-endian uint16 on the machines we build for
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  int channels = png_get_channels(png, info);
  int out_depth = png_get_bit_depth(png, info);
  size_t row_bytes = png_get_rowbytes(png, info);
  rows = malloc(sizeof(png_bytep) * height);
  samples = malloc(row_bytes * height);
  if (rows == NULL || samples == NULL) {
    snprintf(out->message, FM_MESSAGE_SIZE, "out of memory for a %ux%u picture", width, height);
    status = FM_ERR_NO_MEMORY;
    png_error(png, out->message);
  }
  for (png_uint_32 y = 0; y < height; y++) rows[y] = samples + row_bytes * y;
  png_read_image(png, rows);
  png_read_end(png, NULL);

  // Palette + tRNS expands to RGBA even when asked only for RGB: drop that alpha, in place.
  int kept = (channels == 2 || channels == 4) ? channels - 1 : channels;
  if (kept != channels) {
    size_t sample_bytes = (size_t)out_depth / 8;
    size_t pixels = (size_t)width * height;
    for (size_t p = 0; p < pixels; p++)
      memmove(samples + p * kept * sample_bytes, samples + p * channels * sample_bytes, kept * sample_bytes);
  }

  out->width = width;
  out->height = height;
  out->channels = (uint32_t)kept;
  out->bit_depth = (uint32_t)out_depth;
  out->color = kept == 1 ? FM_COLOR_GRAY : FM_COLOR_RGB;
  out->samples = samples;
  free(rows);
  png_destroy_read_struct(&png, &info, NULL);
  return FM_OK;
}

// MARK: - Writing

// libpng's own write function says only "Write Error"; this one says why ("No space left on device").
static void fm_png_write_file(png_structp png, png_bytep data, png_size_t length) {
  fm_png_context *context = (fm_png_context *)png_get_io_ptr(png);
  if (fwrite(data, 1, length, context->file) != length) {
    snprintf(context->message, FM_MESSAGE_SIZE, "%s", strerror(errno));
    longjmp(context->escape, 1);
  }
}

static void fm_png_flush_file(png_structp png) {
  fm_png_context *context = (fm_png_context *)png_get_io_ptr(png);
  if (fflush(context->file) != 0) {
    snprintf(context->message, FM_MESSAGE_SIZE, "%s", strerror(errno));
    longjmp(context->escape, 1);
  }
}

// The image data is filtered and compressed here; libpng writes the signature and every chunk around
// it. The rows come as the caller has them (`fm_png_writer_rows`). Levels 0 and 1 stream: each band of
// filtered rows is compressed by the run-length encoder (rle_deflate.c, stored blocks for level 0) and
// written as IDAT chunks while it is in the cache, and no whole-map copy is made. Levels 2-12 go to
// libdeflate, which wants the whole filtered image at once: it is compressed at the close.
#define FM_IDAT_PIECE (64u * 1024u * 1024u)
#define FM_STREAMED_BAND_BYTES (128u * 1024u)  // filtered bytes per block: stays in L2 between the passes
#define FM_STREAMED_IDAT_BYTES (1024u * 1024u)

// A row filtered: its filter-type byte, then its bytes (16-bit samples big-endian) minus, for Up, the
// bytes of `above` (NULL for the first row: zeros).
static void fm_png_filter_row(uint8_t *out, const void *row, const void *above, uint32_t width, int bit_depth,
                              fm_png_filter filter) {
  out[0] = filter == FM_PNG_FILTER_UP ? 2 : 0;
  if (filter != FM_PNG_FILTER_UP) above = NULL;
  uint8_t *bytes = out + 1;
  if (bit_depth == 16) {
    const uint16_t *values = row, *up = above;
    for (uint32_t x = 0; x < width; x++) {
      uint16_t v = values[x], a = up != NULL ? up[x] : 0;
      bytes[2 * x] = (uint8_t)((v >> 8) - (a >> 8));
      bytes[2 * x + 1] = (uint8_t)((v & 0xFF) - (a & 0xFF));
    }
  } else if (above != NULL) {
    const uint8_t *values = row, *up = above;
    for (uint32_t x = 0; x < width; x++) bytes[x] = (uint8_t)(values[x] - up[x]);
  } else {
    memcpy(bytes, row, width);
  }
}

struct fm_png_writer {
  fm_png_context context;
  char message[FM_MESSAGE_SIZE];
  uint32_t width, height, band_rows, next_row, band_filled;
  int bit_depth, streamed, failed;
  fm_png_filter filter;
  size_t row_bytes, filtered_row;
  struct libdeflate_compressor *compressor;
  size_t capacity;
  uint8_t *above;       // the last row given (what Up subtracts)
  uint8_t *filtered;    // a band of filtered rows (streamed), or the whole image (libdeflate)
  uint8_t *compressed;
  uint16_t *tokens;
  png_text *texts;
  FILE *file;
  png_structp png;
  png_infop info;
  fm_rle_deflate stream;
};

static void fm_png_writer_free(fm_png_writer *w) {
  png_destroy_write_struct(&w->png, &w->info);
  free(w->above);
  free(w->filtered);
  free(w->compressed);
  free(w->tokens);
  free(w->texts);
  if (w->compressor != NULL) libdeflate_free_compressor(w->compressor);
  if (w->file != NULL) fclose(w->file);
  free(w);
}

fm_status fm_png_writer_open(const char *path, uint32_t width, uint32_t height, int bit_depth, int compression_level,
                             fm_png_filter filter, const char *const *text_keys, const char *const *text_values,
                             int text_count, fm_png_writer **out, char *message) {
  message[0] = '\0';
  *out = NULL;
  fm_png_writer *w = calloc(1, sizeof(fm_png_writer));
  if (w == NULL) {
    snprintf(message, FM_MESSAGE_SIZE, "out of memory");
    return FM_ERR_NO_MEMORY;
  }
  w->context.message = w->message;
  w->width = width;
  w->height = height;
  w->bit_depth = bit_depth;
  w->filter = filter;
  w->row_bytes = (size_t)width * ((size_t)bit_depth / 8);
  w->filtered_row = w->row_bytes + 1;
  w->streamed = compression_level <= 1;
  w->band_rows = height;
  if (w->streamed) {
    size_t rows = FM_STREAMED_BAND_BYTES / w->filtered_row;
    w->band_rows = rows < 1 ? 1 : (rows < height ? (uint32_t)rows : height);
  }
  size_t band_size = w->filtered_row * w->band_rows;
  w->compressor = w->streamed ? NULL : libdeflate_alloc_compressor(compression_level);
  w->capacity = w->streamed ? 2 + FM_STREAMED_IDAT_BYTES + fm_rle_deflate_block_bound(band_size)
                            : (w->compressor == NULL ? 0 : libdeflate_zlib_compress_bound(w->compressor, band_size));
  w->above = malloc(w->row_bytes > 0 ? w->row_bytes : 1);
  w->filtered = malloc(band_size > 0 ? band_size : 1);
  w->compressed = w->capacity == 0 ? NULL : malloc(w->capacity);
  w->tokens = w->streamed ? malloc((band_size + 64) * sizeof(uint16_t)) : NULL;
  if (w->above == NULL || w->filtered == NULL || w->compressed == NULL || (w->streamed && w->tokens == NULL)) {
    snprintf(message, FM_MESSAGE_SIZE, "out of memory for a %ux%u map", width, height);
    fm_png_writer_free(w);
    return FM_ERR_NO_MEMORY;
  }
  w->file = fopen(path, "wb");
  if (w->file == NULL) {
    snprintf(message, FM_MESSAGE_SIZE, "cannot create the file");
    fm_png_writer_free(w);
    return FM_ERR_IO;
  }
  w->context.file = w->file;
  w->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &w->context, fm_png_error, fm_png_warning);
  w->info = w->png == NULL ? NULL : png_create_info_struct(w->png);
  if (w->png == NULL || w->info == NULL) {
    snprintf(message, FM_MESSAGE_SIZE, "out of memory");
    fm_png_writer_free(w);
    return FM_ERR_NO_MEMORY;
  }
  if (setjmp(w->context.escape)) {  // libpng's errors: a failed write, mostly
    snprintf(message, FM_MESSAGE_SIZE, "%s", w->message);
    fm_png_writer_free(w);
    return FM_ERR_IO;
  }
  png_set_write_fn(w->png, &w->context, fm_png_write_file, fm_png_flush_file);
  png_set_IHDR(w->png, w->info, width, height, bit_depth, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (text_count > 0) {
    w->texts = calloc((size_t)text_count, sizeof(png_text));
    if (w->texts == NULL) png_error(w->png, "out of memory");
    for (int i = 0; i < text_count; i++) {
      w->texts[i].compression = PNG_TEXT_COMPRESSION_NONE;
      w->texts[i].key = (png_charp)text_keys[i];
      w->texts[i].text = (png_charp)text_values[i];
    }
    png_set_text(w->png, w->info, w->texts, text_count);  // libpng copies the texts
  }
  png_write_info(w->png, w->info);
  if (w->streamed) fm_rle_deflate_begin(&w->stream, w->compressed, w->capacity, w->tokens, band_size + 64, compression_level == 0);
  *out = w;
  return FM_OK;
}

// The filtered band so far, compressed and written as IDAT chunks when enough has gathered (or it is the last).
static void fm_png_writer_flush_band(fm_png_writer *w) {
  int last = w->next_row == w->height;
  if (!fm_rle_deflate_block(&w->stream, w->filtered, w->filtered_row * w->band_filled, last)) png_error(w->png, "compression failed");
  w->band_filled = 0;
  size_t ready = (size_t)(w->stream.next - w->stream.start);
  if (ready >= FM_STREAMED_IDAT_BYTES || (last && ready > 0)) {
    png_write_chunk(w->png, (png_const_bytep) "IDAT", w->stream.start, ready);
    fm_rle_deflate_rewind(&w->stream);
  }
}

fm_status fm_png_writer_rows(fm_png_writer *w, const void *rows, uint32_t count) {
  if (w->failed) return FM_ERR_IO;
  if (setjmp(w->context.escape)) {
    w->failed = 1;
    return FM_ERR_IO;
  }
  if (count > w->height - w->next_row) png_error(w->png, "more rows than the image has");
  const uint8_t *row = rows;
  for (uint32_t r = 0; r < count; r++, row += w->row_bytes) {
    // Streamed: a band's rows; libdeflate: the whole image's. The row above is the caller's, but for the
    // first row of a call (kept from the call before).
    uint32_t slot = w->streamed ? w->band_filled : w->next_row;
    const uint8_t *above = w->next_row == 0 ? NULL : (r == 0 ? w->above : row - w->row_bytes);
    fm_png_filter_row(w->filtered + w->filtered_row * slot, row, above, w->width, w->bit_depth, w->filter);
    if (r + 1 == count) memcpy(w->above, row, w->row_bytes);
    w->next_row++;
    w->band_filled++;
    if (w->streamed && (w->band_filled == w->band_rows || w->next_row == w->height)) fm_png_writer_flush_band(w);
  }
  return FM_OK;
}

fm_status fm_png_writer_close(fm_png_writer *w, int finish, char *message) {
  message[0] = '\0';
  if (!finish) {
    fm_png_writer_free(w);
    return FM_OK;
  }
  fm_status status = FM_OK;
  if (w->failed || w->next_row != w->height) {
    snprintf(message, FM_MESSAGE_SIZE, "%s", w->failed ? w->message : "not every row was given");
    fm_png_writer_free(w);
    return FM_ERR_IO;
  }
  if (setjmp(w->context.escape)) {
    snprintf(message, FM_MESSAGE_SIZE, "%s", w->message);
    fm_png_writer_free(w);
    return FM_ERR_IO;
  }
  if (!w->streamed) {
    size_t size = w->filtered_row * w->height;
    size_t compressed_size = libdeflate_zlib_compress(w->compressor, w->filtered, size, w->compressed, w->capacity);
    if (compressed_size == 0) png_error(w->png, "compression failed");
    for (size_t offset = 0; offset < compressed_size; offset += FM_IDAT_PIECE) {
      size_t piece = compressed_size - offset < FM_IDAT_PIECE ? compressed_size - offset : FM_IDAT_PIECE;
      png_write_chunk(w->png, (png_const_bytep) "IDAT", w->compressed + offset, piece);
    }
  }
  png_write_chunk(w->png, (png_const_bytep) "IEND", NULL, 0);
  // The last bytes reach the disk (or fail to) here.
  FILE *file = w->file;
  w->file = NULL;
  int failed = fflush(file) != 0 || ferror(file);
  int saved = errno;
  if (fclose(file) != 0 && !failed) {
    failed = 1;
    saved = errno;
  }
  if (failed) {
    snprintf(message, FM_MESSAGE_SIZE, "%s", strerror(saved));
    status = FM_ERR_IO;
  }
  fm_png_writer_free(w);
  return status;
}

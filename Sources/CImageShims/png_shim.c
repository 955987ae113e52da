// PNG decoding and grayscale PNG encoding through libpng, with every setjmp inside this file.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "ImageShims.h"

// libpng's own limit is 1,000,000 pixels a side; featuremaps checks the pixel count itself as well.
#define FM_PNG_MAX_SIDE 1000000
// Ancillary chunks (iCCP, zTXt...) may not make libpng allocate more than this.
#define FM_PNG_MAX_CHUNK_BYTES (16u * 1024u * 1024u)

typedef struct {
  jmp_buf escape;
  char *message;  // FM_MESSAGE_SIZE bytes
  char *warning;  // FM_MESSAGE_SIZE bytes, or NULL to ignore warnings
  uint32_t *warning_count;
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

struct fm_png_writer {
  fm_png_context context;
  png_structp png;
  png_infop info;
  FILE *file;
  uint32_t width;
  int bit_depth;
};

static void fm_png_writer_free(fm_png_writer *writer) {
  png_destroy_write_struct(&writer->png, writer->info == NULL ? NULL : &writer->info);
  if (writer->file != NULL) fclose(writer->file);
  free(writer);
}

fm_png_writer *fm_png_writer_open(const char *path, uint32_t width, uint32_t height, int bit_depth,
                                  int compression_level, fm_png_filter filter, const char *const *text_keys,
                                  const char *const *text_values, int text_count, char *message) {
  message[0] = '\0';
  fm_png_writer *writer = calloc(1, sizeof(fm_png_writer));
  if (writer == NULL) {
    snprintf(message, FM_MESSAGE_SIZE, "out of memory");
    return NULL;
  }
  writer->context.message = message;
  writer->width = width;
  writer->bit_depth = bit_depth;
  writer->file = fopen(path, "wb");
  if (writer->file == NULL) {
    snprintf(message, FM_MESSAGE_SIZE, "cannot create the file");
    free(writer);
    return NULL;
  }
  writer->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer->context, fm_png_error, fm_png_warning);
  if (writer->png == NULL) {
    snprintf(message, FM_MESSAGE_SIZE, "out of memory");
    fm_png_writer_free(writer);
    return NULL;
  }
  writer->info = png_create_info_struct(writer->png);
  if (setjmp(writer->context.escape)) {
    fm_png_writer_free(writer);
    return NULL;
  }
  if (writer->info == NULL) png_error(writer->png, "out of memory");
  png_init_io(writer->png, writer->file);
  png_set_compression_level(writer->png, compression_level);
  int filters = filter == FM_PNG_FILTER_NONE ? PNG_FILTER_NONE
                : filter == FM_PNG_FILTER_UP ? PNG_FILTER_UP
                                             : PNG_ALL_FILTERS;
  png_set_filter(writer->png, PNG_FILTER_TYPE_BASE, filters);
  png_set_IHDR(writer->png, writer->info, width, height, bit_depth, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (text_count > 0) {
    png_text *texts = calloc((size_t)text_count, sizeof(png_text));
    if (texts == NULL) png_error(writer->png, "out of memory");
    for (int i = 0; i < text_count; i++) {
      texts[i].compression = PNG_TEXT_COMPRESSION_NONE;
      texts[i].key = (png_charp)text_keys[i];
      texts[i].text = (png_charp)text_values[i];
    }
    png_set_text(writer->png, writer->info, texts, text_count);  // libpng copies the texts
    free(texts);
  }
  png_write_info(writer->png, writer->info);
  if (bit_depth == 16) png_set_swap(writer->png);
  return writer;
}

fm_status fm_png_writer_write_rows(fm_png_writer *writer, const void *rows, uint32_t row_count, char *message) {
  writer->context.message = message;
  message[0] = '\0';
  size_t row_bytes = (size_t)writer->width * (size_t)(writer->bit_depth / 8);
  if (setjmp(writer->context.escape)) return FM_ERR_IO;
  for (uint32_t y = 0; y < row_count; y++)
    png_write_row(writer->png, (png_const_bytep)rows + row_bytes * y);
  return FM_OK;
}

fm_status fm_png_writer_finish(fm_png_writer *writer, char *message) {
  writer->context.message = message;
  message[0] = '\0';
  if (setjmp(writer->context.escape)) {
    fm_png_writer_free(writer);
    return FM_ERR_IO;
  }
  png_write_end(writer->png, NULL);
  FILE *file = writer->file;
  writer->file = NULL;
  int failed = fflush(file) != 0 || ferror(file);
  failed |= fclose(file) != 0;
  fm_png_writer_free(writer);
  if (failed) {
    snprintf(message, FM_MESSAGE_SIZE, "write failed (disk full?)");
    return FM_ERR_IO;
  }
  return FM_OK;
}

void fm_png_writer_abandon(fm_png_writer *writer) { fm_png_writer_free(writer); }

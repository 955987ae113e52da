// JPEG decoding through libjpeg(-turbo), with every setjmp inside this file.
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "ImageShims.h"

// A progressive file can hold any number of scans, and each one makes libjpeg redo work over the whole
// picture: damaged files use this to run for minutes. No real encoder writes more than a few dozen.
#define FM_JPEG_MAX_SCANS 500

typedef struct {
  struct jpeg_error_mgr pub;  // must be first: libjpeg hands us a pointer to it
  struct jpeg_progress_mgr progress;
  jmp_buf escape;
  fm_status status;
  fm_decoded *out;
  int truncated;
  unsigned truncated_at_scanline;
} fm_jpeg_context;

static void fm_jpeg_error_exit(j_common_ptr cinfo) {
  fm_jpeg_context *context = (fm_jpeg_context *)cinfo->err;
  if (context->status == FM_OK) {
    int code = cinfo->err->msg_code;
    if (code == JERR_BAD_PRECISION) {
      int bits = cinfo->err->msg_parm.i[0];
      snprintf(context->out->message, FM_MESSAGE_SIZE,
               "%d-bit JPEG is not supported: this build of libjpeg decodes 8-bit samples only", bits);
      context->status = FM_ERR_UNSUPPORTED;
    } else if (code == JERR_SOF_UNSUPPORTED && (cinfo->err->msg_parm.i[0] & 0x03) == 0x03) {
      snprintf(context->out->message, FM_MESSAGE_SIZE,
               "lossless JPEG (SOF%d) is not supported by libjpeg-turbo 2.1", cinfo->err->msg_parm.i[0] & 0x0f);
      context->status = FM_ERR_UNSUPPORTED;
    } else if (code == JERR_SOF_UNSUPPORTED || code == JERR_NOT_COMPILED || code == JERR_ARITH_NOTIMPL) {
      char text[JMSG_LENGTH_MAX];
      cinfo->err->format_message(cinfo, text);
      snprintf(context->out->message, FM_MESSAGE_SIZE, "unsupported JPEG: %s", text);
      context->status = FM_ERR_UNSUPPORTED;
    } else if (code == JERR_OUT_OF_MEMORY) {
      snprintf(context->out->message, FM_MESSAGE_SIZE, "out of memory while decoding the JPEG");
      context->status = FM_ERR_NO_MEMORY;
    } else if (code == JERR_INPUT_EMPTY) {
      snprintf(context->out->message, FM_MESSAGE_SIZE, "empty file");
      context->status = FM_ERR_TRUNCATED;
    } else {
      char text[JMSG_LENGTH_MAX];
      cinfo->err->format_message(cinfo, text);
      snprintf(context->out->message, FM_MESSAGE_SIZE, "corrupt JPEG: %s", text);
      context->status = FM_ERR_CORRUPT;
    }
  }
  longjmp(context->escape, 1);
}

// libjpeg's default prints to stderr; featuremaps keeps the first warning and counts the rest.
static void fm_jpeg_output_message(j_common_ptr cinfo) {
  fm_jpeg_context *context = (fm_jpeg_context *)cinfo->err;
  if (context->out->warning[0] == '\0') {
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    snprintf(context->out->warning, FM_MESSAGE_SIZE, "%s", text);
  }
}

static void fm_jpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  fm_jpeg_context *context = (fm_jpeg_context *)cinfo->err;
  if (cinfo->err->msg_code == JWRN_JPEG_EOF && !context->truncated) {
    context->truncated = 1;
    context->truncated_at_scanline = ((j_decompress_ptr)cinfo)->output_scanline;
    return;
  }
  context->out->warning_count += 1;
  cinfo->err->output_message(cinfo);
}

static void fm_jpeg_progress(j_common_ptr cinfo) {
  j_decompress_ptr dinfo = (j_decompress_ptr)cinfo;
  if (dinfo->progressive_mode && dinfo->input_scan_number > FM_JPEG_MAX_SCANS) {
    fm_jpeg_context *context = (fm_jpeg_context *)cinfo->err;
    snprintf(context->out->message, FM_MESSAGE_SIZE,
             "corrupt JPEG: more than %d progressive scans", FM_JPEG_MAX_SCANS);
    context->status = FM_ERR_CORRUPT;
    longjmp(context->escape, 1);
  }
}

static void fm_copy_exif(j_decompress_ptr cinfo, fm_decoded *out) {
  static const char exif_header[6] = {'E', 'x', 'i', 'f', 0, 0};
  for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker != NULL; marker = marker->next) {
    if (marker->marker != JPEG_APP0 + 1 || marker->data_length <= 6) continue;
    if (memcmp(marker->data, exif_header, 6) != 0) continue;
    out->exif_size = marker->data_length - 6;
    out->exif = malloc(out->exif_size);
    if (out->exif == NULL) {
      out->exif_size = 0;
      return;
    }
    memcpy(out->exif, marker->data + 6, out->exif_size);
    return;
  }
}

fm_status fm_jpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int allow_truncated,
                         fm_decoded *out) {
  memset(out, 0, sizeof(*out));
  struct jpeg_decompress_struct cinfo;
  fm_jpeg_context context;
  memset(&context, 0, sizeof(context));
  context.out = out;
  cinfo.err = jpeg_std_error(&context.pub);
  context.pub.error_exit = fm_jpeg_error_exit;
  context.pub.output_message = fm_jpeg_output_message;
  context.pub.emit_message = fm_jpeg_emit_message;
  context.progress.progress_monitor = fm_jpeg_progress;

  // Volatile: these change between setjmp and a possible longjmp back to it.
  uint8_t *volatile samples = NULL;

  if (setjmp(context.escape)) {
    free(samples);
    fm_decoded_free(out);
    jpeg_destroy_decompress(&cinfo);
    return context.status == FM_OK ? FM_ERR_CORRUPT : context.status;
  }

  jpeg_create_decompress(&cinfo);
  cinfo.progress = &context.progress;
  jpeg_mem_src(&cinfo, data, (unsigned long)size);
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);

  uint64_t pixels = (uint64_t)cinfo.image_width * cinfo.image_height;
  if (pixels > max_pixels) {
    // The caller words the message: it knows the limit's name and how to raise it.
    out->width = cinfo.image_width;
    out->height = cinfo.image_height;
    jpeg_destroy_decompress(&cinfo);
    return FM_ERR_TOO_LARGE;
  }
  fm_copy_exif(&cinfo, out);

  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      out->color = FM_COLOR_GRAY;
      break;
    case JCS_CMYK:
    case JCS_YCCK:  // libjpeg turns YCCK into CMYK
      cinfo.out_color_space = JCS_CMYK;
      out->color = cinfo.saw_Adobe_marker ? FM_COLOR_CMYK_INVERTED : FM_COLOR_CMYK;
      break;
    default:
      cinfo.out_color_space = JCS_RGB;
      out->color = FM_COLOR_RGB;
      break;
  }
  jpeg_start_decompress(&cinfo);

  size_t row_size = (size_t)cinfo.output_width * cinfo.output_components;
  samples = malloc(row_size * cinfo.output_height);
  if (samples == NULL) {
    snprintf(out->message, FM_MESSAGE_SIZE, "out of memory for a %ux%u picture", cinfo.output_width,
             cinfo.output_height);
    context.status = FM_ERR_NO_MEMORY;
    longjmp(context.escape, 1);
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = samples + row_size * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  if (context.truncated && !allow_truncated) {
    if (cinfo.progressive_mode || context.truncated_at_scanline == 0) {
      snprintf(out->message, FM_MESSAGE_SIZE,
               "truncated JPEG: premature end of data before all scans were read");
    } else {
      snprintf(out->message, FM_MESSAGE_SIZE,
               "truncated JPEG: premature end of data after %u%% of the scanlines",
               (unsigned)(100.0 * context.truncated_at_scanline / cinfo.output_height));
    }
    context.status = FM_ERR_TRUNCATED;
    longjmp(context.escape, 1);
  }
  jpeg_finish_decompress(&cinfo);

  out->width = cinfo.output_width;
  out->height = cinfo.output_height;
  out->channels = (uint32_t)cinfo.output_components;
  out->bit_depth = 8;
  out->samples = samples;
  if (context.truncated) {
    out->warning_count += 1;
    if (out->warning[0] == '\0') snprintf(out->warning, FM_MESSAGE_SIZE, "premature end of JPEG file");
  }
  jpeg_destroy_decompress(&cinfo);
  return FM_OK;
}

void fm_decoded_free(fm_decoded *decoded) {
  free(decoded->samples);
  decoded->samples = NULL;
  free(decoded->exif);
  decoded->exif = NULL;
  decoded->exif_size = 0;
}

// HDF5Shims: the only place where featuremaps calls libhdf5, to read float datasets of Keras weights files.
//
// libhdf5 prints an error stack to standard error unless told not to, and some of its type names are
// macros Swift cannot import. These functions turn the printing off, keep every libhdf5 call in C (in a
// child process: see hdf5_shim.c), and return a status and a one-line message instead. libhdf5 is not
// thread-safe: the caller serializes calls.
#ifndef FEATUREMAPS_HDF5_SHIMS_H
#define FEATUREMAPS_HDF5_SHIMS_H

#include <stdint.h>

#define FM_H5_MESSAGE_SIZE 320
#define FM_H5_NAME_SIZE 1024
#define FM_H5_MAX_RANK 8

typedef struct {
  char name[FM_H5_NAME_SIZE];  // the path from the root, e.g. "block1/layers/conv2d/vars/0"
  int rank;                    // -1 when more than FM_H5_MAX_RANK
  uint64_t dims[FM_H5_MAX_RANK];
  int is_float;                // the stored type is a floating-point type
  int element_size;            // bytes per stored element
} fm_h5_dataset;

/// Lists the datasets of the HDF5 file at `path` reachable from the root, in name order: fills up to
/// `capacity` of `out` and returns how many there are (which may be more than `capacity`), or -1 and a
/// message. Runs libhdf5 in a child process, so that a file that makes it crash is a refusal.
int fm_h5_list_file(const char *path, fm_h5_dataset *out, int capacity, char *message);

/// Reads dataset `name` of the file at `path`, which must hold exactly `count` floating-point elements,
/// converted to float; 0, or -1 and a message. In a child process too.
int fm_h5_read_float_file(const char *path, const char *name, float *out, uint64_t count, char *message);

#endif

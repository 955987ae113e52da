// Float datasets of HDF5 files through libhdf5 (see HDF5Shims.h).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

#include "HDF5Shims.h"

static void fm_h5_quiet(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }

static int fm_h5_open(const char *path, int64_t *file, char *message) {
  fm_h5_quiet();
  if (H5Fis_hdf5(path) <= 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "is not an HDF5 file libhdf5 can read (damaged or truncated?)");
    return -1;
  }
  hid_t id = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (id < 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "cannot be opened by libhdf5 (damaged or truncated?)");
    return -1;
  }
  *file = id;
  return 0;
}

static void fm_h5_close(int64_t file) { H5Fclose((hid_t)file); }

typedef struct {
  fm_h5_dataset *out;
  int capacity;
  int count;
  int too_long;
} fm_h5_listing;

// Called for every link below the root; a link that opens as a dataset is listed.
#if H5_VERSION_GE(1, 12, 0)
static herr_t fm_h5_visit(hid_t group, const char *name, const H5L_info2_t *info, void *data) {
#else
static herr_t fm_h5_visit(hid_t group, const char *name, const H5L_info_t *info, void *data) {
#endif
  (void)info;
  fm_h5_listing *listing = data;
  if (H5Oexists_by_name(group, name, H5P_DEFAULT) <= 0) return 0;  // a dangling soft link
  H5O_type_t type;
  hid_t object = H5Oopen(group, name, H5P_DEFAULT);
  if (object < 0) return 0;
  type = H5Iget_type(object) == H5I_DATASET ? H5O_TYPE_DATASET : H5O_TYPE_GROUP;
  if (type == H5O_TYPE_DATASET) {
    if (listing->count < listing->capacity) {
      fm_h5_dataset *d = &listing->out[listing->count];
      memset(d, 0, sizeof(*d));
      if (strlen(name) >= FM_H5_NAME_SIZE) listing->too_long = 1;
      snprintf(d->name, FM_H5_NAME_SIZE, "%s", name);
      hid_t space = H5Dget_space(object);
      int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
      if (rank > FM_H5_MAX_RANK || rank < 0) {
        d->rank = -1;
      } else {
        hsize_t dims[FM_H5_MAX_RANK];
        H5Sget_simple_extent_dims(space, dims, NULL);
        d->rank = rank;
        for (int i = 0; i < rank; i++) d->dims[i] = dims[i];
      }
      if (space >= 0) H5Sclose(space);
      hid_t stored = H5Dget_type(object);
      if (stored >= 0) {
        d->is_float = H5Tget_class(stored) == H5T_FLOAT;
        d->element_size = (int)H5Tget_size(stored);
        H5Tclose(stored);
      }
    }
    listing->count += 1;
  }
  H5Oclose(object);
  return 0;
}

static int fm_h5_list(int64_t file, fm_h5_dataset *out, int capacity, char *message) {
  fm_h5_quiet();
  fm_h5_listing listing = {.out = out, .capacity = capacity, .count = 0, .too_long = 0};
  if (H5Lvisit((hid_t)file, H5_INDEX_NAME, H5_ITER_INC, fm_h5_visit, &listing) < 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "its groups cannot be listed (damaged?)");
    return -1;
  }
  if (listing.too_long) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "holds a dataset name longer than %d bytes", FM_H5_NAME_SIZE - 1);
    return -1;
  }
  return listing.count;
}

static int fm_h5_read_float(int64_t file, const char *name, float *out, uint64_t count, char *message) {
  fm_h5_quiet();
  hid_t dataset = H5Dopen2((hid_t)file, name, H5P_DEFAULT);
  if (dataset < 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "dataset '%s' cannot be opened", name);
    return -1;
  }
  int status = -1;
  hid_t space = H5Dget_space(dataset);
  hid_t stored = H5Dget_type(dataset);
  if (space < 0 || stored < 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "dataset '%s' cannot be read (damaged?)", name);
  } else if (H5Tget_class(stored) != H5T_FLOAT) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "dataset '%s' does not hold floating-point numbers", name);
  } else if ((uint64_t)H5Sget_simple_extent_npoints(space) != count) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "dataset '%s' does not hold the %llu elements its shape says", name,
             (unsigned long long)count);
  } else if (H5Dread(dataset, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "dataset '%s' cannot be read (damaged or truncated?)", name);
  } else {
    status = 0;
  }
  if (stored >= 0) H5Tclose(stored);
  if (space >= 0) H5Sclose(space);
  H5Dclose(dataset);
  return status;
}

// --- Each call in a child process ---
//
// libhdf5 trusts a file's structure: some damaged files make it read through a null pointer (fuzz-hdf5
// found one in H5Lvisit, Tests/WeightsFilesTests/Files/hdf5-null-heap.h5). So every reading runs in a child
// process that shares only a buffer for its result with featuremaps: a crash there becomes the one-line
// error of a damaged file, and featuremaps goes on.

typedef struct {
  int status;  // 0 done, -1 refused with `message`
  int count;
  char message[FM_H5_MESSAGE_SIZE];
} fm_h5_result;

enum { FM_H5_HEADER = (sizeof(fm_h5_result) + 63) / 64 * 64 };  // the payload after it stays aligned

// A buffer the child writes and the parent reads: shared, anonymous.
static fm_h5_result *fm_h5_shared(size_t bytes, char *message) {
  void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "cannot be read: no memory for %zu bytes", bytes);
    return NULL;
  }
  return memory;
}

// In the child: a crash must end it quietly (the default actions), not run featuremaps' handlers.
static void fm_h5_child_signals(void) {
  const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
  for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) signal(signals[i], SIG_DFL);
}

// Waits for the child; 0 when it finished, else -1 with a message saying how it ended.
static int fm_h5_wait(pid_t child, char *message) {
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) {
      snprintf(message, FM_H5_MESSAGE_SIZE, "cannot be read: waiting for libhdf5's process failed (%s)", strerror(errno));
      return -1;
    }
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFSIGNALED(status))
    snprintf(message, FM_H5_MESSAGE_SIZE, "made libhdf5 crash (signal %d): the file is damaged", WTERMSIG(status));
  else
    snprintf(message, FM_H5_MESSAGE_SIZE, "made libhdf5 stop (status %d): the file is damaged", WEXITSTATUS(status));
  return -1;
}

// The child's work on the opened file: fills `result` (status, count, message) and `payload`.
typedef void (*fm_h5_work)(int64_t file, fm_h5_result *result, void *payload, const void *request);

// Runs `work` in a child process. On success (0), `*shared` holds the child's result and its payload after
// FM_H5_HEADER bytes: the caller copies what it needs and unmaps FM_H5_HEADER + `payload` bytes. Otherwise
// -1 and a message (the child's refusal, or how it ended).
static int fm_h5_in_child(const char *path, size_t payload, fm_h5_work work, const void *request, fm_h5_result **shared,
                          char *message) {
  const size_t bytes = FM_H5_HEADER + payload;
  fm_h5_result *result = fm_h5_shared(bytes, message);
  if (result == NULL) return -1;
  pid_t child = fork();
  if (child == 0) {
    fm_h5_child_signals();
    int64_t file;
    result->status = fm_h5_open(path, &file, result->message);
    if (result->status == 0) {
      work(file, result, (char *)result + FM_H5_HEADER, request);
      fm_h5_close(file);
    }
    _exit(0);
  }
  if (child < 0) {
    snprintf(message, FM_H5_MESSAGE_SIZE, "cannot be read: no process for libhdf5 (%s)", strerror(errno));
  } else if (fm_h5_wait(child, message) == 0) {
    if (result->status == 0) {
      *shared = result;
      return 0;
    }
    memcpy(message, result->message, FM_H5_MESSAGE_SIZE);
    message[FM_H5_MESSAGE_SIZE - 1] = '\0';
  }
  munmap(result, bytes);
  return -1;
}

static void fm_h5_list_work(int64_t file, fm_h5_result *result, void *payload, const void *request) {
  result->count = fm_h5_list(file, payload, *(const int *)request, result->message);
  result->status = result->count < 0 ? -1 : 0;
}

int fm_h5_list_file(const char *path, fm_h5_dataset *out, int capacity, char *message) {
  const size_t payload = (size_t)capacity * sizeof(fm_h5_dataset);
  fm_h5_result *shared;
  if (fm_h5_in_child(path, payload, fm_h5_list_work, &capacity, &shared, message) != 0) return -1;
  const int count = shared->count;
  memcpy(out, (char *)shared + FM_H5_HEADER, (size_t)(count < capacity ? count : capacity) * sizeof(fm_h5_dataset));
  munmap(shared, FM_H5_HEADER + payload);
  return count;
}

typedef struct {
  const char *name;
  uint64_t count;
} fm_h5_read_request;

static void fm_h5_read_work(int64_t file, fm_h5_result *result, void *payload, const void *request) {
  const fm_h5_read_request *read = request;
  result->status = fm_h5_read_float(file, read->name, payload, read->count, result->message);
}

int fm_h5_read_float_file(const char *path, const char *name, float *out, uint64_t count, char *message) {
  const size_t payload = (size_t)count * sizeof(float);
  const fm_h5_read_request request = {.name = name, .count = count};
  fm_h5_result *shared;
  if (fm_h5_in_child(path, payload, fm_h5_read_work, &request, &shared, message) != 0) return -1;
  memcpy(out, (char *)shared + FM_H5_HEADER, payload);
  munmap(shared, FM_H5_HEADER + payload);
  return 0;
}

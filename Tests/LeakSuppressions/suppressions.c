#include "LeakSuppressions.h"

// What the test process keeps until it ends, none of it featuremaps': LeakSanitizer asks for this list
// when the tests run under `swift test --sanitize=address`, so that the run needs no suppression file.
// Each entry was found with that command; the frame it names is outside featuremaps' sources.
__attribute__((used, visibility("default")))
const char *__lsan_default_suppressions(void) {
  return
      // XCTest keeps every test case instance (and what its properties hold) for the whole run.
      "leak:XCTMainMisc\n"
      // XCTest's expectation machinery keeps a weak reference slot.
      "leak:awaitUsingExpectation\n"
      // Foundation's Process.run keeps a weak reference slot per process started (tests that run the binary).
      "leak:s10Foundation7ProcessC3run\n"
      // fontconfig and cairo keep their caches in the test process (figure tests draw in-process; the
      // binary releases them at exit, the test process cannot know when the last test draws).
      "leak:libfontconfig.so\n"
      // libhdf5 leaks a few of its own objects when a damaged file fails to open (the hostile-file tests
      // read HDF5 files in-process; the binary reads them in a child process).
      "leak:libhdf5_serial.so\n";
}

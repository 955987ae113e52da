// LeakSanitizer reads __lsan_default_suppressions from the test process (see suppressions.c).
const char *__lsan_default_suppressions(void);

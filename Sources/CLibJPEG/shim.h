// jpeglib.h needs <stdio.h> and <stddef.h> before it: it uses FILE and size_t without including them.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>

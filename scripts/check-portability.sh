#!/usr/bin/env bash
# Checks what the x86-64 Linux build cannot show: every C file of the package compiles for arm64
# (clang --target=aarch64-linux-gnu -fsyntax-only, with the package's include folders and Debian's arm64
# headers), and no two paths under Sources/ or Tests/ differ only by case (a case-insensitive file
# system, macOS's default, would merge them). .ci/run installs the arm64 headers; see README "Building".
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
collisions=$(git ls-files Sources Tests Plugins | awk -F/ '{ p = ""; for (i = 1; i <= NF; i++) { p = p (i > 1 ? "/" : "") $i; print p } }' \
  | sort -u | awk '{ k = tolower($0); if (k in seen && seen[k] != $0) print seen[k] " <-> " $0; seen[k] = $0 }')
if [ -n "$collisions" ]; then
  echo "paths that differ only by case:"
  echo "$collisions"
  status=1
else
  echo "no two paths under Sources/, Tests/ or Plugins/ differ only by case"
fi

if [ ! -f /usr/include/aarch64-linux-gnu/bits/wordsize.h ]; then
  echo "the arm64 C headers are missing: dpkg --add-architecture arm64 && apt-get update &&"
  echo "  apt-get install libc6-dev:arm64 libjpeg-dev:arm64 libpng-dev:arm64 libdeflate-dev:arm64 (and libhdf5-dev for the HDF5 headers)"
  exit 1
fi
includes=()
for folder in Sources/*/include; do includes+=(-I "$folder"); done
# HDF5's headers are outside the default search path; Debian cannot install its arm64 package beside the
# x86-64 one, whose headers serve (both are LP64, and the check is for syntax).
includes+=(-I /usr/include/hdf5/serial)
for file in $(git ls-files 'Sources/*.c'); do
  if clang --target=aarch64-linux-gnu -fsyntax-only -Wall -Werror "${includes[@]}" "$file"; then
    echo "arm64: $file compiles"
  else
    echo "arm64: $file does NOT compile"
    status=1
  fi
done
exit $status

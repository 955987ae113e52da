#!/bin/sh
# embed-banks.sh OUTPUT_FOLDER BANKS_FOLDER: writes OUTPUT_FOLDER/EmbeddedBanks.swift, an enum with the name
# (file name without .json) and the exact text of every BANKS_FOLDER/*.json as raw string literals. Run by
# the EmbedBanks plugin when a bank changes; the file is replaced only when its text changes, so that an
# unchanged folder recompiles nothing. POSIX sh, so that it runs wherever Swift does.
set -eu
LC_ALL=C
export LC_ALL
output="$1/EmbeddedBanks.swift"
folder="$2"
draft="$output.draft.$$"
trap 'rm -f "$draft"' EXIT
{
  printf '// Generated at build time by the EmbedBanks plugin from Filters/*.json.\n\n'
  printf '/// The banks shipped in Filters/, by name, as their file text.\n'
  printf 'enum EmbeddedBanks {\n  static let files: [(name: String, json: String)] = [\n'
  for bank in "$folder"/*.json; do
    [ -f "$bank" ] || continue
    name=$(basename "$bank" .json)
    case "$name" in
      *[!A-Za-z0-9._-]*) echo "embed-banks: $bank: a bank's file name may hold letters, digits, '.', '_' and '-' only" >&2; exit 1 ;;
    esac
    if grep -q '"####' "$bank"; then
      echo "embed-banks: $bank: holds the text \"#### that ends the Swift string it is embedded in" >&2
      exit 1
    fi
    printf '    ("%s", ####"""\n' "$name"
    cat "$bank"
    printf '\n"""####),\n'
  done
  printf '  ]\n}\n'
} > "$draft"
if ! cmp -s "$draft" "$output"; then mv "$draft" "$output"; fi

// The run-length deflate encoder (see rle_deflate.h). Deflate's format is RFC 1951, zlib's wrapper
// RFC 1950. Each block is read once into tokens; their counts give the Huffman code lengths and the
// block's exact size in bits, and the tokens are then written.
#include "rle_deflate.h"

#include <libdeflate.h>
#include <pthread.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdlib.h>
#include <string.h>

enum {
  LITLEN_SYMBOLS = 286,  // 256 literals, end of block, 29 length codes
  END_OF_BLOCK = 256,
  MAX_CODE_BITS = 15,
  CODE_LENGTH_SYMBOLS = 19,
  MAX_CODE_LENGTH_BITS = 7,
  MIN_RUN = 3,
  MAX_RUN = 258,
  STORED_PIECE = 65535,  // a stored block's most bytes
};

// MARK: - Tables

// Match lengths 3...258: the length symbol, its extra bits and their value.
typedef struct {
  uint16_t symbol;
  uint8_t extra_bits;
  uint8_t extra_value;
} fm_length_code;

static fm_length_code length_codes[MAX_RUN + 1];

static const uint16_t length_bases[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                          31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t length_extra_bits[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                              2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

static void fill_length_codes(void) {
  const uint16_t *bases = length_bases;
  const uint8_t *extras = length_extra_bits;
  for (int code = 0; code < 29; code++) {
    int last = code == 28 ? MAX_RUN : (code == 27 ? 257 : bases[code + 1] - 1);  // 258 has its own code
    for (int length = bases[code]; length <= last; length++) {
      length_codes[length] = (fm_length_code){(uint16_t)(257 + code), extras[code], (uint8_t)(length - bases[code])};
    }
  }
}

static pthread_once_t length_codes_once = PTHREAD_ONCE_INIT;

// Deflate's bits and the word tricks below read and write bytes lowest first: on a big-endian machine the
// 64-bit words are byte-swapped on the way in and out.
static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t word;
  memcpy(&word, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  word = __builtin_bswap64(word);
#endif
  return word;
}

static inline void store_le64(uint8_t *p, uint64_t word) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  word = __builtin_bswap64(word);
#endif
  memcpy(p, &word, 8);
}

// MARK: - Huffman code lengths

// Lengths of an optimal prefix code for `frequencies` (zero for unused symbols), no longer than
// `limit` bits. When the optimal code is too deep, the counts are halved (keeping every used symbol)
// and the code built again: a flatter distribution gives a shallower tree, at a tiny cost in size.
static void code_lengths(const uint32_t *frequencies, int count, int limit, uint8_t *lengths) {
  uint32_t scaled[LITLEN_SYMBOLS];
  uint64_t leaves[LITLEN_SYMBOLS];  // frequency << 16 | symbol, sorted ascending
  uint32_t weight[2 * LITLEN_SYMBOLS];
  int parent[2 * LITLEN_SYMBOLS];
  memcpy(scaled, frequencies, sizeof(uint32_t) * (size_t)count);
  for (;;) {
    int used = 0;
    for (int s = 0; s < count; s++) {
      lengths[s] = 0;
      if (scaled[s] > 0) leaves[used++] = (uint64_t)scaled[s] << 16 | (uint64_t)s;
    }
    if (used == 0) return;
    if (used == 1) {  // one symbol still needs one bit
      lengths[leaves[0] & 0xFFFF] = 1;
      return;
    }
    for (int i = 1; i < used; i++) {  // insertion sort: at most 286 leaves, mostly in order already
      uint64_t key = leaves[i];
      int j = i - 1;
      while (j >= 0 && leaves[j] > key) leaves[j + 1] = leaves[j], j--;
      leaves[j + 1] = key;
    }
    // Two queues: the sorted leaves (nodes 0..used-1) and the merged nodes (used...), which are made
    // in order of weight, so the two lightest nodes are always at the front of one or the other.
    for (int i = 0; i < used; i++) weight[i] = (uint32_t)(leaves[i] >> 16);
    int next_leaf = 0, next_merged = used, made = used;
    for (int step = 0; step < used - 1; step++) {
      int pick[2];
      for (int k = 0; k < 2; k++) {
        bool take_leaf = next_leaf < used && (next_merged == made || weight[next_leaf] <= weight[next_merged]);
        pick[k] = take_leaf ? next_leaf++ : next_merged++;
      }
      weight[made] = weight[pick[0]] + weight[pick[1]];
      parent[pick[0]] = parent[pick[1]] = made;
      made++;
    }
    // Depths top down: the root is the last node made, and every parent comes after its children.
    uint8_t depth[2 * LITLEN_SYMBOLS];
    depth[made - 1] = 0;
    int deepest = 0;
    for (int node = made - 2; node >= 0; node--) {
      depth[node] = (uint8_t)(depth[parent[node]] + 1);
      if (node < used && depth[node] > deepest) deepest = depth[node];
    }
    if (deepest <= limit) {
      for (int i = 0; i < used; i++) lengths[leaves[i] & 0xFFFF] = depth[i];
      return;
    }
    for (int s = 0; s < count; s++) {
      if (scaled[s] > 0) scaled[s] = (scaled[s] >> 1) | 1;
    }
  }
}

// Canonical codes for `lengths` (RFC 1951 3.2.2), bit-reversed because deflate sends codes from their
// first bit while the bit writer fills bytes from their lowest bit.
static void canonical_codes(const uint8_t *lengths, int count, uint16_t *codes) {
  uint16_t per_length[MAX_CODE_BITS + 1] = {0};
  for (int s = 0; s < count; s++) per_length[lengths[s]]++;
  per_length[0] = 0;
  uint16_t next[MAX_CODE_BITS + 1];
  uint16_t code = 0;
  for (int bits = 1; bits <= MAX_CODE_BITS; bits++) {
    code = (uint16_t)((code + per_length[bits - 1]) << 1);
    next[bits] = code;
  }
  for (int s = 0; s < count; s++) {
    int length = lengths[s];
    if (length == 0) continue;
    uint16_t value = next[length]++;
    uint16_t reversed = 0;
    for (int b = 0; b < length; b++) reversed = (uint16_t)(reversed << 1 | ((value >> b) & 1));
    codes[s] = reversed;
  }
}

// MARK: - Tokens

// A block becomes tokens first: 0-255 a literal, RUN_TOKEN + n a run of n (3...258) copies of the byte
// before (a match at distance 1). Counting them gives the codes; the tokens are then written with one
// table lookup each, without looking at the bytes again.
enum { RUN_TOKEN = 256, TOKEN_KINDS = RUN_TOKEN + MAX_RUN + 1 };

// How many bytes from `data` (at most `limit`) equal `value`, eight at a time.
static inline size_t run_length(const uint8_t *data, size_t limit, uint8_t value) {
  uint64_t pattern = 0x0101010101010101ull * value;
  size_t n = 0;
  while (n + 8 <= limit) {
    uint64_t differ = load_le64(data + n) ^ pattern;
    if (differ != 0) return n + (size_t)(__builtin_ctzll(differ) >> 3);  // the first byte is the lowest
    n += 8;
  }
  while (n < limit && data[n] == value) n++;
  return n;
}

// Bit j set when byte j of the 16 at `data` equals the byte before it (data[-1] must be readable).
static inline uint64_t repeats16(const uint8_t *data) {
#if defined(__SSE2__)
  __m128i bytes = _mm_loadu_si128((const __m128i *)data);
  __m128i before = _mm_loadu_si128((const __m128i *)(data - 1));
  return (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, before));
#else
  uint64_t mask = 0;
  for (int j = 0; j < 16; j++) mask |= (uint64_t)(data[j] == data[j - 1]) << j;
  return mask;
#endif
}

// The 64 bytes at `data` as bit masks: which repeat the byte before (`repeats`), and where a run may
// start (`starts`: bytes j, j+1 and j+2 all repeat). Reads data[-1] ... data[79].
typedef struct {
  uint64_t repeats;
  uint64_t starts;
} fm_window;

static inline fm_window window_at(const uint8_t *data) {
  uint64_t repeats = repeats16(data) | repeats16(data + 16) << 16 | repeats16(data + 32) << 32 | repeats16(data + 48) << 48;
  uint64_t next = repeats16(data + 64);
  uint64_t after1 = repeats >> 1 | next << 63;
  uint64_t after2 = repeats >> 2 | next << 62;
  return (fm_window){repeats, repeats & after1 & after2};
}

typedef struct {
  uint16_t *tokens;
  size_t count;
  uint32_t run_bytes[256];     // bytes the runs cover, by value: the literals are all bytes but these
  uint32_t runs[MAX_RUN + 1];  // by length
} fm_token_list;

static inline void add_literal(fm_token_list *list, uint8_t byte) { list->tokens[list->count++] = byte; }

// Up to 64 literals, stored as 64 tokens whatever `n` (one wide store; the list keeps room for it, and
// 64 bytes of `data` are readable).
static inline void add_literals64(fm_token_list *list, const uint8_t *data, size_t n) {
  uint16_t *out = list->tokens + list->count;
  for (size_t k = 0; k < 64; k++) out[k] = data[k];
  list->count += n;
}

static inline void add_run(fm_token_list *list, size_t length, uint8_t value) {
  list->tokens[list->count++] = (uint16_t)(RUN_TOKEN + length);
  list->runs[length]++;
  list->run_bytes[value] += (uint32_t)length;
}

// How often each byte value occurs, in four tables by position modulo 4: a stretch of one value (zeros,
// mostly) then increments four counters in turn instead of waiting on one.
static void byte_counts(const uint8_t *data, size_t size, uint32_t *counts) {
  uint32_t tables[4][256] = {{0}};
  size_t k = 0;
  for (; k + 4 <= size; k += 4) {
    tables[0][data[k]]++;
    tables[1][data[k + 1]]++;
    tables[2][data[k + 2]]++;
    tables[3][data[k + 3]]++;
  }
  for (; k < size; k++) tables[0][data[k]]++;
  for (int b = 0; b < 256; b++) counts[b] = tables[0][b] + tables[1][b] + tables[2][b] + tables[3][b];
}

// One token at `i` the plain way (near the block's ends); returns the bytes it covers.
static inline size_t tokenize_one(fm_token_list *list, const uint8_t *data, size_t i, size_t size, int previous) {
  if ((int)data[i] == previous) {
    size_t run = run_length(data + i, size - i < MAX_RUN ? size - i : MAX_RUN, data[i]);
    if (run >= MIN_RUN) {
      add_run(list, run, data[i]);
      return run;
    }
  }
  add_literal(list, data[i]);
  return 1;
}

// The tokens of a block, whose first byte follows `previous` (-1: nothing before). The bytes are looked
// at 64 at a time as masks: literals up to where a run may start, then the run's length from the mask.
static void tokenize(fm_token_list *list, const uint8_t *data, size_t size, int previous) {
  size_t i = 0;
  if (size > 0) i = tokenize_one(list, data, 0, size, previous);
  // While window_at can read its 80 bytes and add_literals64 its 64 from anywhere in the window.
  while (i + 128 <= size) {
    const size_t window = i;
    const fm_window masks = window_at(data + window);
    while (i < window + 64) {
      size_t offset = i - window;
      uint64_t ahead = masks.starts >> offset;
      if (ahead == 0) {
        add_literals64(list, data + i, 64 - offset);
        i = window + 64;
        break;
      }
      size_t literals = (size_t)__builtin_ctzll(ahead);
      add_literals64(list, data + i, literals);
      i += literals;
      offset += literals;
      // The run goes on while bytes repeat: within the window from the mask, beyond it byte by byte.
      uint64_t breaks = ~(masks.repeats >> offset);  // the bits shifted in count as breaks
      size_t run = breaks == 0 ? 64 : (size_t)__builtin_ctzll(breaks);
      if (offset + run == 64) {
        size_t beyond = size - (window + 64);
        run += run_length(data + window + 64, beyond < MAX_RUN ? beyond : MAX_RUN, data[i - 1]);
      }
      size_t left = size - i;
      if (run > MAX_RUN) run = MAX_RUN;
      if (run > left) run = left;
      add_run(list, run, data[i - 1]);
      i += run;
    }
  }
  while (i < size) i += tokenize_one(list, data, i, size, data[i - 1]);
}

typedef struct {
  uint8_t *next;
  uint64_t bits;
  unsigned count;
} fm_bit_writer;

// Appends `count` (<= 32) bits; the caller flushes before 57 bits are pending.
static inline void put_bits(fm_bit_writer *w, uint64_t value, unsigned count) {
  w->bits |= value << w->count;
  w->count += count;
}

// Stores the whole bytes (an 8-byte store: the buffer keeps 8 bytes of slack).
static inline void flush_bits(fm_bit_writer *w) {
  store_le64(w->next, w->bits);
  unsigned bytes = w->count >> 3;
  w->next += bytes;
  w->bits >>= bytes * 8;  // bytes <= 7: fewer than 57 bits were pending
  w->count &= 7;
}

// Writes the tokens, each kind's whole bit string (code, extra bits, distance code) in the low 24 bits of
// its `table` entry and its length in the top 8. A token takes at most 21 bits: two between flushes keep
// the writer under 57.
static void write_tokens(fm_bit_writer *w, const uint16_t *tokens, size_t count, const uint32_t *table) {
  size_t k = 0;
  for (; k + 2 <= count; k += 2) {
    uint32_t first = table[tokens[k]], second = table[tokens[k + 1]];
    put_bits(w, first & 0xFFFFFF, first >> 24);
    put_bits(w, second & 0xFFFFFF, second >> 24);
    flush_bits(w);
  }
  if (k < count) {
    put_bits(w, table[tokens[k]] & 0xFFFFFF, table[tokens[k]] >> 24);
    flush_bits(w);
  }
}

// MARK: - Writing blocks

size_t fm_rle_deflate_block_bound(size_t size) {
  size_t pieces = size / STORED_PIECE + 1;
  size_t overhead = pieces * 5 + 16;  // stored headers, the checksum, the bit writer's slack
  return size > SIZE_MAX - overhead ? SIZE_MAX : size + overhead;
}

void fm_rle_deflate_begin(fm_rle_deflate *stream, uint8_t *buffer, size_t capacity, uint16_t *tokens,
                          size_t token_capacity, bool stored_only) {
  pthread_once(&length_codes_once, fill_length_codes);
  *stream = (fm_rle_deflate){.start = buffer, .next = buffer + 2, .end = buffer + capacity, .previous = -1,
                             .adler = 1, .tokens = tokens, .token_capacity = token_capacity,
                             .stored_only = stored_only};
  buffer[0] = 0x78;  // deflate, 32 KiB window
  buffer[1] = 0x01;  // fastest-compression hint; 0x7801 is a multiple of 31
}

void fm_rle_deflate_rewind(fm_rle_deflate *stream) { stream->next = stream->start; }

static void write_stored(fm_bit_writer *w, const uint8_t *data, size_t size, bool last) {
  size_t offset = 0;
  do {
    size_t piece = size - offset < STORED_PIECE ? size - offset : STORED_PIECE;
    bool final_piece = offset + piece == size;
    put_bits(w, last && final_piece ? 1 : 0, 3);  // BFINAL, BTYPE 00
    w->count = (w->count + 7) & ~7u;              // to a byte boundary
    put_bits(w, piece | (uint64_t)(~piece & 0xFFFF) << 16, 32);
    flush_bits(w);
    memcpy(w->next, data + offset, piece);
    w->next += piece;
    offset += piece;
  } while (offset < size);
}

// The code lengths of both alphabets as one run-length coded sequence (RFC 1951 3.2.7): symbols 0-15
// are lengths, 16 repeats the previous 3-6 times, 17 gives 3-10 zeros, 18 gives 11-138 zeros.
typedef struct {
  uint8_t symbol[LITLEN_SYMBOLS + 32];
  uint8_t extra[LITLEN_SYMBOLS + 32];
  int count;
} fm_length_sequence;

static void encode_lengths(const uint8_t *lengths, int total, fm_length_sequence *out) {
  out->count = 0;
  int i = 0;
  while (i < total) {
    uint8_t value = lengths[i];
    int run = 1;
    while (i + run < total && lengths[i + run] == value) run++;
    int left = run;
    if (value == 0) {
      while (left >= 11) {
        int n = left < 138 ? left : 138;
        out->symbol[out->count] = 18, out->extra[out->count++] = (uint8_t)(n - 11), left -= n;
      }
      if (left >= 3) out->symbol[out->count] = 17, out->extra[out->count++] = (uint8_t)(left - 3), left = 0;
    } else {
      out->symbol[out->count] = value, out->extra[out->count++] = 0, left--;
      while (left >= 3) {
        int n = left < 6 ? left : 6;
        out->symbol[out->count] = 16, out->extra[out->count++] = (uint8_t)(n - 3), left -= n;
      }
    }
    while (left-- > 0) out->symbol[out->count] = value, out->extra[out->count++] = 0;
    i += run;
  }
}

static const uint8_t length_order[CODE_LENGTH_SYMBOLS] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
static const uint8_t sequence_extra_bits[CODE_LENGTH_SYMBOLS] = {[16] = 2, [17] = 3, [18] = 7};

// Two distance codes of one bit each, though only the first (distance 1) is used: a complete code, which
// every inflater accepts, for one bit more per block than a lone code.
enum { DISTANCE_CODES = 2 };

bool fm_rle_deflate_block(fm_rle_deflate *stream, const uint8_t *data, size_t size, bool last) {
  if ((size_t)(stream->end - stream->next) < fm_rle_deflate_block_bound(size) || size > SIZE_MAX - 64 ||
      stream->token_capacity < size + 64) {
    return false;
  }
  fm_bit_writer w = {stream->next, stream->bits, stream->bit_count};
  uint64_t stored_bits = (uint64_t)(size / STORED_PIECE + 1) * 40 + 8 * (uint64_t)size + 7;  // at most
  uint64_t huffman_bits = UINT64_MAX;

  fm_token_list list = {.tokens = stream->tokens};
  uint32_t counts[LITLEN_SYMBOLS] = {0};
  uint8_t lengths[LITLEN_SYMBOLS];  // of the literal/length codes
  fm_length_sequence sequence;
  uint8_t sequence_lengths[CODE_LENGTH_SYMBOLS];
  int literal_count = 0, order_count = 0;
  if (!stream->stored_only && size > 0) {
    tokenize(&list, data, size, stream->previous);
    byte_counts(data, size, counts);
    for (int b = 0; b < 256; b++) counts[b] -= list.run_bytes[b];
    counts[END_OF_BLOCK] = 1;
    for (int n = MIN_RUN; n <= MAX_RUN; n++) counts[length_codes[n].symbol] += list.runs[n];
    code_lengths(counts, LITLEN_SYMBOLS, MAX_CODE_BITS, lengths);
    literal_count = LITLEN_SYMBOLS;
    while (lengths[literal_count - 1] == 0) literal_count--;  // >= 257: the end of block is always there
    uint8_t sent[LITLEN_SYMBOLS + DISTANCE_CODES];
    memcpy(sent, lengths, (size_t)literal_count);
    sent[literal_count] = sent[literal_count + 1] = 1;
    encode_lengths(sent, literal_count + DISTANCE_CODES, &sequence);
    uint32_t sequence_counts[CODE_LENGTH_SYMBOLS] = {0};
    for (int i = 0; i < sequence.count; i++) sequence_counts[sequence.symbol[i]]++;
    if (sequence_counts[0] == 0) sequence_counts[0] = 1;  // two symbols at least: a complete code
    code_lengths(sequence_counts, CODE_LENGTH_SYMBOLS, MAX_CODE_LENGTH_BITS, sequence_lengths);
    order_count = CODE_LENGTH_SYMBOLS;
    while (order_count > 4 && sequence_lengths[length_order[order_count - 1]] == 0) order_count--;

    huffman_bits = 3 + 5 + 5 + 4 + 3 * (uint64_t)order_count;
    for (int i = 0; i < sequence.count; i++) {
      huffman_bits += sequence_lengths[sequence.symbol[i]] + sequence_extra_bits[sequence.symbol[i]];
    }
    for (int b = 0; b < 256; b++) huffman_bits += (uint64_t)counts[b] * lengths[b];
    for (int n = MIN_RUN; n <= MAX_RUN; n++) {
      fm_length_code c = length_codes[n];
      huffman_bits += (uint64_t)list.runs[n] * (lengths[c.symbol] + c.extra_bits + 1);  // + the distance bit
    }
    huffman_bits += lengths[END_OF_BLOCK];
  }

  if (huffman_bits < stored_bits) {
    uint16_t codes[LITLEN_SYMBOLS] = {0};
    uint16_t sequence_codes[CODE_LENGTH_SYMBOLS] = {0};
    canonical_codes(lengths, LITLEN_SYMBOLS, codes);
    canonical_codes(sequence_lengths, CODE_LENGTH_SYMBOLS, sequence_codes);
    put_bits(&w, (last ? 1u : 0u) | 2u << 1, 3);  // BFINAL, BTYPE 10: dynamic Huffman codes
    put_bits(&w, (uint64_t)(literal_count - 257) | (uint64_t)(DISTANCE_CODES - 1) << 5 | (uint64_t)(order_count - 4) << 10, 14);
    flush_bits(&w);
    for (int i = 0; i < order_count; i++) {
      put_bits(&w, sequence_lengths[length_order[i]], 3);
      flush_bits(&w);
    }
    for (int i = 0; i < sequence.count; i++) {
      uint8_t symbol = sequence.symbol[i];
      put_bits(&w, sequence_codes[symbol], sequence_lengths[symbol]);
      put_bits(&w, sequence.extra[i], sequence_extra_bits[symbol]);
      flush_bits(&w);
    }
    uint32_t table[TOKEN_KINDS];
    for (int b = 0; b < 256; b++) table[b] = codes[b] | (uint32_t)lengths[b] << 24;
    for (int n = MIN_RUN; n <= MAX_RUN; n++) {  // the length's code, its extra bits, then distance code 0
      fm_length_code c = length_codes[n];
      table[RUN_TOKEN + n] = (codes[c.symbol] | (uint32_t)c.extra_value << lengths[c.symbol]) |
                             (uint32_t)(lengths[c.symbol] + c.extra_bits + 1) << 24;
    }
    write_tokens(&w, list.tokens, list.count, table);
    put_bits(&w, codes[END_OF_BLOCK], lengths[END_OF_BLOCK]);
    flush_bits(&w);
  } else {
    write_stored(&w, data, size, last);
  }
  if (size > 0) stream->previous = data[size - 1];
  stream->adler = libdeflate_adler32(stream->adler, data, size);
  if (last) {  // zlib's trailer: the checksum, big-endian, from a byte boundary
    w.count = (w.count + 7) & ~7u;
    put_bits(&w, __builtin_bswap32(stream->adler), 32);
    flush_bits(&w);
  }
  stream->next = w.next;
  stream->bits = w.bits;
  stream->bit_count = w.count;
  return true;
}

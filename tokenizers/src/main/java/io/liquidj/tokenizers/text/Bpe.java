package io.liquidj.tokenizers.text;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of a {@code tokenizer.json}: a word's characters become symbols, then the pair with
 * the lowest merge rank (leftmost on ties) is merged until no pair has a merge, as tokenizers'
 * {@code Word::merge_all} does with its heap.
 *
 * <p>Characters missing from the vocabulary become their {@code <0xXX>} byte tokens when {@code
 * byteFallback} is set, else the unknown token (consecutive ones fused when {@code fuseUnk}), as in
 * tokenizers' {@code BPE::merge_word}. With {@code ignoreMerges} (Llama-3) a word that is itself in
 * the vocabulary is that one token.
 */
final class Bpe {
  private static final int CACHE_LIMIT = 100_000;
  private static final int CACHED_WORD_LENGTH = 128;

  private final Map<String, Integer> vocab;
  private final String[] tokens;
  private final PairMap merges;
  private final boolean byteFallback;
  private final int unkId;
  private final boolean fuseUnk;
  private final boolean ignoreMerges;
  private final boolean byteLevel;
  private final int[] byteTokens;
  /** The id of each single-character (BMP) token, -1 where none: the hot lookup of {@link #symbols}. */
  private final int[] charIds = new int[Character.MAX_VALUE + 1];
  private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * @param vocab token string to id
   * @param merges the merge list in rank order, each a pair of token strings
   * @param unkId the unknown token's id, or -1 for none
   * @param byteLevel words are mapped to GPT-2's byte-level characters before encoding
   */
  Bpe(Map<String, Integer> vocab, List<String[]> merges, boolean byteFallback, int unkId, boolean fuseUnk,
      boolean ignoreMerges, boolean byteLevel) {
    this.vocab = vocab;
    this.byteLevel = byteLevel;
    int size = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    this.tokens = new String[size];
    vocab.forEach((token, id) -> tokens[id] = token);
    this.byteFallback = byteFallback;
    this.unkId = unkId;
    this.fuseUnk = fuseUnk;
    this.ignoreMerges = ignoreMerges;
    Arrays.fill(charIds, -1);
    vocab.forEach((token, id) -> {
      if (token.length() == 1) {
        charIds[token.charAt(0)] = id;
      }
    });
    this.byteTokens = new int[256];
    for (int b = 0; b < 256; b++) {
      byteTokens[b] = vocab.getOrDefault(String.format("<0x%02X>", b), -1);
    }
    this.merges = new PairMap(merges.size());
    int rank = 0;
    for (String[] pair : merges) {
      Integer a = vocab.get(pair[0]);
      Integer b = vocab.get(pair[1]);
      Integer merged = vocab.get(pair[0] + pair[1]);
      if (a == null || b == null || merged == null) {
        throw new IllegalArgumentException("merge " + rank + " \"" + pair[0] + " " + pair[1] + "\" uses a token missing from the vocab");
      }
      // A repeated pair keeps its last rank, as tokenizers' HashMap collect does.
      this.merges.put(a, b, rank++, merged);
    }
  }

  /** One past the largest vocabulary id. */
  int size() {
    return tokens.length;
  }

  /** The token of {@code id}, or null. */
  String token(int id) {
    return id >= 0 && id < tokens.length ? tokens[id] : null;
  }

  /** The id of {@code token}, or null. */
  Integer id(String token) {
    return vocab.get(token);
  }

  /** Appends the ids of one pre-tokenized word (cached by the word as given, before byte-level mapping). */
  void encode(String word, IntList out) {
    if (word.isEmpty()) {
      return;
    }
    int[] cached = cache.get(word);
    if (cached == null) {
      cached = encodeUncached(word);
      if (word.length() <= CACHED_WORD_LENGTH) {
        if (cache.size() >= CACHE_LIMIT) {
          cache.clear();
        }
        cache.put(word, cached);
      }
    }
    out.addAll(cached);
  }

  private int[] encodeUncached(String text) {
    String word = byteLevel ? ByteLevel.map(text) : text;
    if (ignoreMerges) {
      Integer id = vocab.get(word);
      if (id != null) {
        return new int[] {id};
      }
    }
    return merge(symbols(word));
  }

  /** The initial symbols: one per character, byte tokens or the unknown token for missing ones. */
  private IntList symbols(String word) {
    IntList ids = new IntList(word.length());
    int pendingUnk = 0;
    for (int i = 0; i < word.length(); ) {
      int cp = word.codePointAt(i);
      int end = i + Character.charCount(cp);
      Integer id = cp <= Character.MAX_VALUE
          ? (charIds[cp] >= 0 ? Integer.valueOf(charIds[cp]) : null)
          : vocab.get(word.substring(i, end));
      i = end;
      if (id != null) {
        if (pendingUnk > 0) {
          ids.add(unkId);
          pendingUnk = 0;
        }
        ids.add(id);
        continue;
      }
      if (byteFallback) {
        byte[] bytes = Utf8.encode(new String(Character.toChars(cp)));
        boolean all = true;
        for (byte b : bytes) {
          all &= byteTokens[b & 0xFF] >= 0;
        }
        if (all) {
          // tokenizers adds the byte tokens without first flushing a pending unknown (BPE::merge_word).
          for (byte b : bytes) {
            ids.add(byteTokens[b & 0xFF]);
          }
          continue;
        }
      }
      if (unkId < 0) {
        throw new IllegalArgumentException("character U+" + Integer.toHexString(cp).toUpperCase()
            + " is not in the vocabulary and the tokenizer has no unk_token");
      }
      if (pendingUnk > 0 && !fuseUnk) {
        ids.add(unkId);
      }
      pendingUnk++;
    }
    if (pendingUnk > 0) {
      ids.add(unkId);
    }
    return ids;
  }

  /** Below this many symbols a linear scan for the best pair beats the heap. */
  private static final int SHORT_WORD = 32;

  private int[] merge(IntList symbols) {
    int n = symbols.size();
    int[] ids = symbols.toArray();
    if (n < 2) {
      return ids;
    }
    return n <= SHORT_WORD ? mergeShort(ids) : mergeLong(ids);
  }

  /** Repeatedly merges the pair of lowest rank, leftmost on ties (the heap's order). */
  private int[] mergeShort(int[] ids) {
    int n = ids.length;
    long[] pair = new long[n]; // pair[i]: the merge of (ids[i], ids[i + 1]) or ABSENT
    for (int i = 0; i + 1 < n; i++) {
      pair[i] = merges.get(ids[i], ids[i + 1]);
    }
    while (n > 1) {
      int best = -1;
      int bestRank = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < n; i++) {
        if (pair[i] != PairMap.ABSENT && PairMap.rank(pair[i]) < bestRank) {
          bestRank = PairMap.rank(pair[i]);
          best = i;
        }
      }
      if (best < 0) {
        break;
      }
      ids[best] = PairMap.mergedId(pair[best]);
      System.arraycopy(ids, best + 2, ids, best + 1, n - best - 2);
      System.arraycopy(pair, best + 2, pair, best + 1, n - best - 2);
      n--;
      pair[best] = best + 1 < n ? merges.get(ids[best], ids[best + 1]) : PairMap.ABSENT;
      if (best > 0) {
        pair[best - 1] = merges.get(ids[best - 1], ids[best]);
      }
    }
    return Arrays.copyOf(ids, n);
  }

  /** Merges by rank with a heap of (rank, position) pairs, lazily dropping stale entries. */
  private int[] mergeLong(int[] ids) {
    int n = ids.length;
    int[] prev = new int[n];
    int[] next = new int[n];
    for (int i = 0; i < n; i++) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    LongHeap heap = new LongHeap(n);
    for (int i = 0; i + 1 < n; i++) {
      push(heap, ids, i, i + 1);
    }
    boolean[] removed = new boolean[n];
    while (!heap.isEmpty()) {
      long top = heap.pop();
      int rank = (int) (top >>> 32);
      int pos = (int) top;
      int right = next[pos];
      if (removed[pos] || right < 0) {
        continue;
      }
      long merge = merges.get(ids[pos], ids[right]);
      if (merge == PairMap.ABSENT || PairMap.rank(merge) != rank) {
        continue;
      }
      ids[pos] = PairMap.mergedId(merge);
      removed[right] = true;
      next[pos] = next[right];
      if (next[pos] >= 0) {
        prev[next[pos]] = pos;
        push(heap, ids, pos, next[pos]);
      }
      if (prev[pos] >= 0) {
        push(heap, ids, prev[pos], pos);
      }
    }
    IntList out = new IntList(n);
    for (int i = 0; i >= 0; i = next[i]) {
      out.add(ids[i]);
    }
    return out.toArray();
  }

  private void push(LongHeap heap, int[] ids, int left, int right) {
    long merge = merges.get(ids[left], ids[right]);
    if (merge != PairMap.ABSENT) {
      heap.push(((long) PairMap.rank(merge) << 32) | left);
    }
  }

  /** Open-addressing map from a pair of ids to (rank, merged id), packed in a long. */
  static final class PairMap {
    static final long ABSENT = -1L;
    private final long[] keys;
    private final long[] values;
    private final int mask;

    PairMap(int expected) {
      int capacity = Integer.highestOneBit(Math.max(16, expected * 2 + 1)) << 1;
      keys = new long[capacity];
      values = new long[capacity];
      Arrays.fill(keys, -1L);
      mask = capacity - 1;
    }

    static int rank(long value) {
      return (int) (value >>> 32);
    }

    static int mergedId(long value) {
      return (int) value;
    }

    void put(int a, int b, int rank, int merged) {
      long key = ((long) a << 32) | (b & 0xFFFFFFFFL);
      int i = slot(key);
      while (keys[i] != -1L && keys[i] != key) {
        i = (i + 1) & mask;
      }
      keys[i] = key;
      values[i] = ((long) rank << 32) | (merged & 0xFFFFFFFFL);
    }

    long get(int a, int b) {
      long key = ((long) a << 32) | (b & 0xFFFFFFFFL);
      for (int i = slot(key); keys[i] != -1L; i = (i + 1) & mask) {
        if (keys[i] == key) {
          return values[i];
        }
      }
      return ABSENT;
    }

    private int slot(long key) {
      long h = key * 0x9E3779B97F4A7C15L;
      return (int) (h >>> 40) & mask;
    }
  }

  /** A binary min-heap of longs. */
  static final class LongHeap {
    private long[] heap;
    private int size;

    LongHeap(int capacity) {
      heap = new long[Math.max(4, capacity)];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void push(long v) {
      if (size == heap.length) {
        heap = Arrays.copyOf(heap, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int parent = (i - 1) >>> 1;
        if (heap[parent] <= v) {
          break;
        }
        heap[i] = heap[parent];
        i = parent;
      }
      heap[i] = v;
    }

    long pop() {
      long top = heap[0];
      long last = heap[--size];
      int i = 0;
      while (true) {
        int child = 2 * i + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && heap[child + 1] < heap[child]) {
          child++;
        }
        if (heap[child] >= last) {
          break;
        }
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
      return top;
    }
  }
}

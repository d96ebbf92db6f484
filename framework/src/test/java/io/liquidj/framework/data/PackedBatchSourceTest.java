package io.liquidj.framework.data;

import static io.liquidj.framework.data.TestData.VOCAB;
import static io.liquidj.framework.data.TestData.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackedBatchSourceTest {
  private static final int BOS = CharTokenizer.BOS;
  private static final int EOS = CharTokenizer.EOS;

  @TempDir Path dir;

  private Path folder(String name, List<Example> examples) throws IOException {
    Path f = Files.createDirectories(dir.resolve(name));
    int half = examples.size() / 2; // two shards, to exercise the global index
    TestData.shard(f, "a.lqd", examples.subList(0, half));
    TestData.shard(f, "b.lqd", examples.subList(half, examples.size()));
    return f;
  }

  private PackedBatchSource open(String settings, int batchSize) {
    return PackedBatchSource.open(TestData.settings(settings), VOCAB, TestData.TOKENIZER, batchSize);
  }

  private static String source(Path p, double ratio) {
    return "{ path = \"" + p + "\", ratio = " + ratio + " }";
  }

  @Test
  void textIsSplitAtRowEndsWithPositionsRestartingAndNoLossAcrossTheCut() throws IOException {
    Path text = folder("text", List.of(Example.text(ids("abcdefghij")), Example.text(ids("abcdefghij"))));
    try (var source = open("max-length = 8, sources = [" + source(text, 1) + "]", 2)) {
      Batch b = source.next();
      int[] row0 = {BOS, 'a', 'b', 'c', 'd', 'e', 'f', 'g'};
      int[] row1 = {'h', 'i', 'j', EOS, BOS, 'a', 'b', 'c'};
      assertArrayEquals(concat(row0, row1), b.inputIds());
      assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 0, 1, 2, 3}, b.positions());
      assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2}, b.segmentIds());
      assertArrayEquals(new int[] {'a', 'b', 'c', 'd', 'e', 'f', 'g'}, Arrays.copyOfRange(b.targetIds(), 0, 7));
      assertArrayEquals(new int[] {'i', 'j', EOS}, Arrays.copyOfRange(b.targetIds(), 8, 11));
      assertArrayEquals(new int[] {'a', 'b', 'c'}, Arrays.copyOfRange(b.targetIds(), 12, 15));
      assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0}, b.lossWeights());
    }
  }

  @Test
  void imageSequencesAreNeverSplitAndRowsArePadded() throws IOException {
    Path pairs = folder("pairs", List.of(TestData.pair("x", 5), TestData.pair("y", 5)));
    // t2i with an empty suffix: bos, caption, boi, 4 codes, eoi, eos = 9 tokens; two never fit in 12.
    try (var source = open("max-length = 12, reverse-ratio = 0, cfg-dropout = 0, t2i-suffix = \"\", "
        + "sources = [" + source(pairs, 1) + "]", 3)) {
      Batch b = source.next();
      for (int row = 0; row < 3; row++) {
        int at = row * 12;
        int[] input = Arrays.copyOfRange(b.inputIds(), at, at + 12);
        assertEquals(BOS, input[0]);
        assertEquals(VOCAB.boiTokenId(), input[2]);
        assertArrayEquals(new int[] {133, 133, 133, 133, VOCAB.eoiTokenId(), EOS, EOS, EOS, EOS},
            Arrays.copyOfRange(input, 3, 12));
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, Arrays.copyOfRange(b.segmentIds(), at, at + 12));
        assertArrayEquals(new float[] {0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0},
            Arrays.copyOfRange(b.lossWeights(), at, at + 12), "row " + row);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0}, Arrays.copyOfRange(b.positions(), at, at + 12));
      }
      assertEquals(18, b.trainedTokens());
    }
  }

  @Test
  void mixingReverseAndCfgRatiosMatchTheSettingsOverManyDraws() throws IOException {
    List<Example> pairList = IntStream.range(0, 10).mapToObj(i -> TestData.pair("cap" + i, i)).toList();
    List<Example> textList = IntStream.range(0, 10).mapToObj(i -> Example.text(ids("text" + i))).toList();
    Path pairs = folder("pairs", pairList);
    Path text = folder("text", textList);
    int t2i = 0;
    int unconditional = 0;
    int i2t = 0;
    int texts = 0;
    try (var source = open("max-length = 256, reverse-ratio = 0.2, cfg-dropout = 0.1, seed = 7, sources = ["
        + source(pairs, 3) + ", " + source(text, 7) + "]", 8)) {
      while (t2i + unconditional + i2t + texts < 20000) {
        for (int[] doc : documents(source.next())) {
          if (doc[0] != BOS) {
            continue; // the continuation of a split text document
          }
          if (doc.length == 1) {
            texts++; // only text is split, here right after its bos
          } else if (doc[1] == VOCAB.boiTokenId()) {
            i2t++;
          } else if (doc[1] == VOCAB.unconditionalTokenId()) {
            unconditional++;
          } else if (IntStream.of(doc).anyMatch(t -> t == VOCAB.boiTokenId())) {
            t2i++;
          } else {
            texts++;
          }
        }
      }
    }
    double n = t2i + unconditional + i2t + texts;
    double pairShare = (t2i + unconditional + i2t) / n;
    assertEquals(0.3, pairShare, 0.02, "pair share");
    assertEquals(0.2, i2t / (double) (t2i + unconditional + i2t), 0.025, "reverse ratio");
    assertEquals(0.1, unconditional / (double) (t2i + unconditional), 0.02, "cfg dropout");
  }

  @Test
  void resumingFromAPositionEqualsTheUninterruptedOrder() throws IOException {
    Path pairs = folder("pairs", IntStream.range(0, 7).mapToObj(i -> TestData.pair("cap" + i, i)).toList());
    Path text = folder("text", IntStream.range(0, 5).mapToObj(i -> Example.text(ids("a longer text " + i))).toList());
    String settings = "max-length = 24, seed = 3, sources = [" + source(pairs, 1) + ", " + source(text, 1) + "]";
    List<Batch> uninterrupted = new ArrayList<>();
    try (var source = open(settings, 2)) {
      for (int i = 0; i < 30; i++) {
        uninterrupted.add(source.next());
      }
    }
    int resumedWithPending = 0;
    for (int stop = 1; stop < 29; stop += 3) {
      String position;
      try (var first = open(settings, 2)) {
        for (int i = 0; i < stop; i++) {
          first.next();
        }
        position = first.position();
      }
      resumedWithPending += position.contains("\"pending\"") ? 1 : 0;
      try (var resumed = open(settings, 2)) {
        resumed.seek(position);
        for (int i = stop; i < 30; i++) {
          assertBatchEquals(uninterrupted.get(i), resumed.next(), "batch " + i + " after resuming at " + stop);
        }
      }
    }
    assertTrue(resumedWithPending > 0, "some positions fall inside a document");
  }

  @Test
  void seekRejectsAPositionFromDifferentSettings() throws IOException {
    Path text = folder("text", List.of(Example.text(ids("ab")), Example.text(ids("cd"))));
    String position;
    try (var source = open("seed = 1, sources = [" + source(text, 1) + "]", 1)) {
      position = source.position();
    }
    try (var other = open("seed = 2, sources = [" + source(text, 1) + "]", 1)) {
      assertThrows(UserError.class, () -> other.seek(position));
    }
  }

  @Test
  void workersShareTheDocumentStreamWithoutOverlapOrGaps() throws IOException {
    // Pairs are never split, so every segment is one whole document; captions make each one unique.
    Path pairs = folder("pairs", IntStream.range(0, 50).mapToObj(i -> TestData.pair("c" + i, i % 64)).toList());
    String common = "max-length = 40, reverse-ratio = 0.5, seed = 11, sources = [" + source(pairs, 1) + "]";
    int world = 3;
    int perWorker = 60;
    List<List<int[]>> byRank = new ArrayList<>();
    for (int rank = 0; rank < world; rank++) {
      List<int[]> docs = new ArrayList<>();
      try (var source = open(common + ", rank = " + rank + ", world-size = " + world, 4)) {
        while (docs.size() < perWorker) {
          docs.addAll(documents(source.next()));
        }
      }
      byRank.add(docs);
    }
    List<int[]> single = new ArrayList<>();
    try (var source = open(common, 4)) {
      while (single.size() < world * perWorker) {
        single.addAll(documents(source.next()));
      }
    }
    for (int g = 0; g < world * perWorker; g++) {
      assertArrayEquals(single.get(g), byRank.get(g % world).get(g / world), "global document " + g);
    }
  }

  @Test
  void defaultSettingsHaveNoSourcesAndSaySo() {
    UserError e = assertThrows(UserError.class, () -> open("", 1));
    assertTrue(e.getMessage().contains("data.sources"), e.getMessage());
  }

  @Test
  void aFolderPreparedWithAnotherTokenizerIsRejected() throws IOException {
    Path f = Files.createDirectories(dir.resolve("other"));
    ShardWriter w = new ShardWriter(999, 64);
    w.add(Example.text(ids("x")));
    w.write(f.resolve("s.lqd"), new PrepareCounts());
    UserError e = assertThrows(UserError.class, () -> open("sources = [" + source(f, 1) + "]", 1));
    assertTrue(e.getMessage().contains("999"), e.getMessage());
  }

  /** The segments of every row, in order, as token arrays. */
  static List<int[]> documents(Batch b) {
    List<int[]> docs = new ArrayList<>();
    for (int row = 0; row < b.batch(); row++) {
      int start = -1;
      for (int i = 0; i <= b.length(); i++) {
        int at = row * b.length() + i;
        boolean boundary = i == b.length() || b.segmentIds()[at] == 0
            || (i > 0 && b.segmentIds()[at] != b.segmentIds()[at - 1]);
        if (boundary && start >= 0) {
          docs.add(Arrays.copyOfRange(b.inputIds(), row * b.length() + start, at));
          start = -1;
        }
        if (i < b.length() && b.segmentIds()[at] != 0 && start < 0) {
          start = i;
        }
      }
    }
    return docs;
  }

  private static void assertBatchEquals(Batch expected, Batch actual, String what) {
    assertArrayEquals(expected.inputIds(), actual.inputIds(), what);
    assertArrayEquals(expected.targetIds(), actual.targetIds(), what);
    assertArrayEquals(expected.positions(), actual.positions(), what);
    assertArrayEquals(expected.segmentIds(), actual.segmentIds(), what);
    assertArrayEquals(expected.lossWeights(), actual.lossWeights(), what);
  }

  private static int[] concat(int[] a, int[] b) {
    int[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}

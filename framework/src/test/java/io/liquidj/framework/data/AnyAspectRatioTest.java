package io.liquidj.framework.data;

import static io.liquidj.framework.data.DatasetPreparerTest.png;
import static io.liquidj.framework.data.TestData.VOCAB;
import static io.liquidj.framework.data.TestData.ids;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.liquidj.framework.UserError;
import java.awt.Color;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code data.prepare.aspect-ratio = keep}: the reference's multi data, from prepare to the training sequence. */
class AnyAspectRatioTest {
  private static final int RED = AverageColourQuantizer.codeOf(255, 0, 0);
  private static final int BLUE = AverageColourQuantizer.codeOf(0, 0, 255);
  private static final String INSTRUCTION = " Generate an image based on this description.";

  @TempDir Path dir;

  /** Prepares red.png (3:2) and blue.png (square) with a budget of 32² pixels at the test tokenizer's factor 4. */
  private Shard prepare(String aspectRatio) throws IOException {
    Files.write(dir.resolve("red.png"), png(60, 40, Color.RED));
    Files.write(dir.resolve("blue.png"), png(16, 16, Color.BLUE));
    Files.writeString(dir.resolve("manifest.jsonl"),
        "{\"image\": \"red.png\", \"caption\": \"wide red\"}\n{\"image\": \"blue.png\", \"caption\": \"blue\"}\n");
    Path out = dir.resolve(aspectRatio);
    PrepareSettings settings = new PrepareSettings(out, List.of(dir.resolve("manifest.jsonl")), List.of(), dir, dir,
        "test", 32, aspectRatio.equals("keep"), 4, 2.0, 1_000_000, 16, 4, 1);
    new DatasetPreparer(settings, TestData.TOKENIZER, new AverageColourQuantizer(), new DatasetPreparer.Listener() {
      @Override
      public void records(int n, PrepareCounts shardSoFar) {}

      @Override
      public void shard(String name, boolean resumed) {}
    }).run();
    return Shard.open(out.resolve("p00-manifest-00000.lqd"));
  }

  @Test
  void aThreeByTwoImageKeepsItsRatioOnACodeGridWithinThePixelBudget() throws IOException {
    Shard shard = prepare("keep");
    // 64 codes of 4×4 pixels in 32² pixels; 3:2 → ⌊√(64/1.5)⌋ = 6 rows, ⌊√(64·1.5)⌋ = 9 columns: 36×24 pixels
    Example red = shard.get(0);
    assertEquals(Example.pair(ids("wide red"), IntStream.generate(() -> RED).limit(54).toArray(), 6, 9, 36, 24), red);
    // a square keeps its square: 8×8 codes, 32×32 pixels, and says so
    assertEquals(Example.pair(ids("blue"), IntStream.generate(() -> BLUE).limit(64).toArray(), 8, 8, 32, 32),
        shard.get(1));
  }

  @Test
  void croppedPairsRecordNoSizeAsBefore() throws IOException {
    Shard shard = prepare("crop");
    assertEquals(Example.pair(ids("wide red"), IntStream.generate(() -> RED).limit(64).toArray(), 8, 8), shard.get(0));
    assertEquals(false, shard.get(0).hasImageSize());
  }

  @Test
  void textToImageSaysTheSizeBetweenCaptionAndInstructionAsTrainPyDoes() throws IOException {
    Example red = prepare("keep").get(0);
    SequenceBuilder builder = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings(""));
    int[] tokens = builder.textToImage(red, 0, false).tokens();
    // train.py: text = caption + 'Image Size: Width is {} Height is {}.'.format(width, height) + instruction
    int boi = tokens.length - 54 - 3;
    assertEquals("wide redImage Size: Width is 36 Height is 24." + INSTRUCTION,
        TestData.TOKENIZER.decode(Arrays.copyOfRange(tokens, 1, boi), false));
    assertEquals(VOCAB.boiTokenId(), tokens[boi]);
    assertEquals(54, tokens.length - boi - 3); // the 6×9 grid, then [eoi] [eos]
  }

  @Test
  void cfgDropoutKeepsTheSizeBeforeUnconditional() throws IOException {
    Example red = prepare("keep").get(0);
    SequenceBuilder builder = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings(""));
    int[] tokens = builder.textToImage(red, 0, true).tokens();
    // train.py: text = 'Image Size: Width is {} Height is {}. <unconditional>'.format(width, height)
    int unconditional = 1 + ids("Image Size: Width is 36 Height is 24. ").length;
    assertEquals("Image Size: Width is 36 Height is 24. ",
        TestData.TOKENIZER.decode(Arrays.copyOfRange(tokens, 1, unconditional), false));
    assertArrayEquals(new int[] {VOCAB.unconditionalTokenId(), VOCAB.boiTokenId()},
        Arrays.copyOfRange(tokens, unconditional, unconditional + 2));
    assertEquals(unconditional + 2 + 54 + 2, tokens.length);
  }

  @Test
  void imageToTextOfSizedDataIsUnchanged() throws IOException {
    Example red = prepare("keep").get(0);
    Example unsized = Example.pair(red.textIds(), red.codes(), red.gridHeight(), red.gridWidth());
    SequenceBuilder builder = new SequenceBuilder(VOCAB, TestData.TOKENIZER, TestData.settings(""));
    assertArrayEquals(builder.imageToText(unsized).tokens(), builder.imageToText(red).tokens());
  }

  @Test
  void aSizeThatDoesNotFitItsGridIsReportedAsDamage() throws IOException {
    Path file = TestData.shard(dir, "s.lqd", List.of(Example.pair(ids("x"), new int[6], 2, 3, 12, 8)));
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int dataStart = ShardWriter.align8(8 + 4 + b.getInt(8));
    assertEquals(12, b.getShort(dataStart + 28));
    b.putShort(dataStart + 28, (short) 13);
    Files.write(file, bytes);
    UserError e = assertThrows(UserError.class, () -> Shard.open(file).get(0));
    assertEquals(true, e.getMessage().contains("example 0 is damaged"), e.getMessage());
  }
}

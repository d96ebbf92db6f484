package io.liquidj.tokenizers.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.backbone.VocabularyExtension.Plan;
import io.liquidj.framework.backbone.VocabularyExtension.SpecialSlots;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where {@code <boi>}, {@code <eoi>}, {@code <unconditional>} go with the published tokenizers. */
class ReservedSpecialSlotsTest {
  private static final int CODES = VocabularyExtension.DEFAULT_IMAGE_CODES;

  @TempDir Path tmp;

  @Test
  void gemmaTakesUnused0To2AndGrowsByExactlyTheCodesAsLiquidV1() {
    TextTokenizer gemma = RealTokenizers.load("gemma", tmp);
    Plan plan = VocabularyExtension.plan(gemma, CODES, 256_000, SpecialSlots.AUTO);
    assertArrayEquals(new int[] {7, 8, 9}, plan.specialTokenIds());
    assertEquals(264_192, 256_000 + plan.addedRows());
  }

  @Test
  void gemma2TakesItsUnusedTokens() {
    TextTokenizer gemma2 = RealTokenizers.load("gemma2", tmp);
    int[] unused = {gemma2.tokenId("<unused0>").getAsInt(), gemma2.tokenId("<unused1>").getAsInt(),
        gemma2.tokenId("<unused2>").getAsInt()};
    Plan plan = VocabularyExtension.plan(gemma2, CODES, 256_000, SpecialSlots.AUTO);
    assertArrayEquals(unused, plan.specialTokenIds());
    assertEquals(CODES, plan.addedRows());
  }

  @Test
  void llama3TakesItsFirstReservedSpecialTokens() {
    TextTokenizer llama3 = RealTokenizers.load("llama3", tmp);
    Plan plan = VocabularyExtension.plan(llama3, CODES, 128_256, SpecialSlots.RESERVED);
    assertArrayEquals(new int[] {128_002, 128_003, 128_004}, plan.specialTokenIds());
    assertEquals(CODES, plan.addedRows());
  }

  @Test
  void qwen25TakesTheSpareRowsPastItsTokenizer() {
    TextTokenizer qwen = RealTokenizers.load("qwen2.5", tmp);
    Plan plan = VocabularyExtension.plan(qwen, CODES, 151_936, SpecialSlots.AUTO);
    assertArrayEquals(new int[] {151_665, 151_666, 151_667}, plan.specialTokenIds());
    assertEquals(CODES, plan.addedRows());
  }

  @Test
  void appendForcesNewRowsAndReservedWithoutSlotsIsAnError() {
    TextTokenizer gemma = RealTokenizers.load("gemma", tmp);
    Plan append = VocabularyExtension.plan(gemma, CODES, 256_000, SpecialSlots.APPEND);
    assertNull(append.specialTokenIds());
    assertEquals(CODES + 3, append.addedRows());
    TextTokenizer qwen = RealTokenizers.load("qwen2.5", tmp);
    assertNull(VocabularyExtension.plan(qwen, CODES, qwen.size(), SpecialSlots.AUTO).specialTokenIds());
    assertThrows(UserError.class, () -> VocabularyExtension.plan(qwen, CODES, qwen.size(), SpecialSlots.RESERVED));
  }
}

package io.liquidj.tokenizers.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.liquidj.framework.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** The 155 published reference encodings of testdata/tokenizers/reference_cases.json. */
class ReferenceCasesTest {
  @TempDir static Path tmp;
  static final Map<String, TextTokenizer> TOKENIZERS = new HashMap<>();
  static JsonNode cases;

  @BeforeAll
  static void load() throws Exception {
    cases = new ObjectMapper().readTree(RealTokenizers.fixtures().resolve("reference_cases.json").toFile());
    for (JsonNode c : cases) {
      TOKENIZERS.computeIfAbsent(c.path("tokenizer").asText(), name -> RealTokenizers.load(name, tmp));
    }
  }

  @Test
  void allOneHundredFiftyFiveCasesArePresent() {
    assertEquals(155, cases.size());
  }

  @TestFactory
  Stream<DynamicTest> everyReferenceEncodingMatchesExactly() {
    List<DynamicTest> tests = new ArrayList<>();
    int i = 0;
    for (JsonNode c : cases) {
      String name = (i++) + " " + c.path("tokenizer").asText() + (c.path("special").asBoolean() ? " +special " : " ") + c.path("text").asText();
      tests.add(DynamicTest.dynamicTest(name.length() > 90 ? name.substring(0, 90) : name, () -> {
        TextTokenizer t = TOKENIZERS.get(c.path("tokenizer").asText());
        int[] expected = new ObjectMapper().convertValue(c.path("ids"), int[].class);
        int[] actual = t.encode(c.path("text").asText(), c.path("special").asBoolean());
        assertArrayEquals(expected, actual, c.path("src").asText());
        // transformers' clean_up_tokenization_spaces (Llama-3's config) is not part of the tokenizers
        // library's decode, so those two expectations ("'ll !!" → "'ll!!") are not checked here.
        if (c.hasNonNull("decoded") && !c.path("text").asText().contains(" !!")) {
          assertEquals(c.path("decoded").asText(), t.decode(expected, false));
        }
      }));
    }
    return tests.stream();
  }

  @Test
  void publishedFilesLoadWithTheirFullVocabularies() {
    assertEquals(128_256, TOKENIZERS.get("llama3").size());
    assertEquals(151_665, TOKENIZERS.get("qwen2.5").size());
    assertEquals(256_000, TOKENIZERS.get("gemma2").size());
  }
}

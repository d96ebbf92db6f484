package io.liquidj.framework.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.Mockito.mock;

import io.liquidj.framework.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageTokenizersTest {
  @TempDir Path dir;

  private final ImageTokenizerFactory vqgan = mock(ImageTokenizerFactory.class);
  private final ImageTokenizerFactory patches = mock(ImageTokenizerFactory.class);
  private final ImageTokenizers kinds = new ImageTokenizers(Map.of("vqgan", vqgan, "patch-vq", patches));

  @Test
  void aConfigWithoutTokenizerKindIsAVqganAndOneWithItIsThatKind() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"embed_dim\": 256, \"n_embed\": 8192}");
    assertSame(vqgan, kinds.factory(dir, "generate.image-tokenizer"));
    Files.writeString(dir.resolve("config.json"), "{\"tokenizer_kind\": \"patch-vq\", \"n_embed\": 128}");
    assertSame(patches, kinds.factory(dir, "generate.image-tokenizer"));
  }

  @Test
  void aFolderWithoutConfigIsRefusedNamingTheKeyAndTheFolder() {
    UserError e = assertThrows(UserError.class, () -> kinds.factory(dir, "generate.image-tokenizer"));
    assertTrue(e.getMessage().startsWith("generate.image-tokenizer: " + dir + " has no config.json"), e.getMessage());
  }

  @Test
  void anUnregisteredKindIsRefusedListingTheRegisteredOnes() throws Exception {
    Files.writeString(dir.resolve("config.json"), "{\"tokenizer_kind\": \"magvit\"}");
    UserError e = assertThrows(UserError.class, () -> kinds.load(dir, "data.prepare.image-tokenizer"));
    assertEquals("data.prepare.image-tokenizer: " + dir + " holds an image tokenizer of kind \"magvit\", which is not"
        + " registered (registered: [patch-vq, vqgan])", e.getMessage());
  }
}

package io.liquidj.tokenizers.vqgan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import io.liquidj.framework.Fixtures;
import io.liquidj.framework.UserError;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VqganModuleTest {
  @TempDir Path tmp;

  @Test
  void registersVqganAndPatchVqUnderExplicitBindings() {
    Map<String, ImageTokenizerFactory> factories = Guice.createInjector(new AbstractModule() {
      @Override
      protected void configure() {
        binder().requireExplicitBindings();
        binder().requireAtInjectOnConstructors();
        install(new io.liquidj.tokenizers.TokenizersModule());
      }
    }).getInstance(Key.get(new TypeLiteral<Map<String, ImageTokenizerFactory>>() {}));
    assertInstanceOf(VqganTokenizerFactory.class, factories.get("vqgan"));
    assertInstanceOf(io.liquidj.tokenizers.patchvq.PatchVqTokenizerFactory.class, factories.get("patch-vq"));
  }

  @Test
  void folderWithoutWeightsNamesWhatItExpected() throws Exception {
    Files.copy(Fixtures.fixture("vqgan/config.json"), tmp.resolve("config.json"));
    UserError e = assertThrows(UserError.class, () -> new VqganTokenizerFactory().load(tmp));
    assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("vqgan.ckpt"), e.getMessage());
  }

  @Test
  void configRejectsUnknownKeysAndReadsTheFixture() throws Exception {
    VqganConfig c = VqganConfig.read(Fixtures.fixture("vqgan/config.json"));
    assertEquals(4, c.downsampleFactor());
    assertEquals(128, c.nEmbed());
    Files.writeString(tmp.resolve("config.json"),
        Files.readString(Fixtures.fixture("vqgan/config.json")).replace("\"dropout\"", "\"drop_out\""));
    UserError e = assertThrows(UserError.class, () -> VqganConfig.read(tmp.resolve("config.json")));
    assertTrue(e.getMessage().contains("ddconfig.drop_out"), e.getMessage());
  }
}

package io.liquidj.backbones.windowed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.multibindings.MapBinder;
import io.liquidj.backbones.BackbonesModule;
import io.liquidj.backbones.FixtureModel;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A family added from outside the framework is found by its model_type, completed by its rules, and runs. */
class ParallelWindowedFamilyTest {
  /** The registered families and the test family: its one binding line. */
  static final class WithParallelWindowed extends AbstractModule {
    @Override
    protected void configure() {
      install(new BackbonesModule());
      MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class).addBinding("parallel_windowed")
          .toInstance(BackboneFactory.of(ParallelWindowedBackbone::new, ParallelWindowedBackbone::configDefaults));
    }
  }

  private final Backbones backbones = Guice.createInjector(new WithParallelWindowed()).getInstance(Backbones.class);

  private static Path checkpoint() throws Exception {
    return Path.of(ParallelWindowedFamilyTest.class.getResource("/parallel-windowed/config.json").toURI()).getParent();
  }

  @Test
  void theFamilyIsRegisteredBesideTheOthers() {
    assertEquals("[gemma, gemma2, llama, parallel_windowed, qwen2]", backbones.families().toString());
  }

  @Test
  void itsConfigJsonIsReadByModelTypeAndCompletedByItsRules() throws Exception {
    ModelConfig config = backbones.config(new BackboneSettings("unused", Optional.of(checkpoint())));
    assertEquals("parallel_windowed", config.modelType());
    assertTrue(config.isSlidingLayer(0) && config.isSlidingLayer(1), config.layerTypes().toString());
  }

  @Test
  void itBuildsAndRunsAForwardPassWithinItsWindow() throws Exception {
    ModelConfig config = backbones.config(new BackboneSettings("unused", Optional.of(checkpoint())));
    try (FixtureModel m = new FixtureModel(config, null, backbones::create, Precision.F32)) {
      float[] logits = m.logits(new int[][] {{5, 6, 7, 8, 9}});
      assertEquals(5 * 512, logits.length);
      // Two layers with window 2 see positions 2..4 from position 4: token 0 does not reach it.
      float[] changedFirst = m.logits(new int[][] {{300, 6, 7, 8, 9}});
      assertArrayEquals(Arrays.copyOfRange(logits, 4 * 512, 5 * 512),
          Arrays.copyOfRange(changedFirst, 4 * 512, 5 * 512));
      assertTrue(!Arrays.equals(Arrays.copyOfRange(logits, 0, 512), Arrays.copyOfRange(changedFirst, 0, 512)));
    }
  }
}

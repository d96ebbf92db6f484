package io.liquidj.framework.train;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.liquidj.framework.config.RecipeConfig;
import java.nio.file.Path;

/** Training settings for tests: the defaults, a tiny CPU shape, and HOCON overrides. */
final class TestSettings {
  private TestSettings() {}

  static Config config(Path outputDir, String... overrides) {
    Config tiny = ConfigFactory.parseString("""
        trainer { steps = 6, batch-size = 2, seq-len = 8, lr = 0.05, log-every = 1, checkpoint-every = 0,
                  progress-bar = false, output-dir = "%s", keep-last = 2 }
        schedule { warmup-ratio = 0, kind = constant }
        optimizer { weight-decay = 0.01 }
        """.formatted(outputDir.toString().replace("\\", "/")));
    Config user = ConfigFactory.parseString(String.join("\n", overrides));
    return user.withFallback(tiny).withFallback(RecipeConfig.defaults(TestSettings.class.getClassLoader())).resolve();
  }

  static RunSettings of(Path outputDir, String... overrides) {
    return RunSettings.from(config(outputDir, overrides));
  }
}

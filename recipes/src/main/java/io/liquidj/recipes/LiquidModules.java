package io.liquidj.recipes;

import com.google.inject.Module;
import io.liquidj.backbones.BackbonesModule;
import io.liquidj.tokenizers.TokenizersModule;
import java.util.List;

/** Every feature module of the application (the framework's root module is added by the CLI). */
public final class LiquidModules {
  private LiquidModules() {}

  /** The modules, one per concern. */
  public static List<Module> all() {
    return List.of(new BackbonesModule(), new TokenizersModule(), new RecipesModule());
  }
}

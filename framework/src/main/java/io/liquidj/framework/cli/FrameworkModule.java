package io.liquidj.framework.cli;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import com.typesafe.config.Config;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.tokenizer.ImageTokenizerFactory;
import io.liquidj.framework.tokenizer.ImageTokenizers;
import io.liquidj.framework.tokenizer.TextTokenizerFactory;

/**
 * The root module: the resolved configuration, the strict binder rules, and the four registries
 * (commands, backbones, text tokenizers, image tokenizers) that feature modules add to.
 */
public final class FrameworkModule extends AbstractModule {
  private final Config config;

  public FrameworkModule(Config config) {
    this.config = config;
  }

  @Override
  protected void configure() {
    binder().requireExplicitBindings();
    binder().disableCircularProxies();
    binder().requireAtInjectOnConstructors();
    bind(Config.class).toInstance(config);
    MapBinder.newMapBinder(binder(), String.class, LiquidCommand.class);
    MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class);
    MapBinder.newMapBinder(binder(), String.class, TextTokenizerFactory.class);
    MapBinder.newMapBinder(binder(), String.class, ImageTokenizerFactory.class);
    bind(Backbones.class);
    bind(ImageTokenizers.class);
  }
}

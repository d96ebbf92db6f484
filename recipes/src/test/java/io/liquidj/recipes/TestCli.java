package io.liquidj.recipes;

import com.google.inject.Module;
import io.liquidj.framework.cli.LiquidCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** {@code ./liquid} run in-process, as {@link Main} runs it: the application's modules plus {@code extra}, output kept. */
public final class TestCli {
  private final List<Module> modules;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  public TestCli(Module... extra) {
    modules = new ArrayList<>(LiquidModules.all());
    modules.addAll(List.of(extra));
  }

  /** Runs {@code ./liquid args}; returns the exit code. {@link #out()} and {@link #err()} then hold this run's output. */
  public int run(String... args) {
    out.reset();
    err.reset();
    return new LiquidCli(config -> modules, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  /** What the last run printed to standard output. */
  public String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** What the last run printed to standard error. */
  public String err() {
    return err.toString(StandardCharsets.UTF_8);
  }
}

package io.liquidj.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.MapBinder;
import com.typesafe.config.Config;
import io.liquidj.framework.cli.FrameworkModule;
import com.typesafe.config.ConfigFactory;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneFactory;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.config.RecipeConfig;
import jakarta.inject.Inject;
import io.liquidj.framework.io.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LiquidCliTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(List<Module> extra, String... args) {
    List<Module> modules = new ArrayList<>(LiquidModules.all());
    modules.addAll(extra);
    return new LiquidCli(config -> modules, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
  }

  private int run(String... args) {
    return run(List.of(), args);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpListsTheRegisteredCommands() {
    assertEquals(0, run("--help"));
    assertTrue(out().contains("Commands:"), out());
    assertTrue(out().contains("backbones"), out());
  }

  @Test
  void noCommandPrintsUsageAndExitsTwo() {
    assertEquals(2, run());
    assertTrue(out().contains("Usage: ./liquid <command>"), out());
  }

  @Test
  void unknownCommandIsAUserErrorWithExitTwoAndNoStackTrace() {
    assertEquals(2, run("trian"));
    assertTrue(err().contains("unknown command \"trian\""), err());
    assertTrue(err().contains("backbones"), err());
    assertFalse(err().contains("\tat "), err());
  }

  @Test
  void unknownKeyNamesItAndExitsTwo() throws Exception {
    Path recipe = dir.resolve("typo.conf");
    Files.writeString(recipe, "liquidj {\n  open-sectoins = []\n}\n");
    assertEquals(2, run("backbones", recipe.toString()));
    assertTrue(err().contains("liquidj.open-sectoins"), err());
    assertTrue(err().contains("typo.conf: 2"), err());
    assertTrue(err().contains("did you mean \"liquidj.open-sections\""), err());
  }

  @Test
  void debugShowsTheStackTrace() throws Exception {
    assertEquals(2, run("backbones", "liquidj.nope=1", "--debug"));
    assertTrue(err().contains("\tat "), err());
  }

  @Test
  void printConfigShowsResolvedValuesWithOrigins() throws Exception {
    Path recipe = dir.resolve("recipe.conf");
    Files.writeString(recipe, "trainer {\n  steps = 7\n}\n");
    assertEquals(0, run("backbones", recipe.toString(), "trainer.lr=0.5", "--print-config"));
    assertEquals("# " + recipe + ": 2", originAbove("steps=7"));
    assertEquals("# command line (trainer.lr=0.5): 1", originAbove("lr=0.5"));
    // A default: its file under liquidj/ and its line there.
    Config reference = RecipeConfig.defaults(getClass().getClassLoader());
    String origin = originAbove("seq-len=" + reference.getInt("trainer.seq-len"));
    int line = reference.getValue("trainer.seq-len").origin().lineNumber();
    assertTrue(origin.contains("liquidj/trainer.conf") && origin.endsWith(": " + line), origin);
  }

  /** The origin comment printed above the one line of {@code --print-config} that reads {@code keyValue}. */
  private String originAbove(String keyValue) {
    List<String> lines = out().lines().map(String::strip).toList();
    int at = lines.indexOf(keyValue);
    assertTrue(at > 0 && lines.lastIndexOf(keyValue) == at, keyValue + " once in:\n" + out());
    return lines.get(at - 1);
  }

  @Test
  void missingRecipeFileIsAUserError() {
    assertEquals(2, run("backbones", dir.resolve("nope.conf").toString()));
    assertTrue(err().contains("nope.conf"), err());
  }

  @Test
  void aBackboneModuleAddedWithoutEditingOtherCodeAppearsInTheRegistryAndHelp() {
    assertEquals(0, run(List.of(new TestFamilyModule()), "--help"));
    assertTrue(out().contains("test-family"), out());
    out.reset();
    assertEquals(0, run(List.of(new TestFamilyModule()), "backbones"));
    assertTrue(out().lines().anyMatch("test-family"::equals), out());
  }

  @Test
  void commandHelpListsItsKeysWithDefaults() {
    assertEquals(0, run("train-vq", "--help"));
    assertTrue(out().contains("Usage: ./liquid train-vq"), out());
    Config reference = RecipeConfig.defaults(getClass().getClassLoader());
    Set<String> expected = new TreeSet<>();
    for (String section : commands().get("train-vq").configSections()) {
      reference.getConfig(section).entrySet().forEach(e -> expected.add(section + "." + e.getKey()));
    }
    // "  vqgan.train.steps = 1000", then its description from reference.conf on the next line.
    Pattern keyLine = Pattern.compile("  (\\S+) = (.*)");
    List<String> lines = out().lines().toList();
    Set<String> listed = new TreeSet<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = keyLine.matcher(lines.get(i));
      if (m.matches()) {
        String key = m.group(1);
        listed.add(key);
        assertEquals(reference.getValue(key), ConfigFactory.parseString("v = " + m.group(2)).getValue("v"), key);
        String description = String.join(" ", reference.getValue(key).origin().comments()).strip();
        assertEquals(description, lines.get(i + 1).strip(), key);
      }
    }
    assertEquals(expected, listed);
  }

  @Test
  void onlyKnownKeysOrDottedPathsWithoutSpacesAreOverrides() {
    assertEquals(0, run(List.of(new EchoModule()), "echo", "x=1", "x=1 is text", "a b=c", "prompt=a red cat",
        "samples=3"));
    assertEquals("positional [x=1, x=1 is text, a b=c]\nprompt a red cat\nsamples 3\n", out().replace("\r", ""));
  }

  @Test
  void aMisspeltDottedKeyIsStillAnOverrideAndAnError() {
    assertEquals(2, run(List.of(new EchoModule()), "echo", "liquidj.open-sectoins=[]"));
    assertTrue(err().contains("did you mean \"liquidj.open-sections\""), err());
  }

  @Test
  void overviewHelpStatesTheOverrideRule() {
    assertEquals(0, run("--help"));
    assertTrue(out().contains("\"x=1 is text\", is a positional argument"), out());
  }

  @Test
  void commandHelpRendersListDefaultsConciselyWithoutOriginComments() {
    assertEquals(0, run("train-vq", "--help"));
    String line = out().lines().filter(l -> l.contains(".ch-mult = ")).findFirst().orElseThrow(() -> new AssertionError(out()));
    assertTrue(line.endsWith("ch-mult = [1,2,2]"), line);
    assertFalse(out().contains("# "), out());
  }

  @Test
  void anOverrideWrittenAsThreeWordsIsRejectedNamingIt() {
    assertEquals(2, run("backbones", "trainer.lr", "=", "1e-3"));
    assertTrue(err().contains("\"trainer.lr\"") && err().contains("key=value"), err());
  }

  @Test
  void aSecondRecipeFileIsRejectedNamingIt() throws Exception {
    Path first = Files.writeString(dir.resolve("first.conf"), "");
    Path second = Files.writeString(dir.resolve("second.conf"), "");
    assertEquals(2, run("backbones", first.toString(), second.toString()));
    assertTrue(err().contains(second.toString()), err());
  }

  @Test
  void aStrayWordIsRejectedNamingIt() {
    assertEquals(2, run("backbones", "stray"));
    assertTrue(err().contains("\"stray\""), err());
  }

  @Test
  void aFlagTheCommandDoesNotReadIsRejectedNamingIt() {
    assertEquals(2, run("backbones", "--resume"));
    assertTrue(err().contains("--resume"), err());
  }

  @Test
  void aRepeatedKeyKeepsItsLastValue() {
    assertEquals(0, run(List.of(new EchoModule()), "echo", "samples=3", "samples=5"));
    assertTrue(out().contains("samples 5"), out());
  }

  /** Every registered command, by name, as the application's injector builds them. */
  private static Map<String, LiquidCommand> commands() {
    List<Module> modules = new ArrayList<>(LiquidModules.all());
    modules.add(new FrameworkModule(RecipeConfig.defaults(LiquidCliTest.class.getClassLoader())));
    return Guice.createInjector(modules).getInstance(Key.get(new TypeLiteral<Map<String, LiquidCommand>>() {}));
  }

  @Test
  void everyCommandSaysWhatItDoesInItsCommandHelp() {
    commands().forEach((name, command) -> {
      CommandHelp help = command.getClass().getAnnotation(CommandHelp.class);
      assertTrue(help != null, name + ": " + command.getClass().getName() + " has no @CommandHelp");
      assertFalse(help.summary().isBlank(), name + " has an empty summary");
    });
  }

  @Test
  void aCommandWithoutCommandHelpIsNamedWhenItsHelpIsAskedFor() {
    LiquidCommand undescribed = invocation -> 0;
    var e = assertThrows(IllegalStateException.class, undescribed::summary);
    assertTrue(e.getMessage().contains("has no @CommandHelp"), e.getMessage());
  }

  @Test
  void everyCommandRejectsOneArgumentMoreThanItTakes() {
    commands().forEach((name, command) -> {
      if (command.maxArguments() == Integer.MAX_VALUE) {
        return;
      }
      List<String> args = new ArrayList<>(List.of(name));
      for (int i = 0; i <= command.maxArguments(); i++) {
        args.add("word" + i);
      }
      err.reset();
      assertEquals(2, run(args.toArray(String[]::new)), name + ": " + err());
      assertTrue(err().contains("unexpected argument \"word" + command.maxArguments() + "\""), name + ": " + err());
    });
  }

  /** A tiny train-tokenizer run (the smallest vocabulary: bytes and special tokens) into {@code out}. */
  private int trainTokenizer(Path out, String... flags) throws Exception {
    Path texts = Files.writeString(dir.resolve("texts.jsonl"), "{\"text\": \"a red square\"}\n");
    List<String> args = new ArrayList<>(List.of("train-tokenizer", out.toString(), "261", texts.toString()));
    args.addAll(List.of(flags));
    return run(args.toArray(String[]::new));
  }

  @Test
  void anOutputFolderThatIsAFileIsAUserErrorNamingIt() throws Exception {
    Path file = Files.writeString(dir.resolve("tokenizer"), "not a folder");
    assertEquals(2, trainTokenizer(file));
    assertTrue(err().contains(file + " is a file, but a folder is needed"), err());
    assertFalse(err().contains("\tat "), err());
  }

  @Test
  void anOutputFileThatIsAFolderIsAUserErrorNamingIt() throws Exception {
    Path out = dir.resolve("tokenizer");
    Files.createDirectories(out.resolve("tokenizer.json"));
    assertEquals(2, trainTokenizer(out));
    assertTrue(err().contains(out.resolve("tokenizer.json") + " is a folder, but a file is needed"), err());
  }

  @Test
  void aReadOnlyFileSystemIsAUserErrorNamingThePathWithTheStackTraceOnlyUnderDebug() {
    assertEquals(2, run(List.of(new FailModule()), "fail", "read-only"));
    assertTrue(err().contains("/mnt/ro/out is on a read-only file system"), err());
    assertFalse(err().contains("\tat "), err());
    err.reset();
    assertEquals(2, run(List.of(new FailModule()), "fail", "read-only", "--debug"));
    assertTrue(err().contains("\tat "), err());
  }

  @Test
  void aFullDiskIsAUserErrorNamingTheFileBeingWritten() {
    assertEquals(2, run(List.of(new FailModule()), "fail", "no-space", dir.toString()));
    assertTrue(err().contains("no space left on the device holding " + dir.resolve("out.bin")), err());
    assertFalse(err().contains("\tat "), err());
  }

  @Test
  void aPermissionDeniedIsAUserErrorNamingThePath() {
    assertEquals(2, run(List.of(new FailModule()), "fail", "access-denied"));
    assertTrue(err().contains("permission denied for /srv/out"), err());
  }

  /** {@code fail <kind>}: fails as the file system does (a write into a full disk goes through AtomicFiles). */
  static final class FailModule extends AbstractModule {
    @Override
    protected void configure() {
      MapBinder.newMapBinder(binder(), String.class, LiquidCommand.class).addBinding("fail").to(FailCommand.class);
    }
  }

  @CommandHelp(summary = "test only")
  static final class FailCommand implements LiquidCommand {
    @Inject
    FailCommand() {}

    @Override
    public int maxArguments() {
      return 2;
    }

    @Override
    public int run(Invocation invocation) throws Exception {
      switch (invocation.argument(0, "the kind of failure")) {
        case "read-only" -> throw new FileSystemException("/mnt/ro/out", null, "Read-only file system");
        case "access-denied" -> throw new AccessDeniedException("/srv/out");
        default -> AtomicFiles.write(Path.of(invocation.argument(1, "a folder")).resolve("out.bin"), channel -> {
          throw new IOException("No space left on device");
        });
      }
      return 0;
    }
  }

  /** {@code echo}: prints its positional arguments and two config values. */
  static final class EchoModule extends AbstractModule {
    @Override
    protected void configure() {
      MapBinder.newMapBinder(binder(), String.class, LiquidCommand.class).addBinding("echo").to(EchoCommand.class);
    }
  }

  @CommandHelp(summary = "test only")
  static final class EchoCommand implements LiquidCommand {
    @Inject
    EchoCommand() {}

    @Override
    public int maxArguments() {
      return Integer.MAX_VALUE;
    }

    @Override
    public int run(Invocation invocation) {
      invocation.out().print("positional " + invocation.arguments() + "\nprompt " + invocation.config().getString("prompt")
          + "\nsamples " + invocation.config().getInt("samples") + "\n");
      return 0;
    }
  }

  /** A test-only family, registered exactly as a real one is. */
  static final class TestFamilyModule extends AbstractModule {
    @Override
    protected void configure() {
      MapBinder.newMapBinder(binder(), String.class, BackboneFactory.class)
          .addBinding("test-family").to(TestFamilyFactory.class);
    }
  }

  static final class TestFamilyFactory implements BackboneFactory {
    @Inject
    TestFamilyFactory() {}

    @Override
    public Backbone create(ModelConfig config, Precision precision) {
      throw new UnsupportedOperationException("registry test only");
    }
  }
}

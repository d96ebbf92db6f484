package io.liquidj.recipes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.config.RecipeConfig;
import io.liquidj.framework.safetensors.SafetensorsFile;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One grammar: every command takes {@code [conf] key=value ...}; positional words and flags are sugar for keys. */
class CommandKeysTest {
  @TempDir Path dir;
  private final TestCli cli = new TestCli();

  /** A tokenizer trained with keys only; its path. */
  private Path trainTokenizerWithKeys() throws Exception {
    Path texts = Files.writeString(dir.resolve("texts.jsonl"), "{\"text\": \"a red square\"}\n");
    Path tok = dir.resolve("tok");
    assertEquals(0, cli.run("train-tokenizer", "train-tokenizer.output-dir=" + tok, "train-tokenizer.vocab-size=261",
        "train-tokenizer.inputs=[\"" + texts + "\"]"), cli.err());
    assertTrue(Files.isRegularFile(tok.resolve("tokenizer.json")), cli.out());
    return tok;
  }

  @Test
  void tokenizeAndDetokenizeWorkWithKeysOnlyAsWithTheirWords() throws Exception {
    Path tok = trainTokenizerWithKeys();
    assertEquals(0, cli.run("tokenize", tok.toString(), "--no-special", "a red square"), cli.err());
    String sugar = cli.out();
    assertEquals(0, cli.run("tokenize", "tokenize.tokenizer=" + tok, "tokenize.no-special=true",
        "tokenize.text=a red square"), cli.err());
    assertEquals(sugar, cli.out());
    String ids = sugar.trim();
    assertEquals(0, cli.run("detokenize", "detokenize.tokenizer=" + tok, "detokenize.ids=" + ids), cli.err());
    assertEquals("a red square\n", cli.out());
    Path jsonl = Files.writeString(dir.resolve("in.jsonl"), "{\"text\": \"a red square\"}\n");
    assertEquals(0, cli.run("tokenize", "tokenize.tokenizer=" + tok, "tokenize.no-special=true",
        "tokenize.jsonl=" + jsonl), cli.err());
    assertEquals(sugar, cli.out());
  }

  @Test
  void aWordAndItsKeyBothGivenIsAOneLineError() throws Exception {
    Path tok = trainTokenizerWithKeys();
    assertEquals(2, cli.run("tokenize", tok.toString(), "hi", "tokenize.text=ho"));
    assertTrue(cli.err().startsWith("error: \"hi\" and \"tokenize.text=ho\" both set tokenize.text"), cli.err());
    assertEquals(1, cli.err().lines().count(), cli.err());
    assertEquals(2, cli.run("tokenize", tok.toString(), "hi", "--no-special", "tokenize.no-special=false"));
    assertTrue(cli.err().contains("both set tokenize.no-special"), cli.err());
  }

  @Test
  void aMissingKeyIsAUserErrorNamingIt() {
    assertEquals(2, cli.run("tokenize"));
    assertTrue(cli.err().contains("missing tokenize.tokenizer"), cli.err());
    assertEquals(2, cli.run("train-tokenizer", "train-tokenizer.output-dir=" + dir.resolve("t")));
    assertTrue(cli.err().contains("missing train-tokenizer.inputs"), cli.err());
  }

  @Test
  void vqEncodesWithKeysOnlyAsWithItsWords() throws Exception {
    Path vq = Fixtures.fixture("vqgan");
    Path io = vq.resolve("io.safetensors");
    Path sugar = dir.resolve("sugar.safetensors");
    Path keys = dir.resolve("keys.safetensors");
    assertEquals(0, cli.run("vq", vq.toString(), "encode", io.toString(), sugar.toString()), cli.err());
    assertEquals(0, cli.run("vq", "vq.tokenizer=" + vq, "vq.action=encode", "vq.input=" + io, "vq.output=" + keys), cli.err());
    try (SafetensorsFile a = SafetensorsFile.open(sugar); SafetensorsFile b = SafetensorsFile.open(keys)) {
      assertArrayEquals(a.readInts("codes"), b.readInts("codes"));
    }
  }

  @Test
  void logitsRunsWithKeysOnly() throws Exception {
    Path fixture = Fixtures.fixture("hf/llama3");
    Path written = dir.resolve("out.safetensors");
    assertEquals(0, cli.run("logits", "logits.checkpoint=" + fixture, "logits.input=" + fixture.resolve("io.safetensors"),
        "logits.output=" + written, "logits.compare=" + fixture.resolve("io.safetensors")), cli.err());
    assertTrue(cli.out().contains("max_abs_diff"), cli.out());
    assertTrue(Files.isRegularFile(written));
  }

  @Test
  void benchCommandsWordsAreSugarForTheirKeys() {
    assertEquals(0, cli.run("bench-load", "tiny-llama", "--print-config"), cli.err());
    assertTrue(cli.out().contains("shape=\"tiny-llama\"") || cli.out().contains("shape = \"tiny-llama\""), cli.out());
    assertEquals(0, cli.run("bench-tokenize", "runs/demo/tokenizer", "--print-config"), cli.err());
    assertTrue(cli.out().contains("runs/demo/tokenizer"), cli.out());
  }

  @Test
  void commandHelpListsOnlyItsOwnKeysAndExamples() {
    assertEquals(0, cli.run("tokenize", "--help"));
    assertTrue(cli.out().contains("tokenize.text = \"\""), cli.out());
    assertTrue(cli.out().contains("Examples:\n  ./liquid tokenize "), cli.out());
    assertTrue(cli.out().contains("\n  tokenizer = \"\""), cli.out()); // the key every stage's tokenizer follows
    assertTrue(!cli.out().contains("\n  trainer.") && !cli.out().contains("\n  generate."), cli.out()); // no other section's keys
  }

  @Test
  void dataMaxLengthFollowsTrainerSeqLenUnlessSetOtherwise() throws Exception {
    ClassLoader loader = CommandKeysTest.class.getClassLoader();
    assertEquals(128, RecipeConfig.load(Optional.empty(), List.of("trainer.seq-len=128"), loader)
        .getInt("data.max-length"));
    assertEquals(64, RecipeConfig.load(Optional.empty(), List.of("data.max-length=64"), loader)
        .getInt("data.max-length"));
    assertEquals(2, cli.run("train", "backbone=tiny-llama", "trainer.seq-len=128", "data.max-length=64"));
    assertTrue(cli.err().contains("data.max-length (64) and trainer.seq-len (128) differ"), cli.err());
  }

  @Test
  void anOldOutputKeyIsADeprecatedAliasOfItsOutputDir() throws Exception {
    ClassLoader loader = CommandKeysTest.class.getClassLoader();
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    Path recipe = Files.writeString(dir.resolve("old.conf"), "demo.out-dir = \"runs/x\"\n"
        + "vqgan.train.out = ${demo.output-dir}\"/vq\"\n");
    var config = RecipeConfig.load(Optional.of(recipe), List.of("export.dir=out/7"), loader,
        new PrintStream(warnings, true, StandardCharsets.UTF_8));
    assertEquals("out/7", config.getString("export.output-dir"));
    assertEquals("runs/x/vq", config.getString("vqgan.train.output-dir"));
    String warned = warnings.toString(StandardCharsets.UTF_8);
    assertTrue(warned.contains("warning: export.dir (command line (export.dir=out/7)") && warned.contains(
        "is deprecated; write export.output-dir"), warned);
    assertEquals(0, cli.run("generate", "out=" + dir.resolve("samples"), "--print-config"), cli.err());
    assertTrue(cli.out().contains("output-dir=\"" + dir.resolve("samples")) || cli.out().contains("output-dir = \""
        + dir.resolve("samples")), cli.out());
    assertEquals(2, cli.run("export", "export.dir=a", "export.output-dir=b"));
    assertTrue(cli.err().contains("is the old name of export.output-dir, which is set too"), cli.err());
  }

  /** The words of an example command line after {@code ./liquid}, as a shell splits it; conf/ paths from the root. */
  static List<String> exampleWords(String line) {
    List<String> words = new java.util.ArrayList<>();
    var word = java.util.regex.Pattern.compile("(?:[^\\s\"]|\"[^\"]*\")+").matcher(line.replaceFirst("^\\./liquid ", ""));
    while (word.find()) {
      String w = word.group().replace("\"", "");
      words.add(w.startsWith("conf/") ? Fixtures.projectRoot().resolve(w).toString() : w);
    }
    return words;
  }

  @Test
  void everyCommandShowsExamplesThatParse() {
    var defaults = RecipeConfig.defaults(CommandKeysTest.class.getClassLoader());
    List<com.google.inject.Module> modules = new java.util.ArrayList<>(LiquidModules.all());
    modules.add(new io.liquidj.framework.cli.FrameworkModule(defaults));
    java.util.Map<String, io.liquidj.framework.cli.LiquidCommand> commands = com.google.inject.Guice.createInjector(modules)
        .getInstance(com.google.inject.Key.get(
            new com.google.inject.TypeLiteral<java.util.Map<String, io.liquidj.framework.cli.LiquidCommand>>() {}));
    commands.forEach((name, command) -> {
      assertTrue(!command.examples().isEmpty(), name + " shows no example");
      for (String example : command.examples()) {
        assertTrue(example.startsWith("./liquid " + name + " ") || example.equals("./liquid " + name), example);
        if (example.contains("...") || example.contains("/path/to/")) {
          continue;
        }
        List<String> words = new java.util.ArrayList<>(exampleWords(example));
        words.add("--print-config");
        assertEquals(0, cli.run(words.toArray(String[]::new)), example + ": " + cli.err());
      }
    });
  }

  @Test
  void theDemosTrainTokenizerStageRunsOnKeys() {
    assertEquals(0, cli.run("demo", "demo.output-dir=" + dir, "demo.conf-dir=" + Fixtures.projectRoot().resolve("conf/recipes"),
        "demo.stages=[demo-data,train-tokenizer]", "demo.pairs=40", "demo.text-docs=10", "demo.heldout=4"), cli.err());
    assertTrue(cli.out().contains("./liquid train-tokenizer train-tokenizer.output-dir=" + dir + "/tokenizer"), cli.out());
    assertTrue(Files.isRegularFile(dir.resolve("tokenizer/tokenizer.json")), cli.out());
  }

  @Test
  void oneKeyNamesTheTextTokenizerOfEveryStage() {
    ClassLoader loader = CommandKeysTest.class.getClassLoader();
    var config = RecipeConfig.load(Optional.empty(), List.of("tokenizer=runs/demo/tokenizer", "generate.tokenizer=g"),
        loader);
    for (String key : List.of("trainer.tokenizer", "data.prepare.tokenizer", "evaluate.tokenizer", "tokenize.tokenizer",
        "detokenize.tokenizer", "bench-tokenize.tokenizer")) {
      assertEquals("runs/demo/tokenizer", config.getString(key), key);
    }
    assertEquals("g", config.getString("generate.tokenizer"));
  }
}

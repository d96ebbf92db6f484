package io.liquidj.recipes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.framework.Fixtures;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.cli.LiquidCli;
import io.liquidj.framework.io.AtomicFiles;
import io.liquidj.recipes.LiquidModules;
import io.liquidj.tokenizers.text.BpeTrainer;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./liquid prepare} then {@code ./liquid train} through the command line, on real prepared data:
 * a tiny BPE tokenizer trained on the captions, 32×32 images coded by the fixture VQGAN (8×8 codes of
 * 128), tiny-llama from scratch sized to the tokenizer and extended with the 128 codes.
 */
class TrainEndToEndTest {
  private static final String[] COLOURS = {"red", "green", "blue", "yellow", "white", "black"};
  private static final Color[] RGB = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, Color.WHITE, Color.BLACK};
  private static final String[] SHAPES = {"square", "bar", "stripe"};
  private static final Pattern STEP = Pattern.compile("step (\\d+)/\\d+ loss (\\S+)");

  @TempDir Path dir;

  private String run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new LiquidCli(c -> LiquidModules.all(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)).run(args);
    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, printed + err.toString(StandardCharsets.UTF_8));
    return printed;
  }

  /** 40 captioned images, 40 text lines and a 300-id BPE tokenizer trained on 300 captions. */
  private void makeData() throws IOException {
    Random random = new Random(5);
    List<String> captions = new ArrayList<>();
    StringBuilder pairs = new StringBuilder();
    StringBuilder texts = new StringBuilder();
    Files.createDirectories(dir.resolve("images"));
    for (int i = 0; i < 300; i++) {
      int fg = random.nextInt(COLOURS.length);
      int bg = (fg + 1 + random.nextInt(COLOURS.length - 1)) % COLOURS.length;
      int shape = random.nextInt(SHAPES.length);
      String caption = "a " + COLOURS[fg] + " " + SHAPES[shape] + " on a " + COLOURS[bg] + " background";
      captions.add(caption);
      if (i < 40) {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        var g = image.createGraphics();
        g.setColor(RGB[bg]);
        g.fillRect(0, 0, 32, 32);
        g.setColor(RGB[fg]);
        g.fillRect(8, shape == 1 ? 4 : 8, shape == 2 ? 24 : 16, shape == 1 ? 24 : 16);
        g.dispose();
        ImageIO.write(image, "png", dir.resolve("images/" + i + ".png").toFile());
        pairs.append("{\"image\": \"images/").append(i).append(".png\", \"caption\": \"").append(caption).append("\"}\n");
      } else if (i < 80) {
        texts.append("{\"text\": \"").append(caption).append(", then ").append(captions.get(i - 40)).append(".\"}\n");
      }
    }
    AtomicFiles.writeString(dir.resolve("pairs.jsonl"), pairs.toString());
    AtomicFiles.writeString(dir.resolve("texts.jsonl"), texts.toString());
    BpeTrainer.write(captions, 300, Files.createDirectories(dir.resolve("tokenizer")));
  }

  private String train(boolean resume) {
    return run("train", "trainer.tokenizer=" + dir.resolve("tokenizer"), "backbone=tiny-llama",
        "trainer.image-codes=128", "trainer.steps=20", "trainer.batch-size=2", "trainer.seq-len=128",
        "data.max-length=128", "trainer.lr=3e-3", "trainer.log-every=1", "trainer.checkpoint-every=10",
        "trainer.progress-bar=false", "trainer.output-dir=" + dir.resolve("run"), "trainer.resume=" + resume,
        "schedule.warmup-steps=2", "data.sources=[{ path = \"" + dir.resolve("prepared/pairs") + "\", ratio = 0.7 },"
            + " { path = \"" + dir.resolve("prepared/text") + "\", ratio = 0.3 }]");
  }

  /** "step:loss" of every printed step. */
  private static List<String> losses(String printed) {
    List<String> out = new ArrayList<>();
    Matcher m = STEP.matcher(printed);
    while (m.find()) {
      out.add(m.group(1) + ":" + m.group(2));
    }
    return out;
  }

  private static double loss(String stepLoss) {
    return Double.parseDouble(stepLoss.split(":")[1]);
  }

  @Test
  void preparedPairsAndTextTrainFromScratchWriteCheckpointsEventsAndModelAndResumeExactly() throws Exception {
    makeData();
    Path vqgan = Fixtures.fixture("vqgan");
    run("prepare", "data.prepare.output-dir=" + dir.resolve("prepared/pairs"), "data.prepare.pairs=[\"" + dir.resolve("pairs.jsonl")
        + "\"]", "data.prepare.tokenizer=" + dir.resolve("tokenizer"), "data.prepare.image-tokenizer=" + vqgan,
        "data.prepare.image-size=32", "data.prepare.min-image-size=32", "data.prepare.threads=1");
    run("prepare", "data.prepare.output-dir=" + dir.resolve("prepared/text"), "data.prepare.texts=[\"" + dir.resolve("texts.jsonl")
        + "\"]", "data.prepare.tokenizer=" + dir.resolve("tokenizer"));

    String first = train(false);
    List<String> straight = losses(first);
    assertEquals(20, straight.size(), first);
    assertTrue(loss(straight.get(19)) < loss(straight.get(0)) - 1.0, "the loss should fall: " + straight);

    Path run = dir.resolve("run");
    assertTrue(Files.isDirectory(run.resolve("checkpoints/step-00000010")), first);
    assertTrue(Files.isDirectory(run.resolve("checkpoints/step-00000020")), first);
    try (Stream<Path> events = Files.list(run.resolve("tensorboard"))) {
      assertTrue(events.anyMatch(p -> p.getFileName().toString().startsWith("events.out.tfevents")));
    }
    ModelConfig model = ModelConfig.read(run.resolve("model"));
    assertEquals(128, model.liquid().numImageCodes());
    assertEquals(300, model.liquid().imageCodeOffset()); // from scratch: the tokenizer's 300 ids
    assertEquals(300 + 128, model.vocabSize()); // <boi>, <eoi>, <unconditional> are the tokenizer's own
    assertTrue(Files.isRegularFile(run.resolve("model/model.safetensors")));
    assertTrue(Files.isRegularFile(run.resolve("model/tokenizer.json")));

    // Killed after the step-10 checkpoint: the newest checkpoint and the model were never written.
    deleteTree(run.resolve("checkpoints/step-00000020"));
    deleteTree(run.resolve("model"));
    String resumed = train(true);
    assertTrue(resumed.contains("at step 10"), resumed);
    assertEquals(straight.subList(10, 20), losses(resumed), resumed);
    assertTrue(Files.isRegularFile(run.resolve("model/model.safetensors")));
  }

  private static void deleteTree(Path path) throws IOException {
    try (Stream<Path> s = Files.walk(path)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}

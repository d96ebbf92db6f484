package io.liquidj.recipes.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.BackboneSettings;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.generate.GenerateSettings;
import io.liquidj.framework.image.ImagePreprocessing;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import io.liquidj.framework.tokenizer.ImageTokenizer;
import io.liquidj.recipes.model.LiquidModels;
import jakarta.inject.Inject;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./liquid answer <conf> questions=q.jsonl output-dir=answers/}: a LLaVA-style question file (lines of
 * {@code {question_id, image, text}}, as the reference's {@code evaluation/VQA_Eval/model_vqa_loader.py}
 * reads) answered in batches of {@code generate.batch-size} into {@code <out>/answers.jsonl} (lines of
 * {@code {question_id, prompt, text, model_id}}), appending past the questions already answered and
 * taking only this process's {@code generate.shard}. Questions that carry the expected {@code answer}
 * (GQA) or {@code label} (POPE) are scored by exact match ({@link #matches}) and the accuracy printed.
 */
@CommandHelp(
    summary = "Answer a LLaVA-style question file (VQA benchmarks) in batches, resumably, and score exact matches",
    examples = {"./liquid answer conf/recipes/demo-report.conf questions=questions.jsonl output-dir=runs/answers"},
    configSections = {"backbone", "checkpoint", "tokenizer", "questions", "image-folder", "output-dir", "generate"})
public final class AnswerRecipe implements LiquidCommand {
  static final String ANSWERS = "answers.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LiquidModels models;

  @Inject
  AnswerRecipe(LiquidModels models) {
    this.models = models;
  }

  /** One question line. */
  private record Question(String id, String image, String text, String expected) {}

  @Override
  public int run(Invocation invocation) throws Exception {
    GenerateSettings s = GenerateSettings.from(invocation.config());
    BatchSettings batch = BatchSettings.from(invocation.config());
    Path file = batch.questions().orElseThrow(() -> new UserError("questions is empty: name a question file, "
        + "questions=llava_pope_test.jsonl (lines of {\"question_id\", \"image\", \"text\"})"));
    Path images = batch.imageFolder().orElse(file.toAbsolutePath().getParent());
    List<Question> mine = batch.mine(read(file));
    Files.createDirectories(s.out());
    Path answersFile = s.out().resolve(ANSWERS);
    Map<String, String> answered = new HashMap<>();
    if (Files.exists(answersFile)) {
      for (String l : Files.readAllLines(answersFile)) {
        if (!l.isBlank()) {
          JsonNode a = JSON.readTree(l);
          answered.put(a.path("question_id").asText(), a.path("text").asText());
        }
      }
    }
    List<Question> todo = mine.stream().filter(q -> !answered.containsKey(q.id())).toList();
    BackboneSettings backbone = BackboneSettings.from(invocation.config());
    String modelId = backbone.checkpoint().map(p -> String.valueOf(p.toAbsolutePath().normalize().getFileName()))
        .orElse(backbone.backbone());
    invocation.out().printf("answer: %d questions in shard %d/%d, %d already answered, %d to answer%n",
        mine.size(), batch.shard(), batch.shards(), mine.size() - todo.size(), todo.size());
    int h = s.shapes().gridHeight();
    int w = s.shapes().gridWidth();
    long start = System.nanoTime();
    try (GenerationModel model = GenerationModel.open(backbone, models, s, false);
        ImageTokenizer vq = models.imageTokenizer(s);
        BufferedWriter out = Files.newBufferedWriter(answersFile, StandardCharsets.UTF_8,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      model.requireImages();
      int f = vq.downsampleFactor();
      for (int from = 0; from < todo.size(); from += batch.batchSize()) {
        List<Question> part = todo.subList(from, Math.min(todo.size(), from + batch.batchSize()));
        List<RgbImage> inputs = new ArrayList<>();
        int[][] questions = new int[part.size()][];
        for (int i = 0; i < part.size(); i++) {
          Question q = part.get(i);
          RgbImage image = Images.read(images.resolve(q.image()));
          inputs.add(h == w ? ImagePreprocessing.apply(image, ImagePreprocessing.Mode.PAD_TO_SQUARE, h * f, f)
              : image.resize(w * f, h * f));
          questions[i] = model.tokenizer.encode(model.message(q.text()), false);
          model.requireCaptionFits(questions[i]);
        }
        int[][] codes = vq.encode(Images.toBatch(inputs));
        int[][] answers = model.client().caption(codes, questions, s.textSampling());
        for (int i = 0; i < part.size(); i++) {
          String text = model.tokenizer.decode(answers[i], true).strip();
          ObjectNode line = JSON.createObjectNode();
          line.put("question_id", part.get(i).id());
          line.put("prompt", part.get(i).text());
          line.put("text", text);
          line.put("model_id", modelId);
          out.write(JSON.writeValueAsString(line));
          out.newLine();
          answered.put(part.get(i).id(), text);
        }
        out.flush(); // a killed run keeps every finished batch
        int done = from + part.size();
        invocation.out().printf("answer: %d/%d questions, %.2f questions/s%n", done, todo.size(),
            done / ((System.nanoTime() - start) / 1e9));
      }
    }
    List<Question> scored = mine.stream().filter(q -> q.expected() != null).toList();
    if (!scored.isEmpty()) {
      long right = scored.stream().filter(q -> matches(answered.get(q.id()), q.expected())).count();
      invocation.out().printf("accuracy: %.2f%% (%d of %d exact matches)%n", 100.0 * right / scored.size(), right,
          scored.size());
    }
    return 0;
  }

  private static List<Question> read(Path file) throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new UserError("questions=" + file + ": no such file");
    }
    List<Question> questions = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    JsonLines.forEach(file, (line, n) -> {
      if (n == null || !n.hasNonNull("question_id") || !n.path("image").isTextual() || !n.path("text").isTextual()) {
        throw new UserError(file + ":" + line + ": expected {\"question_id\": ..., \"image\": \"...\", \"text\": \"...\"}");
      }
      String id = n.get("question_id").asText();
      if (!ids.add(id)) {
        throw new UserError(file + ":" + line + ": question_id " + id + " appears twice");
      }
      JsonNode expected = n.hasNonNull("answer") ? n.get("answer") : n.get("label");
      questions.add(new Question(id, n.get("image").asText(), n.get("text").asText(),
          expected == null || expected.isNull() ? null : expected.asText()));
    });
    return questions;
  }

  /**
   * Exact match after normalising both sides (lower case, trimmed, trailing period removed, as GQA's
   * scoring); a yes/no expectation reads the answer as POPE's {@code eval_pope.py} does: "no" when its
   * first sentence has the word "no" or "not", else "yes".
   */
  static boolean matches(String answer, String expected) {
    if (answer == null) {
      return false;
    }
    String want = normalise(expected);
    if (want.equals("yes") || want.equals("no")) {
      List<String> words = List.of(answer.split("\\.")[0].replace(",", "").toLowerCase(Locale.ROOT).split("\\s+"));
      return want.equals(words.contains("no") || words.contains("not") ? "no" : "yes");
    }
    return normalise(answer).equals(want);
  }

  private static String normalise(String s) {
    String t = s.strip().toLowerCase(Locale.ROOT);
    return t.endsWith(".") ? t.substring(0, t.length() - 1).strip() : t;
  }
}

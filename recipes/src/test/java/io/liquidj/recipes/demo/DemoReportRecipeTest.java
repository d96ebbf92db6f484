package io.liquidj.recipes.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liquidj.framework.image.Images;
import io.liquidj.framework.image.RgbImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The report's scores on four held-out scenes whose answers are counted by hand. */
class DemoReportRecipeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<ShapeScene> SCENES = List.of(
      new ShapeScene("red", "circle", "top left", "blue"),
      new ShapeScene("red", "triangle", "center", "green"),
      new ShapeScene("green", "triangle", "top right", "blue"),
      new ShapeScene("blue", "triangle", "bottom left", "white"));

  private static List<JsonNode> heldout() {
    return SCENES.stream().map(s -> (JsonNode) JSON.createObjectNode().put("caption", s.caption())
        .put("color", s.color()).put("shape", s.shape()).put("position", s.position())
        .put("background", s.background())).toList();
  }

  private static RgbImage render(ShapeScene scene) {
    return Images.fromBufferedImage(scene.render(32));
  }

  /**
   * Generated: four plain blue images (the background of scenes 0 and 2). Captions: scene 0's, none,
   * scene 2's with the colour wrong, scene 3's. Reconstructions: the truth, except scene 3's lost its
   * shape (a plain white image).
   */
  private static ObjectNode scores() {
    RgbImage blue = RgbImage.filled(32, 32, 30, 60, 220);
    return DemoReportRecipe.scores(heldout(), List.of(blue, blue, blue, blue),
        List.of(SCENES.get(0).caption(), "a shape", "a red triangle at the top right on a blue background",
            SCENES.get(3).caption()),
        List.of(render(SCENES.get(0)), render(SCENES.get(1)), render(SCENES.get(2)),
            RgbImage.filled(32, 32, 245, 245, 245)));
  }

  private static void assertScores(String row, JsonNode scores, double color, double shape, double position,
      double background) {
    assertEquals(color, scores.get("color").asDouble(), row + " color");
    assertEquals(shape, scores.get("shape").asDouble(), row + " shape");
    assertEquals(position, scores.get("position").asDouble(), row + " position");
    assertEquals(background, scores.get("background").asDouble(), row + " background");
  }

  @Test
  void accuraciesCountTheJudgedImagesAndTheCaptionsReadBack() {
    ObjectNode report = scores();
    assertScores("text_to_image", report.get("text_to_image"), 0, 0, 0, 0.5);
    assertScores("image_to_text", report.get("image_to_text"), 0.5, 0.75, 0.75, 0.75);
  }

  @Test
  void emptyImagesCountTheGeneratedImagesWithNoShape() {
    RgbImage blue = RgbImage.filled(32, 32, 30, 60, 220);
    ObjectNode report = DemoReportRecipe.scores(heldout(), List.of(render(SCENES.get(0)), blue, blue,
        render(SCENES.get(3))), List.of("a", "b", "c", "d"), List.of(blue, blue, blue, blue));
    assertEquals(2, report.get("empty_images").asInt());
    assertEquals(4, scores().get("empty_images").asInt(), "four plain blue images");
  }

  @Test
  void ceilingIsTheJudgeOnTheVqReconstructionsOfTheTruth() {
    assertScores("vq_ceiling", scores().get("vq_ceiling"), 0.75, 0.75, 0.75, 1);
  }

  @Test
  void majorityBaselineAlwaysAnswersTheHeldOutSetsMostCommonValue() {
    ObjectNode report = scores();
    // red 2 of 4; triangle 3 of 4; four positions once each (the first in order wins); blue 2 of 4.
    assertScores("majority_baseline", report.get("majority_baseline"), 0.5, 0.75, 0.25, 0.5);
    assertEquals("{\"color\":\"red\",\"shape\":\"triangle\",\"position\":\"bottom left\",\"background\":\"blue\"}",
        report.get("majority_answer").toString());
    // A uniform guess: colour and background alike among the 6 palette colours.
    assertScores("chance", report.get("chance"), 1 / 6.0, 1 / 3.0, 1 / 5.0, 1 / 6.0);
  }

  @Test
  void reportTableHasTheCeilingBaselineAndChanceRows() {
    ObjectNode report = scores();
    report.put("guidance_scale", 1.25).put("temperature", 0.8).put("top_p", 0.9).put("contact_sheet", "sheet.png");
    List<String> captions = List.of("a", "b", "c", "d");
    String md = DemoReportRecipe.markdown(report, heldout(), captions);
    assertTrue(md.contains("| accuracy | color | shape | position | background |\n"), md);
    assertTrue(md.contains("| text → image (judge on the generated images) | 0.00 | 0.00 | 0.00 | 0.50 |\n"), md);
    assertTrue(md.contains("| image → text (attributes read from the captions) | 0.50 | 0.75 | 0.75 | 0.75 |\n"), md);
    assertTrue(md.contains("| ceiling: judge on the VQ reconstructions of the truth images | 0.75 | 0.75 | 0.75 | 1.00 |\n"),
        md);
    assertTrue(md.contains("| baseline: always the held-out set's most common answer | 0.50 (red) | 0.75 (triangle)"
        + " | 0.25 (bottom left) | 0.50 (blue) |\n"), md);
    assertTrue(md.contains("| chance: a uniform guess | 0.17 | 0.33 | 0.20 | 0.17 |\n"), md);
    assertTrue(md.contains("| " + SCENES.get(3).caption() + " | d |\n"), md);
    assertTrue(md.contains("Empty images (the judge finds no shape in a generated image): 4 of 4.\n"), md);
  }
}

package io.liquidj.recipes.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SceneJudgeTest {
  @Test
  void judgeReadsBackEveryAttributeOfRenderedScenes() {
    Random random = new Random(7);
    int n = 300;
    int color = 0;
    int background = 0;
    int position = 0;
    int shape = 0;
    for (int i = 0; i < n; i++) {
      ShapeScene scene = ShapeScene.random(random);
      SceneJudge.Verdict v = SceneJudge.judge(scene.render(32));
      color += v.color().equals(scene.color()) ? 1 : 0;
      background += v.background().equals(scene.background()) ? 1 : 0;
      position += v.position().equals(scene.position()) ? 1 : 0;
      shape += v.shape().equals(scene.shape()) ? 1 : 0;
    }
    assertEquals(n, color, "colour");
    assertEquals(n, background, "background");
    assertEquals(n, position, "position");
    assertTrue(shape >= 0.9 * n, "shape " + shape + "/" + n);
  }

  @Test
  void aPlainImageHasNoShape() {
    BufferedImage plain = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
    assertEquals("none", SceneJudge.judge(plain).color());
    assertEquals("black", SceneJudge.judge(plain).background());
  }
}

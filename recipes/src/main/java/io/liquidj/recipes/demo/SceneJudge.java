package io.liquidj.recipes.demo;

import java.awt.image.BufferedImage;

/**
 * A simple pixel-based classifier that reads a scene back from an image: each pixel is mapped to
 * the nearest palette colour; the background is the most common colour on the border, the shape's
 * colour the most common other colour, its position the quadrant (or centre) of the middle of that colour's
 * bounding box, and its shape the fill ratio of its bounding box (circle ≈ π/4, square ≈ 1, triangle ≈ ½).
 */
public final class SceneJudge {
  private SceneJudge() {}

  /** What the judge saw; any field may be "none" when the image has no second colour. */
  public record Verdict(String color, String shape, String position, String background) {}

  /** Classifies an image. */
  public static Verdict judge(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    int[][] label = new int[h][w];
    int n = ShapeScene.COLORS.size();
    int[] border = new int[n];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        label[y][x] = nearest(image.getRGB(x, y));
        if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
          border[label[y][x]]++;
        }
      }
    }
    int background = argmax(border);
    int[] inner = new int[n];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (label[y][x] != background) {
          inner[label[y][x]]++;
        }
      }
    }
    inner[background] = 0;
    int color = argmax(inner);
    if (inner[color] < w * h / 50) {
      return new Verdict("none", "none", "none", ShapeScene.COLORS.get(background));
    }
    int count = 0;
    int minX = w;
    int minY = h;
    int maxX = -1;
    int maxY = -1;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (label[y][x] == color) {
          count++;
          minX = Math.min(minX, x);
          maxX = Math.max(maxX, x);
          minY = Math.min(minY, y);
          maxY = Math.max(maxY, y);
        }
      }
    }
    // The middle of the shape's bounding box (a triangle's mass sits low in its box; its box does not).
    double cx = (minX + maxX + 1) / 2.0 / w;
    double cy = (minY + maxY + 1) / 2.0 / h;
    String position;
    if (Math.abs(cx - 0.5) < 0.12 && Math.abs(cy - 0.5) < 0.12) {
      position = "center";
    } else {
      position = (cy < 0.5 ? "top" : "bottom") + " " + (cx < 0.5 ? "left" : "right");
    }
    double fill = (double) count / ((maxX - minX + 1) * (maxY - minY + 1));
    String shape = fill > 0.9 ? "square" : fill > 0.65 ? "circle" : "triangle";
    return new Verdict(ShapeScene.COLORS.get(color), shape, position, ShapeScene.COLORS.get(background));
  }

  private static int nearest(int argb) {
    int r = (argb >> 16) & 0xff;
    int g = (argb >> 8) & 0xff;
    int b = argb & 0xff;
    int best = 0;
    long bestD = Long.MAX_VALUE;
    for (int i = 0; i < ShapeScene.COLORS.size(); i++) {
      int[] c = ShapeScene.rgb(ShapeScene.COLORS.get(i));
      long d = (long) (r - c[0]) * (r - c[0]) + (long) (g - c[1]) * (g - c[1]) + (long) (b - c[2]) * (b - c[2]);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  private static int argmax(int[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }
}

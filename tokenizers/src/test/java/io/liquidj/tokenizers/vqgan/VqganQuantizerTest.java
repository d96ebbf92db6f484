package io.liquidj.tokenizers.vqgan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.liquidj.framework.tf.Weights;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class VqganQuantizerTest {
  @Test
  void nearestCodeIsRowMajorAndTiesGoToTheLowestIndex() {
    // embed_dim 2, codebook of 4 with rows 1 and 3 equal; z on a 1x3 grid (h=1, w=3).
    VqganConfig config = new VqganConfig(2, 4, 32, List.of(1), 1, List.of(), 32, 16, 3, 3, 0.0);
    float[] codebook = {0, 0, 1, 1, -1, 0, 1, 1};
    float[] z = {0.9f, 1.2f, -0.8f, 0.1f, 0.1f, -0.05f}; // → 1 (not 3), 2, 0
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Weights w = name -> tf.constant(Shape.of(4, 2), DataBuffers.of(codebook));
      var codes = new Vqgan(config).nearestCodes(tf, w, tf.constant(Shape.of(1, 1, 3, 2), DataBuffers.of(z)));
      try (Result r = s.runner().fetch(codes).run()) {
        int[] out = new int[3];
        ((TInt32) r.get(0)).asRawTensor().data().asInts().read(out);
        assertArrayEquals(new int[] {1, 2, 0}, out);
      }
    }
  }

  @Test
  void codebookVectorsAreGatheredRowMajor() {
    VqganConfig config = new VqganConfig(2, 3, 32, List.of(1), 1, List.of(), 32, 16, 3, 3, 0.0);
    float[] codebook = {10, 11, 20, 21, 30, 31};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Weights w = name -> tf.constant(Shape.of(3, 2), DataBuffers.of(codebook));
      var vectors = new Vqgan(config).codebookVectors(tf, w, tf.constant(new int[][] {{2, 0, 1, 1}}), 2, 2);
      try (Result r = s.runner().fetch(vectors).run()) {
        float[] out = new float[8];
        ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(out);
        assertArrayEquals(new float[] {30, 31, 10, 11, 20, 21, 20, 21}, out);
      }
    }
  }
}

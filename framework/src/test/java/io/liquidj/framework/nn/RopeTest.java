package io.liquidj.framework.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.liquidj.framework.backbone.ModelConfig.RopeSettings;
import org.junit.jupiter.api.Test;

class RopeTest {
  /**
   * Llama-3.1 scaling with a context of 64 puts the second frequency in the smoothed band (the
   * hf/llama3 fixture has none there). Expected values: transformers' _compute_llama3_parameters run
   * in float32 with numpy.
   */
  @Test
  void llama3ScalingMatchesTransformersInAllThreeBands() {
    RopeSettings rope = new RopeSettings(500000.0, "llama3", 8.0, 1.0, 4.0, 64);
    float[] expected = {1.000000000e+00f, 7.940301299e-02f, 4.700753838e-03f, 9.115831344e-04f, 1.767766807e-04f,
        3.428102355e-05f, 6.647870578e-06f, 1.289173156e-06f};
    float[] actual = Rope.inverseFrequencies(rope, 16);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], expected[i] * 1e-6f, "inv_freq[" + i + "]");
    }
  }
}

package io.liquidj.framework.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryEstimateTest {
  @TempDir Path dir;

  /**
   * TinyBackbone: vocab 16, hidden 8, intermediate 8, 1 layer, 1 head; 16·8 + 8·8 + 8 + 16·8 = 328
   * parameters, all trained.
   * batch 8 × seq-len 8 on 2 devices: 32 tokens per replica.
   * Per token: a layer keeps 8·8 + 4·8 + 2·1·8 = 112 floats, the head 2·16 = 32; without recomputation
   * 1·112 + 8 + 32 = 152, with it (1+1)·8 + 112 + 32 = 160.
   */
  @Test
  void estimateCountsWeightsGradientsMomentsAndActivationsByHand() {
    TinyBackbone tiny = new TinyBackbone();
    List<String> base = List.of("trainer.batch-size = 8", "trainer.seq-len = 8", "distributed.devices = 2");
    MemoryEstimate plain = MemoryEstimate.of(tiny.config(), tiny.parameters(), 328,
        TestSettings.of(dir, base.toArray(String[]::new)));
    assertEquals(4 * 328, plain.weights());
    assertEquals(4 * 328, plain.gradients());
    assertEquals(4 * 2 * 328, plain.optimizer());
    assertEquals(4 * 32 * 152, plain.activations());
    assertEquals(4 * 328 * 4 + 4 * 32 * 152, plain.total());

    MemoryEstimate zeroOneAccumulatingRecomputing = MemoryEstimate.of(tiny.config(), tiny.parameters(), 328,
        TestSettings.of(dir, "trainer.batch-size = 8", "trainer.seq-len = 8", "distributed.devices = 2",
            "distributed.shard = optimizer", "trainer.grad-accum = 4", "trainer.recompute-activations = true"));
    assertEquals(4 * 328, zeroOneAccumulatingRecomputing.weights());
    assertEquals(4 * 2 * 328, zeroOneAccumulatingRecomputing.gradients(), "gradients and accumulators");
    assertEquals(4 * 328, zeroOneAccumulatingRecomputing.optimizer(), "half of the two moments");
    assertEquals(4 * 32 * 160, zeroOneAccumulatingRecomputing.activations());
  }

  /**
   * ZeRO-3 over 2 replicas: half of the weights (4·328/2) plus what is gathered whole: the largest layer (up_proj,
   * 64) and everything outside the layers (embedding, final norm, head: 264); half of the gradients plus one
   * layer's and one bucket of whole gradients (the bucket is larger than the model: 4·328); half of the moments;
   * the layers recomputed.
   */
  @Test
  void parameterShardsHoldHalfOfEachPartPlusWhatIsGathered() {
    TinyBackbone tiny = new TinyBackbone();
    MemoryEstimate zero3 = MemoryEstimate.of(tiny.config(), tiny.parameters(), 328,
        TestSettings.of(dir, "trainer.batch-size = 8", "trainer.seq-len = 8", "distributed.devices = 2",
            "distributed.shard = parameters"));
    assertEquals(4 * 328 / 2 + 4 * (64 + 264), zero3.weights());
    assertEquals(4 * 328 / 2 + 4 * 64 + 4 * 328, zero3.gradients());
    assertEquals(4 * 328, zero3.optimizer());
    assertEquals(4 * 32 * 160, zero3.activations(), "recomputed");
  }

  /**
   * LoRA under bf16: the adapted up_proj (64) and the frozen norm (8) are held in bf16, the trained embedding and
   * head (128 each) in f32: 4·256 + 2·72 bytes, 2·72 fewer than f32.
   */
  @Test
  void frozenParametersOfABf16RunCountTwoBytes() {
    TinyBackbone tiny = new TinyBackbone();
    MemoryEstimate lora = MemoryEstimate.of(tiny.config(), tiny.parameters(),
        TestSettings.of(dir, "lora.enabled = true", "lora.rank = 2", "trainer.precision = bf16"));
    assertEquals(4 * 256 + 2 * 72, lora.weights());
    assertEquals(2 * 72, lora.bf16Saved());
    org.junit.jupiter.api.Assertions.assertTrue(lora.describe().contains("frozen in bf16"), lora.describe());

    MemoryEstimate f32 = MemoryEstimate.of(tiny.config(), tiny.parameters(),
        TestSettings.of(dir, "lora.enabled = true", "lora.rank = 2", "trainer.precision = f32"));
    assertEquals(4 * 328, f32.weights());
    assertEquals(0, f32.bf16Saved());
  }
}

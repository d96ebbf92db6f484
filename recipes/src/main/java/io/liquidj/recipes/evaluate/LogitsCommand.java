package io.liquidj.recipes.evaluate;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.cli.CommandHelp;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.cli.LiquidCommand;
import io.liquidj.framework.data.Batch;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.loss.ZLoss;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tf.Fetched;
import io.liquidj.framework.tf.VariableStore;
import io.liquidj.framework.train.BatchGraph;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@code ./liquid logits <checkpoint-dir> <in.safetensors> <out.safetensors>}: runs a Hugging Face
 * checkpoint on {@code input_ids} [B,T] (int32/int64, and {@code attention_mask} if present) and writes
 * {@code logits} [B,T,V] f32, {@code loss} [1] (mean next-token cross-entropy over the T-1 shifted
 * positions) and {@code zloss} [1] (mean logsumexp² over the same positions), to compare with
 * transformers. Positions are 0..T-1 as in a plain transformers forward call; padded positions (mask
 * 0 at the input or the target) are left out of loss and zloss.
 *
 * <p>{@code --precision bf16} runs it as {@code generate.precision = bf16} does (weights held in bf16, bf16
 * matmuls); {@code --compare <reference.safetensors>} prints the largest |logits − reference logits| (a
 * transformers fixture's {@code io.safetensors} holds both the inputs and the reference).
 */
@CommandHelp(
    summary = "Run a checkpoint on token ids and write logits, loss and z-loss (to verify a conversion)",
    examples = {"./liquid logits testdata/hf/llama3 testdata/hf/llama3/io.safetensors runs/logits.safetensors",
        "./liquid logits logits.checkpoint=runs/demo/export/hf logits.input=in.safetensors logits.output=out.safetensors"
            + " logits.precision=bf16"},
    configSections = {"logits"})
public final class LogitsCommand implements LiquidCommand {
  private final Backbones backbones;

  @Inject
  LogitsCommand(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public String usage() {
    return "[conf-file] [key=value ...] | <checkpoint-dir> <in.safetensors> <out.safetensors> [--precision bf16]"
        + " [--compare <reference.safetensors>]";
  }

  @Override
  public List<String> positionalKeys() {
    return List.of("logits.checkpoint", "logits.input", "logits.output");
  }

  @Override
  public List<Flag> flags() {
    return List.of(new Flag("--precision", true, "logits.precision"), new Flag("--compare", true, "logits.compare"));
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Path checkpoint = Path.of(invocation.required("logits.checkpoint", "a Hugging Face checkpoint folder"));
    Path in = Path.of(invocation.required("logits.input", "an input .safetensors with input_ids [B,T]"));
    Path out = Path.of(invocation.required("logits.output", "the output .safetensors to write"));

    int[] ids;
    int[] mask;
    long[] shape;
    try (SafetensorsFile input = SafetensorsFile.open(in)) {
      if (!input.contains("input_ids") || input.info("input_ids").shape().length != 2) {
        throw new UserError(in + ": expected a tensor \"input_ids\" of shape [B,T] (int32 or int64), found "
            + input.names());
      }
      shape = input.info("input_ids").shape();
      ids = input.readInts("input_ids");
      if (input.contains("attention_mask")) {
        if (!Arrays.equals(input.info("attention_mask").shape(), shape)) {
          throw new UserError(in + ": attention_mask has shape " + Arrays.toString(input.info("attention_mask").shape())
              + ", expected " + Arrays.toString(shape) + " like input_ids");
        }
        mask = input.readInts("attention_mask");
      } else {
        mask = new int[ids.length];
        Arrays.fill(mask, 1);
      }
    }
    ModelConfig config = backbones.complete(ModelConfig.read(checkpoint));
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new UserError(in + ": input_ids holds " + id + ", outside the checkpoint's vocabulary [0, "
            + config.vocabSize() + ")");
      }
    }
    if (shape[1] > config.maxPositionEmbeddings()) {
      throw new UserError(in + ": input_ids has " + shape[1] + " positions, more than the model's context of "
          + config.maxPositionEmbeddings() + " (max_position_embeddings in " + config.source() + ")");
    }
    Precision precision = Precision.parse("logits.precision", invocation.config().getString("logits.precision"));
    Backbone backbone = backbones.create(config, precision);

    int rows = Math.toIntExact(shape[0]);
    int length = Math.toIntExact(shape[1]);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      VariableStore store = BackboneVariables.create(tf, backbone, 0, precision);
      BackboneVariables.load(session, store, checkpoint);
      BatchGraph batchGraph = new BatchGraph(tf, backbone, store.weights(), new BatchGraph.Settings(
          rows, length, BatchGraph.Masking.PADDING, ZLoss.LOGSUMEXP, 0, false, null));
      LossParts loss = batchGraph.loss();

      try (BatchGraph.Feed feed = batchGraph.newFeed();
          Result r = feed.feed(session.runner(), shifted(rows, length, ids, mask))
              .fetch(batchGraph.logits()).fetch(loss.crossEntropy()).fetch(loss.zLoss()).run()) {
        TFloat32 values = Fetched.tensor(r, batchGraph.logits()); // [B, T, V]
        long[] logitsShape = values.shape().asArray();
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(values.shape().size() * 4)).order(ByteOrder.LITTLE_ENDIAN);
        values.asRawTensor().data().copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(bytes), bytes.capacity());
        float lossValue = Fetched.scalar(r, loss.crossEntropy());
        float zLossValue = Fetched.scalar(r, loss.zLoss());
        new SafetensorsWriter()
            .add("logits", DType.F32, logitsShape, bytes)
            .addFloats("loss", DType.F32, new long[] {1}, new float[] {lossValue})
            .addFloats("zloss", DType.F32, new long[] {1}, new float[] {zLossValue})
            .write(out);
        invocation.out().printf("logits %s, loss %.6f, zloss %.6f -> %s%n", Arrays.toString(logitsShape), lossValue,
            zLossValue, out);
        if (!invocation.config().getString("logits.compare").isEmpty()) {
          Path reference = Path.of(invocation.config().getString("logits.compare"));
          invocation.out().printf("max_abs_diff %.6e (%s logits vs %s)%n",
              maxAbsDiff(bytes.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), logitsShape, reference), precision, reference);
        }
      }
    }
    return 0;
  }

  /** The largest |logits − reference's {@code logits}|, which must have the same shape. */
  private static double maxAbsDiff(FloatBuffer logits, long[] shape, Path reference) {
    try (SafetensorsFile ref = SafetensorsFile.open(reference)) {
      if (!ref.contains("logits") || !Arrays.equals(ref.info("logits").shape(), shape)) {
        throw new UserError("--compare " + reference + ": expected a tensor \"logits\" of shape " + Arrays.toString(shape)
            + ", found " + (ref.contains("logits") ? Arrays.toString(ref.info("logits").shape()) : "none"));
      }
      float[] want = ref.readFloats("logits");
      double max = 0;
      for (int i = 0; i < want.length; i++) {
        max = Math.max(max, Math.abs(logits.get(i) - want[i]));
      }
      return max;
    }
  }

  /**
   * transformers' forward call as a batch: positions 0..T-1, the attention mask as the rows' segment ids,
   * and at t < T-1 the target ids[t+1] weighted mask[t]·mask[t+1] (the last position predicts nothing).
   */
  private static Batch shifted(int rows, int length, int[] ids, int[] mask) {
    int[] targets = new int[ids.length];
    int[] positions = new int[ids.length];
    float[] weights = new float[ids.length];
    for (int i = 0; i < ids.length; i++) {
      int t = i % length;
      positions[i] = t;
      if (t < length - 1) {
        targets[i] = ids[i + 1];
        weights[i] = mask[i] * mask[i + 1];
      }
    }
    return new Batch(rows, length, ids, targets, positions, mask, weights);
  }
}

package io.liquidj.recipes;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.Backbones;
import io.liquidj.framework.backbone.ForwardInputs;
import io.liquidj.framework.backbone.ModelConfig;
import io.liquidj.framework.backbone.Precision;
import io.liquidj.framework.backbone.VocabularyExtension;
import io.liquidj.framework.cli.Command;
import io.liquidj.framework.cli.Invocation;
import io.liquidj.framework.loss.LossParts;
import io.liquidj.framework.loss.Losses;
import io.liquidj.framework.loss.ZLoss;
import io.liquidj.framework.nn.AttentionMasks;
import io.liquidj.framework.safetensors.DType;
import io.liquidj.framework.safetensors.SafetensorsFile;
import io.liquidj.framework.safetensors.SafetensorsWriter;
import io.liquidj.framework.tf.VariableStore;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * {@code ./liquid logits <checkpoint-dir> <in.safetensors> <out.safetensors>}: runs a Hugging Face
 * checkpoint on {@code input_ids} [B,T] (int32/int64, and {@code attention_mask} if present) and writes
 * {@code logits} [B,T,V] f32, {@code loss} [1] (mean next-token cross-entropy over the T-1 shifted
 * positions) and {@code zloss} [1] (mean logsumexp² over the same positions), to compare with
 * transformers. Positions are 0..T-1 as in a plain transformers forward call; padded positions (mask
 * 0 at the input or the target) are left out of loss and zloss.
 */
final class LogitsCommand implements Command {
  private final Backbones backbones;

  @Inject
  LogitsCommand(Backbones backbones) {
    this.backbones = backbones;
  }

  @Override
  public String summary() {
    return "Run a checkpoint on token ids and write logits, loss and z-loss (to verify a conversion)";
  }

  @Override
  public String usage() {
    return "<checkpoint-dir> <in.safetensors> <out.safetensors>";
  }

  @Override
  public int maxArguments() {
    return 3;
  }

  @Override
  public int run(Invocation invocation) throws Exception {
    Path checkpoint = Path.of(invocation.argument(0, "a Hugging Face checkpoint folder"));
    Path in = Path.of(invocation.argument(1, "an input .safetensors with input_ids [B,T]"));
    Path out = Path.of(invocation.argument(2, "the output .safetensors to write"));

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
    ModelConfig config = VocabularyExtension.recognise(ModelConfig.read(checkpoint));
    for (int id : ids) {
      if (id < 0 || id >= config.vocabSize()) {
        throw new UserError(in + ": input_ids holds " + id + ", outside the checkpoint's vocabulary [0, "
            + config.vocabSize() + ")");
      }
    }
    Backbone backbone = backbones.create(config, Precision.F32);

    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      VariableStore store = BackboneVariables.create(tf, backbone, 0);
      BackboneVariables.load(session, store, checkpoint);
      Operand<TInt32> idsOp = tf.constant(Shape.of(shape), org.tensorflow.ndarray.buffer.DataBuffers.of(ids, true, false));
      Operand<TInt32> maskOp = tf.constant(Shape.of(shape), org.tensorflow.ndarray.buffer.DataBuffers.of(mask, true, false));
      Operand<TFloat32> logits = backbone.forward(tf, store.weights(),
          ForwardInputs.full(idsOp, AttentionMasks.arangePositions(tf, idsOp),
              AttentionMasks.causalWithPadding(tf, maskOp))).logits(); // [B, T, V]

      // The T-1 shifted positions: logits at t predict ids at t+1.
      Operand<TFloat32> shifted = tf.stridedSlice(logits, Indices.all(), Indices.slice(0, -1), Indices.all());
      Operand<TInt32> targets = tf.stridedSlice(idsOp, Indices.all(), Indices.sliceFrom(1));
      Operand<TFloat32> weights = tf.dtypes.cast(tf.math.mul(
          tf.stridedSlice(maskOp, Indices.all(), Indices.slice(0, -1)),
          tf.stridedSlice(maskOp, Indices.all(), Indices.sliceFrom(1))), TFloat32.class);
      LossParts loss = Losses.crossEntropyWithZLoss(tf, shifted, targets, weights, ZLoss.LOGSUMEXP, 0, null);

      try (Result r = session.runner().fetch(logits).fetch(loss.crossEntropy()).fetch(loss.zLoss()).run()) {
        TFloat32 values = (TFloat32) r.get(0);
        long[] logitsShape = values.shape().asArray();
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(values.shape().size() * 4)).order(ByteOrder.LITTLE_ENDIAN);
        values.asRawTensor().data().copyTo(org.tensorflow.ndarray.buffer.DataBuffers.of(bytes), bytes.capacity());
        float lossValue = ((TFloat32) r.get(1)).getFloat();
        float zLossValue = ((TFloat32) r.get(2)).getFloat();
        new SafetensorsWriter()
            .add("logits", DType.F32, logitsShape, bytes)
            .addFloats("loss", DType.F32, new long[] {1}, new float[] {lossValue})
            .addFloats("zloss", DType.F32, new long[] {1}, new float[] {zLossValue})
            .write(out);
        invocation.out().printf("logits %s, loss %.6f, zloss %.6f -> %s%n", Arrays.toString(logitsShape), lossValue,
            zLossValue, out);
      }
    }
    return 0;
  }
}

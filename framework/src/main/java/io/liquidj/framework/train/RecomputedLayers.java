package io.liquidj.framework.train;

import io.liquidj.framework.backbone.LayerStack;
import io.liquidj.framework.tf.Weights;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat32;

/**
 * Activation recomputation (gradient checkpointing, Chen et al. 2016) at decoder-layer granularity, as
 * {@code torch.utils.checkpoint} around each layer does it.
 *
 * <p>The forward pass keeps only each layer's input hidden state [B,T,hidden]; everything a layer
 * computes inside (attention scores and probabilities, MLP activations) is dropped as soon as the layer's
 * output exists. The backward pass walks the layers from the last to the first: it rebuilds layer i from
 * its kept input (an {@code Identity} that waits for the gradient of the layer's output, so the rebuilt
 * copy runs only when it is needed) and backpropagates through the rebuilt copy. Peak activation memory
 * falls from all layers' intermediates to one layer's plus the kept hidden states, for one extra forward
 * pass of compute (about a third more per step).
 *
 * <p>The gradients are the plain backward pass's up to floating-point summation order.
 */
public final class RecomputedLayers {
  private final LayerStack stack;
  private final Function<Operand<?>, Weights> pieceWeights;
  private final Operand<TFloat32> embedded;
  /** The input of each layer and of the head, cut from the piece before. */
  private final List<Operand<TFloat32>> hidden = new ArrayList<>();
  private final Map<String, Operand<TFloat32>> embedReads;
  private final Map<String, Operand<TFloat32>> headReads;
  private final Operand<TFloat32> logits;

  /** Builds the forward pass of {@code stack} in {@code tf}, recording which parameters each piece reads. */
  public RecomputedLayers(Ops tf, LayerStack stack, Weights weights) {
    this(tf, stack, (Function<Operand<?>, Weights>) trigger -> weights);
  }

  /**
   * {@link #RecomputedLayers(Ops, LayerStack, Weights)} with the weights of each piece (the embedding, each layer,
   * the head; the rebuilt layers again) asked for anew: {@code pieceWeights.apply(input)} reads the weights
   * of the piece whose input is {@code input} (null for the embedding), so that reads which are not plain
   * variable reads (ZeRO-3's gathers, {@link ParameterShards.Gathered}) run just before the piece.
   */
  public RecomputedLayers(Ops tf, LayerStack stack, Function<Operand<?>, Weights> pieceWeights) {
    this.stack = stack;
    this.pieceWeights = pieceWeights;
    // Each piece's input is cut from the one before (StopGradient): the backward pass below differentiates
    // piece by piece, and a parameter two pieces share (a tied embedding and LM head) must not be reached
    // through the whole network from the head.
    Recording embed = new Recording(pieceWeights.apply(null));
    embedded = stack.embed(tf, embed);
    hidden.add(tf.stopGradient(embedded));
    embedReads = embed.reads;
    for (int i = 0; i < stack.size(); i++) {
      Recording layer = new Recording(pieceWeights.apply(hidden.get(i)));
      Operand<TFloat32> out = stack.layer(tf.withSubScope("layer" + i), layer, i, hidden.get(i), null).hidden();
      hidden.add(tf.stopGradient(out));
    }
    Recording head = new Recording(pieceWeights.apply(hidden.get(stack.size())));
    logits = stack.head(tf, head, hidden.get(stack.size()));
    headReads = head.reads;
  }

  /** The forward pass's logits [B,T,V]. */
  public Operand<TFloat32> logits() {
    return logits;
  }

  /**
   * d loss / d xs through the recomputed layers.
   *
   * @param xs the operands to differentiate against (the reads of the trained variables); a null entry stands
   *     for whatever operand each piece read for its owner (ZeRO-3: each piece's own gather), its gradient
   *     summed over the pieces
   * @param owners for each of {@code xs}, the parameter name whose {@link Weights#get} uses it (a LoRA
   *     adapter's read belongs to the projection it adapts)
   */
  public List<Operand<TFloat32>> gradients(
      Ops tf, Operand<TFloat32> loss, List<Operand<TFloat32>> xs, List<String> owners) {
    List<Operand<TFloat32>> total = new ArrayList<>();
    xs.forEach(x -> total.add(null));

    // The head: d loss / d (last hidden state, head parameters).
    int n = stack.size();
    Ops head = tf.withSubScope("head");
    Operand<TFloat32> dh = backprop(head, List.of(loss), hidden.get(n), null, headReads, xs, owners, total);

    Map<String, Operand<TFloat32>> anyRead = new LinkedHashMap<>(headReads);
    for (int i = n - 1; i >= 0; i--) {
      Ops scope = tf.withSubScope("layer" + i);
      // The rebuilt layer starts only once the gradient of its output exists.
      Operand<TFloat32> input = scope.withControlDependencies(List.of(dh)).withName("input").identity(hidden.get(i));
      Recording rebuilt = new Recording(pieceWeights.apply(input));
      Operand<TFloat32> output = stack.layer(scope, rebuilt, i, input, null).hidden();
      dh = backprop(scope, List.of(output), input, dh, rebuilt.reads, xs, owners, total);
      rebuilt.reads.forEach(anyRead::putIfAbsent);
    }

    backprop(tf.withSubScope("embed"), List.of(embedded), null, dh, embedReads, xs, owners, total);
    embedReads.forEach(anyRead::putIfAbsent);
    List<Operand<TFloat32>> out = new ArrayList<>();
    for (int j = 0; j < xs.size(); j++) {
      out.add(total.get(j) != null ? total.get(j)
          : tf.zerosLike(xs.get(j) != null ? xs.get(j) : anyRead.get(owners.get(j))));
    }
    return out;
  }

  /**
   * Adds d ys / d (the xs owned by {@code reads}) into {@code total}, with {@code dy} as the upstream
   * gradient (null: ys is the scalar loss); returns d ys / d {@code input} (null when input is null).
   */
  private static Operand<TFloat32> backprop(
      Ops tf, List<Operand<TFloat32>> ys, Operand<TFloat32> input, Operand<TFloat32> dy,
      Map<String, Operand<TFloat32>> reads, List<Operand<TFloat32>> xs, List<String> owners,
      List<Operand<TFloat32>> total) {
    List<Integer> owned = new ArrayList<>();
    for (int j = 0; j < xs.size(); j++) {
      if (reads.containsKey(owners.get(j))) {
        owned.add(j);
      }
    }
    List<Operand<?>> wrt = new ArrayList<>();
    if (input != null) {
      wrt.add(input);
    }
    owned.forEach(j -> wrt.add(xs.get(j) != null ? xs.get(j) : reads.get(owners.get(j))));
    if (wrt.isEmpty()) {
      return null;
    }
    Gradients g = dy == null ? tf.gradients(ys, wrt) : tf.gradients(ys, wrt, Gradients.dx(List.of(dy)));
    int offset = input == null ? 0 : 1;
    for (int k = 0; k < owned.size(); k++) {
      Output<TFloat32> d = g.dy(offset + k);
      // A read reached only through zero-gradient ops gets a closed Output (the C API leaves it unset).
      if (!d.isClosed()) {
        int j = owned.get(k);
        total.set(j, total.get(j) == null ? d : tf.math.add(total.get(j), d));
      }
    }
    if (input == null) {
      return null;
    }
    Output<TFloat32> dInput = g.dy(0);
    return dInput.isClosed() ? tf.zerosLike(input) : dInput;
  }

  /** Passes reads through and remembers them by name. */
  private static final class Recording implements Weights {
    private final Weights weights;
    private final Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();

    Recording(Weights weights) {
      this.weights = weights;
    }

    @Override
    public Operand<TFloat32> get(String name) {
      return reads.computeIfAbsent(name, weights::get);
    }
  }
}

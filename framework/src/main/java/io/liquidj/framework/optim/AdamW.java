package io.liquidj.framework.optim;

import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.tf.VariableStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/**
 * AdamW (Loshchilov &amp; Hutter 2019) on resource variables: decoupled decay {@code w -= lr·wd·w}, then
 * TensorFlow's fused {@code ResourceApplyAdam}. The learning rate and the bias corrections
 * beta^t are scalars fed each step, so the schedule and the step count live in Java (and in the
 * checkpoint).
 *
 * <p>{@code ResourceApplyAdam} uses lr_t = lr·sqrt(1−β2^t)/(1−β1^t) and ε outside the correction
 * (TF's "epsilon hat"); PyTorch's AdamW puts ε after dividing by sqrt(1−β2^t). The difference
 * is below ε and only matters in the first steps.
 *
 * <p>The moments m and v are f32 variables {@code <name>.adam_m} / {@code <name>.adam_v} in the
 * optimizer's own {@link VariableStore}, saved with checkpoints.
 */
public final class AdamW {
  /** The scalars fed at every update. */
  public record Feeds(Placeholder<TFloat32> learningRate, Placeholder<TFloat32> beta1Power,
      Placeholder<TFloat32> beta2Power) {}

  private final OptimizerSettings settings;
  private final VariableStore slots;
  private final Feeds feeds;

  public AdamW(Ops tf, OptimizerSettings settings, VariableStore slots) {
    this.settings = settings;
    this.slots = slots;
    Ops scope = tf.withSubScope("adamw");
    this.feeds = new Feeds(
        scope.withName("learning_rate").placeholder(TFloat32.class),
        scope.withName("beta1_power").placeholder(TFloat32.class),
        scope.withName("beta2_power").placeholder(TFloat32.class));
  }

  public Feeds feeds() {
    return feeds;
  }

  public OptimizerSettings settings() {
    return settings;
  }

  /** One parameter to update: its variable, its current value (the forward's read) and its gradient. */
  public record Update(VariableStore.Variable variable, Operand<TFloat32> value, Operand<TFloat32> gradient) {}

  /**
   * The update ops, executed only where {@code apply} is true: every input of every update passes
   * through a {@code Switch} on it, so with {@code apply = false} the updates are dead nodes that
   * TensorFlow skips (a TF1 {@code cond} without the merge; ops built here need no gradient).
   */
  public List<Op> apply(Ops tf, List<Update> updates, Operand<TBool> apply) {
    return apply(tf, updates, apply, settings::decays);
  }

  /** {@link #apply} with {@code decays} deciding which variables decay (by name), not optimizer.no-decay. */
  public List<Op> apply(Ops tf, List<Update> updates, Operand<TBool> apply, Predicate<String> decays) {
    Ops scope = tf.withSubScope("adamw");
    Operand<TFloat32> lr = scope.switchCond(feeds.learningRate(), apply).outputTrue();
    Operand<TFloat32> beta1 = scope.constant((float) settings.beta1());
    Operand<TFloat32> beta2 = scope.constant((float) settings.beta2());
    Operand<TFloat32> epsilon = scope.constant((float) settings.epsilon());
    List<Op> ops = new ArrayList<>();
    for (Update u : updates) {
      ParameterSpec spec = u.variable().spec();
      VariableStore.Variable m = slot(spec, "adam_m");
      VariableStore.Variable v = slot(spec, "adam_v");
      Ops param = scope.withName(spec.name().replace('/', '_')); // not withSubScope: that walks the whole graph per call
      Operand<TFloat32> gradient = param.switchCond(u.gradient(), apply).outputTrue();
      Ops afterDecay = param;
      if (decays.test(spec.name())) {
        // Decoupled weight decay: w ← w − lr·wd·w, before the Adam step (PyTorch AdamW: p.mul_(1 − lr·wd)).
        Operand<TFloat32> decay = param.math.mul(param.math.mul(lr, param.constant((float) settings.weightDecay())),
            param.switchCond(u.value(), apply).outputTrue());
        afterDecay = param.withControlDependencies(param.assignSubVariableOp(u.variable().handle(), decay));
      }
      ops.add(afterDecay.train.resourceApplyAdam(
          u.variable().handle(), m.handle(), v.handle(),
          param.switchCond(feeds.beta1Power(), apply).outputTrue(),
          param.switchCond(feeds.beta2Power(), apply).outputTrue(),
          lr, beta1, beta2, epsilon, gradient));
    }
    return ops;
  }

  private VariableStore.Variable slot(ParameterSpec spec, String kind) {
    String name = spec.name() + "." + kind;
    if (slots.contains(name)) {
      return slots.get(name);
    }
    return slots.create(new ParameterSpec(name, spec.shape(), ParameterSpec.Init.ZEROS), VariableStore.ZEROS);
  }

  /** β^t for the {@code t}-th update (1-based), as fed to {@link Feeds#beta1Power()}. */
  public static float power(double beta, long t) {
    return (float) Math.pow(beta, t);
  }
}

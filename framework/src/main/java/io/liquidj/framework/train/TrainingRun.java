package io.liquidj.framework.train;

import io.liquidj.framework.UserError;
import io.liquidj.framework.backbone.Backbone;
import io.liquidj.framework.backbone.BackboneCheckpoints;
import io.liquidj.framework.backbone.BackboneVariables;
import io.liquidj.framework.backbone.MultimodalVocabulary;
import io.liquidj.framework.tf.ParameterSpec;
import io.liquidj.framework.checkpoint.CheckpointManager;
import io.liquidj.framework.checkpoint.TrainerState;
import io.liquidj.framework.data.BatchSource;
import io.liquidj.framework.metrics.ConsoleProgress;
import io.liquidj.framework.metrics.MetricsLog;
import io.liquidj.framework.metrics.TensorBoard;
import io.liquidj.framework.metrics.Throughput;
import io.liquidj.framework.optim.LoraWeights;
import io.liquidj.framework.tf.VariableStore;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import io.liquidj.framework.distributed.Collectives;
import io.liquidj.framework.distributed.DistributedSettings;
import java.util.ArrayList;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GPUOptions;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;

/**
 * One training run: its graph and session, the variables (parameters, LoRA adapters, optimizer
 * state), the step, checkpoints, TensorBoard and the console. With {@code distributed.devices = N > 1}
 * each device holds a replica of every variable; checkpoints and exports read replica 0's, and loading
 * or resuming fills replica 0's and copies them to the others. A recipe drives it:
 * {@code resume → while (!done()) step(source) → checkpoint → exportModel → close}.
 */
public final class TrainingRun implements AutoCloseable {
  /** Fills the backbone's parameter variables of a fresh run (from a checkpoint, or from scratch). */
  @FunctionalInterface
  public interface ParameterLoader {
    void load(Session session, VariableStore parameters);
  }

  private static final Predicate<String> NOT_SAVED = name -> name.endsWith(".grad_accum")
      || name.startsWith(OptimizerShards.PREFIX);

  private final Backbone backbone;
  private final TrainingSettings settings;
  private final String resolvedConfig;
  private final PrintStream out;
  private final Graph graph = new Graph();
  private final VariableStore parameters;
  private final VariableStore adapters;
  private final VariableStore optimizerState;
  private final TrainGraph trainGraph;
  /** Copies replica 0's variables into the other replicas'; null with one device. */
  private final Op copyFromFirst;
  private final Session session;
  private final TrainStep trainStep;
  private final CheckpointManager checkpoints;
  private final TensorBoard tensorBoard;
  private final MetricsLog metrics;
  private final long parameterCount;
  private ConsoleProgress progress;
  /** When this process ran its first step, and from which step: the ETA's pace. */
  private long startNanos;
  private int startStep = -1;
  private Path lastCheckpoint;

  /**
   * Claims {@code trainer.output-dir} (see {@link RunFolder}: another run there is an error unless resume or
   * overwrite), then builds the graph and session and fills the variables: parameters by {@code loader}, adapters
   * and optimizer state by their initializers.
   *
   * @param vocabulary the image-code range for the text/image loss split, or null
   * @param resolvedConfig saved in every checkpoint
   */
  public TrainingRun(Backbone backbone, MultimodalVocabulary vocabulary, TrainingSettings settings,
      ParameterLoader loader, String resolvedConfig, PrintStream out) {
    this.backbone = backbone;
    this.settings = settings;
    this.resolvedConfig = resolvedConfig;
    this.out = out;
    TrainerSettings trainer = settings.trainer();
    try {
      RunFolder.claim(trainer, out);
      Ops tf = Ops.create(graph);
      DistributedSettings distributed = settings.distributed();
      int n = distributed.devices();
      if (n > 1 && distributed.shard() == DistributedSettings.Shard.OPTIMIZER && trainer.resume()) {
        throw new UserError("trainer.resume with distributed.shard = optimizer is not supported yet: its checkpoints "
            + "hold the weights but not the sharded AdamW moments; resume with distributed.shard = none");
      }
      boolean gpus = n > 1 && GpuProbe.gpuVisible();
      List<Ops> scopes = new ArrayList<>();
      List<TrainGraph.ReplicaStores> stores = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // Every replica's variables carry the same names; a variable is its device's (research §"One process").
        Ops scope = n == 1 ? tf : tf.withSubScope("replica" + i).withDevice(DeviceSpec.newBuilder()
            .deviceType(gpus ? DeviceSpec.DeviceType.GPU : DeviceSpec.DeviceType.CPU).deviceIndex(i).build());
        VariableStore replicaAdapters = new VariableStore(scope);
        // Under bf16, frozen parameters are bf16 variables (half the memory; no f32 master copy, no optimizer state).
        VariableStore replicaParameters = BackboneVariables.create(scope, backbone, trainer.seed(),
            settings::parameterStorage);
        if (settings.lora().enabled()) {
          List<String> adapted = LoraWeights.createAdapters(replicaAdapters, backbone.parameters(), settings.lora(),
              trainer.seed());
          if (adapted.isEmpty()) {
            throw new UserError("lora.targets match no 2-D parameter of " + backbone.config().source());
          }
        }
        scopes.add(scope);
        stores.add(new TrainGraph.ReplicaStores(replicaParameters, replicaAdapters, new VariableStore(scope)));
      }
      parameters = stores.get(0).parameters();
      adapters = stores.get(0).adapters();
      optimizerState = stores.get(0).optimizerState();
      trainGraph = new TrainGraph(scopes, stores, backbone, settings, vocabulary,
          i -> new Collectives(n, gpus ? "nccl" : "auto"));
      copyFromFirst = n == 1 ? null : copyFromFirst(scopes, stores);
      session = new Session(graph, sessionConfig(trainer.xla(), gpus ? 1 : n));
      for (TrainGraph.ReplicaStores replica : stores) {
        replica.adapters().initializeAll(session);
        replica.optimizerState().initializeAll(session);
      }
      loader.load(session, parameters);
      copyFromFirst();
      trainStep = new TrainStep(session, trainGraph,
          settings.schedule().schedule(trainer.lr(), trainer.steps()), trainer,
          n == 1 ? null : Collectives.runOptions(distributed.timeoutSeconds()));
      checkpoints = new CheckpointManager(trainer.outputDir().resolve(RunFolder.CHECKPOINTS), trainer.keepLast());
      tensorBoard = new TensorBoard(trainer.outputDir().resolve(RunFolder.TENSORBOARD));
      metrics = new MetricsLog(trainer.outputDir().resolve(RunFolder.TENSORBOARD));
      parameterCount = backbone.parameters().stream().mapToLong(ParameterSpec::size).sum();
    } catch (IOException e) {
      closeQuietly();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * The session options: soft placement (ops without a GPU kernel fall back to CPU), GPU memory
   * that grows on demand, and XLA auto-clustering when asked for.
   */
  public static ConfigProto sessionConfig(boolean xla) {
    return sessionConfig(xla, 1);
  }

  /** {@link #sessionConfig(boolean)} with {@code cpuDevices} CPU devices (replicas on a machine without GPUs). */
  public static ConfigProto sessionConfig(boolean xla, int cpuDevices) {
    ConfigProto.Builder config = ConfigProto.newBuilder()
        .putDeviceCount("CPU", cpuDevices)
        .setAllowSoftPlacement(true)
        .setGpuOptions(GPUOptions.newBuilder().setAllowGrowth(true));
    if (xla) {
      config.setGraphOptions(GraphOptions.newBuilder().setOptimizerOptions(
          OptimizerOptions.newBuilder().setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1)));
    }
    return config.build();
  }

  /** One op that copies replica 0's variables (parameters, adapters, optimizer state) into the others'. */
  private static Op copyFromFirst(List<Ops> scopes, List<TrainGraph.ReplicaStores> stores) {
    TrainGraph.ReplicaStores first = stores.get(0);
    Ops read = scopes.get(0).withSubScope("copy_to_replicas");
    List<Op> copies = new ArrayList<>();
    for (int i = 1; i < stores.size(); i++) {
      Ops write = scopes.get(i).withSubScope("copy_from_replica0");
      TrainGraph.ReplicaStores to = stores.get(i);
      List<VariableStore> sources = List.of(first.parameters(), first.adapters(), first.optimizerState());
      List<VariableStore> targets = List.of(to.parameters(), to.adapters(), to.optimizerState());
      for (int s = 0; s < sources.size(); s++) {
        for (VariableStore.Variable v : sources.get(s).all()) {
          if (v.spec().name().startsWith(OptimizerShards.PREFIX)) {
            continue; // each replica's own share of the moments
          }
          Operand<?> value = read.readVariableOp(v.handle(), v.type());
          copies.add(write.assignVariableOp(targets.get(s).get(v.spec().name()).handle(), value));
        }
      }
    }
    return scopes.get(0).withControlDependencies(copies).withName("copy_to_replicas").noOp();
  }

  /** With several replicas: makes every replica's variables replica 0's (after loading or resuming). */
  private void copyFromFirst() {
    if (copyFromFirst != null) {
      session.runner().addTarget(copyFromFirst).run();
    }
  }

  /**
   * With {@code trainer.resume}, continues from the newest checkpoint (weights, optimizer, step,
   * data position); otherwise, or without a checkpoint, starts at step 0.
   *
   * @return the checkpoint resumed from
   */
  public Optional<Path> resumeIfAsked(BatchSource source) throws IOException {
    if (!settings.trainer().resume()) {
      return Optional.empty();
    }
    Optional<Path> latest = checkpoints.latest();
    if (latest.isEmpty()) {
      out.println("trainer.resume = true but " + settings.trainer().outputDir().resolve(RunFolder.CHECKPOINTS)
          + " holds no checkpoint: starting at step 0");
      return latest;
    }
    TrainerState state = CheckpointManager.load(latest.get(), session, List.of(parameters, adapters),
        optimizerState, NOT_SAVED);
    copyFromFirst();
    trainStep.restore(new TrainStep.State(state.step(), state.appliedUpdates(), state.nonFiniteInARow()));
    source.seek(state.dataPosition());
    lastCheckpoint = latest.get();
    out.println("resumed from " + latest.get() + " at step " + state.step());
    return latest;
  }

  /** Whether trainer.steps steps are done. */
  public boolean done() {
    return trainStep.state().step() >= settings.trainer().steps();
  }

  /**
   * One optimizer step, then logging and the periodic checkpoint. A step with a non-finite loss or
   * gradient norm is skipped (the graph does not apply it) and logged; max-non-finite-steps in a row
   * abort with a {@link UserError}, leaving the last checkpoint as it was.
   */
  public StepResult step(BatchSource source) throws IOException {
    TrainerSettings trainer = settings.trainer();
    if (startStep < 0) {
      startStep = trainStep.state().step();
      startNanos = System.nanoTime();
      // A carriage-return bar only on a terminal: in CI, under nohup or into a file, a plain line per log-every.
      if (trainer.progressBar() && System.console() != null) {
        progress = new ConsoleProgress("train", trainer.steps(), startStep);
      }
    }
    StepResult r = trainStep.run(source);
    int done = r.step() + 1;
    if (!r.applied()) {
      out.printf(Locale.ROOT, "step %d: non-finite loss %s or gradient norm %s, update skipped (%d in a row)%n",
          done, r.loss(), r.gradNorm(), trainStep.state().nonFiniteInARow());
      if (trainStep.state().nonFiniteInARow() >= trainer.maxNonFiniteSteps()) {
        throw new UserError(trainStep.state().nonFiniteInARow() + " steps in a row had a non-finite loss or "
            + "gradient (trainer.max-non-finite-steps = " + trainer.maxNonFiniteSteps() + "), stopping at step " + done
            + "; lower trainer.lr or raise trainer.clip-norm / trainer.z-loss-weight. Last good checkpoint: "
            + (lastCheckpoint == null ? "none" : lastCheckpoint));
      }
    }
    if (progress != null) {
      progress.update(done, r.loss(), r.tokensPerSecond());
    }
    if (done % trainer.logEvery() == 0 || done == trainer.steps()) {
      log(r);
    }
    if (trainer.checkpointEvery() > 0 && done % trainer.checkpointEvery() == 0 && done < trainer.steps()) {
      checkpoint(source);
    }
    return r;
  }

  private void log(StepResult r) {
    TrainerSettings trainer = settings.trainer();
    long at = r.step() + 1;
    Map<String, Double> values = new LinkedHashMap<>();
    values.put("loss", r.loss());
    if (trainer.zLossWeight() > 0) {
      values.put("cross_entropy", r.crossEntropy()); // loss is cross-entropy + weight · z-loss
    }
    values.put("loss_text", r.textCrossEntropy());
    values.put("loss_image", r.imageCrossEntropy());
    // With weight 0 the z-loss is computed but not optimised: the tag says so.
    values.put(trainer.zLossWeight() > 0 ? "z_loss" : "z_loss_monitor", r.zLoss());
    values.put("lr", r.learningRate());
    values.put("grad_norm", r.gradNorm());
    values.put("tokens_per_second", r.tokensPerSecond());
    if (trainer.peakFlops() > 0) {
      values.put("mfu", Throughput.mfu(parameterCount, r.tokensPerSecond(), trainer.peakFlops()));
    }
    values.forEach((name, v) -> tensorBoard.scalar("train/" + name, at, v));
    tensorBoard.flush();
    metrics.write("train", at, values);
    if (progress == null) {
      double secondsPerStep = (System.nanoTime() - startNanos) / 1e9 / Math.max(1, at - startStep);
      out.printf(Locale.ROOT, "step %d/%d loss %.4f (text %.4f image %.4f z %.3g) lr %.3g grad-norm %.3f "
              + "%.0f tok/s%s ETA %s%n", at, trainer.steps(), r.loss(), r.textCrossEntropy(), r.imageCrossEntropy(),
          r.zLoss(), r.learningRate(), r.gradNorm(), r.tokensPerSecond(),
          values.containsKey("mfu") ? String.format(Locale.ROOT, " MFU %.1f%%", 100 * values.get("mfu")) : "",
          duration(Math.round(secondsPerStep * (trainer.steps() - at))));
    }
  }

  /** 0:42, 13:05, 2:03:00. */
  private static String duration(long seconds) {
    return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }

  /** Writes a checkpoint of the current step (and prunes old ones). */
  public Path checkpoint(BatchSource source) throws IOException {
    TrainStep.State s = trainStep.state();
    lastCheckpoint = checkpoints.save(session, List.of(parameters, adapters), optimizerState, NOT_SAVED,
        new TrainerState(s.step(), s.appliedUpdates(), s.nonFiniteInARow(), settings.trainer().seed(),
            source.position()),
        resolvedConfig);
    return lastCheckpoint;
  }

  /**
   * Writes the trained model as a Hugging Face folder: {@code config.json} (with the vocabulary
   * extension, if any) and {@code model.safetensors} in the config's dtype, LoRA merged into the
   * projections.
   */
  public Path exportModel(Path dir) throws IOException {
    // A resumed run replaces its own model/ (RunFolder.claim refused, at the start, one that is not the run's).
    return BackboneCheckpoints.save(session, trainGraph.weights(), backbone, dir,
        settings.trainer().overwrite() || settings.trainer().resume());
  }

  public Session session() {
    return session;
  }

  public VariableStore parameters() {
    return parameters;
  }

  public VariableStore adapters() {
    return adapters;
  }

  public TrainGraph trainGraph() {
    return trainGraph;
  }

  /** The step counters (next step, applied updates, non-finite streak). */
  public TrainStep.State state() {
    return trainStep.state();
  }

  /** The number of backbone parameters (for MFU). */
  public long parameterCount() {
    return parameterCount;
  }

  @Override
  public void close() {
    closeQuietly();
  }

  private void closeQuietly() {
    if (progress != null) {
      progress.close();
    }
    if (metrics != null) {
      try {
        metrics.close();
      } catch (IOException ignored) {
        // every line was flushed when written
      }
    }
    if (tensorBoard != null) {
      tensorBoard.close();
    }
    if (trainStep != null) {
      trainStep.close();
    }
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}

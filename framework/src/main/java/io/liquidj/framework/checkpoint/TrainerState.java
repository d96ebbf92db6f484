package io.liquidj.framework.checkpoint;

/**
 * The non-tensor state a checkpoint holds so a resumed run continues exactly.
 *
 * @param step optimizer steps done (the next step's index)
 * @param appliedUpdates updates actually applied (Adam's t; skipped non-finite steps do not count)
 * @param nonFiniteInARow consecutive skipped steps at the time of the checkpoint
 * @param seed the run's seed: every random op in the graph is stateless and derived from it, so it is
 *     the whole RNG state
 * @param dataPosition the batch source's {@code position()}
 */
public record TrainerState(int step, long appliedUpdates, int nonFiniteInARow, long seed, String dataPosition) {}

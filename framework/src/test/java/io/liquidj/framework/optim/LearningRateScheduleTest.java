package io.liquidj.framework.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
  @Test
  void warmupRisesLinearlyThenCosineReachesTheMinimumAtTheLastStep() {
    LearningRateSchedule s = new ScheduleSettings("cosine", 0, 0.1, 0.1).schedule(1.0, 101);
    assertEquals(11, s.warmupSteps()); // ceil(0.1 · 101)
    assertEquals(1.0 / 11, s.at(0), 1e-12);
    assertEquals(1.0, s.at(10), 1e-12);
    assertEquals(1.0, s.at(11), 1e-12);
    assertEquals(0.55, s.at(11 + 89 / 2), 1e-2);
    assertEquals(0.1, s.at(100), 1e-12);
  }

  @Test
  void linearAndConstantAfterWarmupSteps() {
    LearningRateSchedule linear = new ScheduleSettings("linear", 2, 0.5, 0).schedule(2.0, 12);
    assertEquals(1.0, linear.at(0), 1e-12);
    assertEquals(2.0, linear.at(2), 1e-12);
    assertEquals(0.0, linear.at(11), 1e-12);
    LearningRateSchedule constant = new ScheduleSettings("constant", 0, 0, 0).schedule(3.0, 5);
    assertEquals(3.0, constant.at(0), 1e-12);
    assertEquals(3.0, constant.at(4), 1e-12);
  }
}

package io.liquidj.recipes.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.liquidj.recipes.TestCli;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ./liquid plan-memory: the replicas over every process, and what each shard setting leaves per device. */
class PlanMemoryTest {
  private static final Pattern TOTAL = Pattern.compile("total +([0-9.]+) GiB per device");

  @Test
  void shardingParametersLeavesLessPerDeviceThanTheOptimizerAloneOrNothing() {
    double none = total("distributed.devices=4", "distributed.shard=none");
    double optimizer = total("distributed.devices=4", "distributed.shard=optimizer");
    double parameters = total("distributed.devices=4", "distributed.shard=parameters");
    assertTrue(parameters < optimizer && optimizer < none, none + " > " + optimizer + " > " + parameters);
  }

  @Test
  void theProcessesOfAClusterCountAsReplicas() {
    TestCli cli = new TestCli();
    assertEquals(0, cli.run("plan-memory", "backbone=llama3.2-1b", "distributed.devices=2",
        "distributed.cluster=[\"h0:1\", \"h1:1\"]", "distributed.shard=optimizer"), cli.err());
    assertTrue(cli.out().contains("on 4 replica(s) (2 device(s) x 2 process(es))"), cli.out());
    double cluster = value(cli.out());
    assertEquals(total("backbone=llama3.2-1b", "distributed.devices=4", "distributed.shard=optimizer"), cluster,
        "the moments are split over all 4 replicas either way");
  }

  private static double total(String... overrides) {
    TestCli cli = new TestCli();
    String[] args = new String[overrides.length + 1];
    args[0] = "plan-memory";
    System.arraycopy(overrides, 0, args, 1, overrides.length);
    assertEquals(0, cli.run(args), cli.err());
    return value(cli.out());
  }

  private static double value(String out) {
    Matcher m = TOTAL.matcher(out);
    assertTrue(m.find(), out);
    return Double.parseDouble(m.group(1));
  }
}

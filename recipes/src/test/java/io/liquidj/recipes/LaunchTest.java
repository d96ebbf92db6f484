package io.liquidj.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ./liquid launch's command line (the process management is LauncherTest's, in framework). */
class LaunchTest {
  @Test
  void aWorkerRunsMainWithTheWordsAsWrittenThenItsPlaceInTheCluster() {
    List<String> command = Launch.workerCommand(List.of("train", "conf/recipes/x.conf", "trainer.steps=5"), 1,
        List.of("127.0.0.1:1000", "127.0.0.1:1001"));
    int main = command.indexOf(Main.class.getName());
    assertTrue(main > 0, command.toString());
    assertEquals(List.of("train", "conf/recipes/x.conf", "trainer.steps=5",
        "distributed.cluster=[\"127.0.0.1:1000\", \"127.0.0.1:1001\"]", "distributed.task=1"),
        command.subList(main + 1, command.size()));
  }

  @Test
  void aMissingWorkerCountOrAClusterOfOurOwnIsAUsageError() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
    assertEquals(2, Launch.run(List.of("train", "x.conf"), System.out, errors));
    assertEquals(2, Launch.run(List.of("--workers", "2", "train", "distributed.task=1"), System.out, errors));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--workers N"), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void launchHasItsOwnHelpAndTheOverviewNamesIt() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, Launch.run(List.of("--help"), new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("distributed.task"), out.toString(StandardCharsets.UTF_8));
    ByteArrayOutputStream overview = new ByteArrayOutputStream();
    new io.liquidj.framework.cli.LiquidCli(config -> LiquidModules.all(),
        new PrintStream(overview, true, StandardCharsets.UTF_8), System.err).run(new String[] {"--help"});
    assertTrue(overview.toString(StandardCharsets.UTF_8).contains("./liquid launch --workers N"),
        overview.toString(StandardCharsets.UTF_8));
  }
}

package io.liquidj.framework.distributed;

/** A trivial worker for LauncherTest: {@code <cluster> <task> <failing-task>} prints, then fails or waits. */
public final class LauncherTestWorker {
  private LauncherTestWorker() {}

  public static void main(String[] args) throws InterruptedException {
    int task = Integer.parseInt(args[1]);
    System.out.println("task " + task + " of " + args[0]);
    System.out.flush();
    if (task == Integer.parseInt(args[2])) {
      Thread.sleep(500);
      System.exit(3);
    }
    Thread.sleep(args[2].equals("-1") ? 0 : 60_000);
  }
}

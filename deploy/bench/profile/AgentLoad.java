import com.sun.tools.attach.VirtualMachine;

/**
 * Loads a native JVMTI agent (async-profiler) into a running JVM with its options as one string.
 *
 * <p>{@code jcmd PID JVMTI.agent_load LIB OPTIONS} splits OPTIONS at '=' (its own argument
 * syntax), so async-profiler receives "event must not be empty" for {@code start,event=itimer};
 * the attach API passes the string untouched. Run as a single-file program:
 * {@code java AgentLoad.java PID /path/libasyncProfiler.so start,event=itimer,interval=500us}.
 */
public final class AgentLoad {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: java AgentLoad.java PID AGENT_LIBRARY OPTIONS");
      System.exit(2);
    }
    VirtualMachine vm = VirtualMachine.attach(args[0]);
    try {
      vm.loadAgentPath(args[1], args[2]);
    } finally {
      vm.detach();
    }
  }
}

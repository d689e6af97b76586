package dev.counter.cli;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import dev.counter.client.Targets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code counter health [SERVICE]}: the standard grpc.health.v1 check, for scripts and probes. */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = {"Checks grpc.health.v1.Health and prints the status (SERVING, NOT_SERVING, ...).",
        "Exits 0 when SERVING, 5 when the server answers otherwise, 64 + the gRPC code when the call fails."})
final class HealthCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "SERVICE", defaultValue = "",
      description = "Service to check: \"\" (the server, the default), counter.v1.CounterService or liveness.")
  String service;

  @Override
  public Integer call() {
    ManagedChannel channel = Grpc.newChannelBuilder(Targets.toGrpcTarget(cli.target()), cli.credentials()).build();
    try {
      HealthCheckResponse.ServingStatus status = HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(cli.deadline().toMillis(), TimeUnit.MILLISECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build())
          .getStatus();
      spec.commandLine().getOut().println(status);
      return status == HealthCheckResponse.ServingStatus.SERVING ? ExitCodes.OK : ExitCodes.NOT_SERVING;
    } finally {
      channel.shutdownNow();
    }
  }
}

package dev.counter.cli.bench;

import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.BatchGetResponse;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.CounterValue;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.IncrementResult;
import dev.counter.v1.ResetRequest;
import dev.counter.v1.ResetResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code counter baseline-server}: a grpc-java server that serves {@code counter.v1} and answers
 * every call at once without any work, the yardstick of the benchmark harness (the cost of gRPC
 * itself). Benchmark code only: it counts nothing.
 */
@Command(name = "baseline-server", hidden = true, mixinStandardHelpOptions = true,
    description = "A no-op counter.v1 server for benchmarks: answers at once, stores nothing.")
public final class BaselineServerCommand implements Callable<Integer> {
  private static final IncrementResponse INCREMENTED = IncrementResponse.getDefaultInstance();
  private static final IncrementResult ITEM = IncrementResult.newBuilder().setResponse(INCREMENTED).build();

  @Option(names = "--port", defaultValue = "9191", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--executor", defaultValue = "direct", description = "direct or pool (default: ${DEFAULT-VALUE}).")
  String executor;

  @Override
  public Integer call() throws Exception {
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .maxInboundMessageSize(16 * 1024 * 1024)
        .addService(new NoOpService());
    if ("direct".equals(executor)) {
      builder.directExecutor();
    }
    Server server = builder.build().start();
    System.out.println("baseline server on 127.0.0.1:" + server.getPort() + " (" + executor + " executor)");
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
    return 0;
  }

  /** Answers immediately with empty values. */
  private static final class NoOpService extends CounterServiceGrpc.CounterServiceImplBase {
    @Override
    public void increment(IncrementRequest request, StreamObserver<IncrementResponse> response) {
      response.onNext(INCREMENTED);
      response.onCompleted();
    }

    @Override
    public void batchIncrement(BatchIncrementRequest request, StreamObserver<BatchIncrementResponse> response) {
      BatchIncrementResponse.Builder results = BatchIncrementResponse.newBuilder();
      for (int i = 0; i < request.getItemsCount(); i++) {
        results.addResults(ITEM);
      }
      response.onNext(results.build());
      response.onCompleted();
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> response) {
      response.onNext(GetResponse.getDefaultInstance());
      response.onCompleted();
    }

    @Override
    public void batchGet(BatchGetRequest request, StreamObserver<BatchGetResponse> response) {
      BatchGetResponse.Builder values = BatchGetResponse.newBuilder();
      for (String name : request.getNamesList()) {
        values.addValues(CounterValue.newBuilder().setName(name));
      }
      response.onNext(values.build());
      response.onCompleted();
    }

    @Override
    public void reset(ResetRequest request, StreamObserver<ResetResponse> response) {
      response.onNext(ResetResponse.getDefaultInstance());
      response.onCompleted();
    }
  }
}

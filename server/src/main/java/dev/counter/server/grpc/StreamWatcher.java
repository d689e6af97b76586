package dev.counter.server.grpc;

import dev.counter.server.watch.Watcher;
import dev.counter.v1.WatchResponse;
import io.grpc.stub.ServerCallStreamObserver;

/** Feeds a {@code Watch} stream; all calls come from the watch hub's single thread. */
final class StreamWatcher implements Watcher {
  private final ServerCallStreamObserver<WatchResponse> call;

  StreamWatcher(ServerCallStreamObserver<WatchResponse> call) {
    this.call = call;
  }

  @Override
  public boolean isReady() {
    return call.isReady() && !call.isCancelled();
  }

  @Override
  public void send(long value) {
    call.onNext(WatchResponse.newBuilder().setValue(value).build());
  }

  @Override
  public void close() {
    if (!call.isCancelled()) {
      call.onError(ServiceError.of(ErrorReason.SERVER_DRAINING,
          "the server is shutting down; watch again, on another node").toException());
    }
  }
}

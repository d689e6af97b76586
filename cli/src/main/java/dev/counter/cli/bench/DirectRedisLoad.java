package dev.counter.cli.bench;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The redis-incrby mode: one Lettuce connection per channel, INCRBY per increment. */
final class DirectRedisLoad implements LoadRunner.DirectRedis, AutoCloseable {
  private final RedisClient client;
  private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();

  DirectRedisLoad(String uri, int connectionCount) {
    client = RedisClient.create(uri);
    for (int i = 0; i < connectionCount; i++) {
      connections.add(client.connect());
    }
  }

  @Override
  public CompletionStage<Long> incrby(int channel, String key, long delta) {
    return connections.get(channel).async().incrby(key, delta);
  }

  /** Compares the keys' values (GET) with the ledger. */
  static Verification verify(String uri, List<String> names, Ledger ledger) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      List<String> mismatches = new ArrayList<>();
      long acknowledged = 0;
      long stored = 0;
      for (int from = 0; from < names.size(); from += 1000) {
        List<KeyValue<String, String>> values = connection.sync()
            .mget(names.subList(from, Math.min(names.size(), from + 1000)).toArray(String[]::new));
        for (int i = 0; i < values.size(); i++) {
          int key = from + i;
          long value = values.get(i).hasValue() ? Long.parseLong(values.get(i).getValue()) : 0;
          acknowledged += ledger.acknowledged(key);
          stored += value;
          if (value < ledger.lowest(key) || value > ledger.highest(key)) {
            mismatches.add(names.get(key) + ": stored " + value + ", expected " + ledger.acknowledged(key));
          }
        }
      }
      return new Verification(names.size(), acknowledged, stored, !ledger.anyUnknown(), mismatches);
    } finally {
      client.shutdown();
    }
  }

  @Override
  public void close() {
    connections.forEach(StatefulRedisConnection::close);
    client.shutdown();
  }
}

package dev.counter.server.testing;

import dev.counter.server.devredis.RedisProcess;
import io.lettuce.core.MigrateArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Moves one hash slot of a Redis Cluster from its master to another master, live, the way
 * {@code redis-cli --cluster reshard} does: {@code CLUSTER SETSLOT IMPORTING} on the target,
 * {@code MIGRATING} on the source, {@code MIGRATE} of the slot's keys, then {@code SETSLOT NODE}
 * everywhere. Keys move one per {@code MIGRATE} with a pause between them, so that clients meet
 * the slot half moved (ASK and TRYAGAIN replies) for a while.
 */
public final class SlotMigration implements AutoCloseable {
  private final RedisClient client = RedisClient.create();
  private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
  private final List<RedisCommands<String, String>> masters = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();
  private final Duration pauseBetweenKeys;

  /** @param masters the masters' processes (the slot moves among them) */
  public SlotMigration(List<RedisProcess> masters, Duration pauseBetweenKeys) {
    this.pauseBetweenKeys = pauseBetweenKeys;
    for (RedisProcess master : masters) {
      StatefulRedisConnection<String, String> connection =
          client.connect(RedisURI.create("127.0.0.1", master.port()));
      connections.add(connection);
      this.masters.add(connection.sync());
      ports.add(master.port());
    }
  }

  /** The index (in the masters given) of the master that owns {@code slot}, asked of the first. */
  public int ownerOf(int slot) {
    String id = masters.get(0).clusterNodes().lines()
        .map(line -> line.split(" "))
        .filter(fields -> fields[2].contains("master") && ownsSlot(fields, slot))
        .map(fields -> fields[0])
        .findFirst().orElseThrow(() -> new IllegalStateException("no master owns slot " + slot));
    for (int i = 0; i < masters.size(); i++) {
      if (masters.get(i).clusterMyId().equals(id)) {
        return i;
      }
    }
    throw new IllegalStateException("slot " + slot + " is owned by a node not given");
  }

  private static boolean ownsSlot(String[] fields, int slot) {
    for (int f = 8; f < fields.length; f++) {
      if (fields[f].startsWith("[")) {
        continue;
      }
      String[] range = fields[f].split("-");
      int from = Integer.parseInt(range[0]);
      int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
      if (slot >= from && slot <= to) {
        return true;
      }
    }
    return false;
  }

  /**
   * Moves {@code slot} from master {@code from} to master {@code to} and returns how many keys
   * moved. Fails (as {@code redis-cli} would stop) when a MIGRATE fails, BUSYKEY included.
   */
  public int move(int slot, int from, int to) {
    RedisCommands<String, String> source = masters.get(from);
    RedisCommands<String, String> target = masters.get(to);
    String sourceId = source.clusterMyId();
    String targetId = target.clusterMyId();
    target.clusterSetSlotImporting(slot, sourceId);
    source.clusterSetSlotMigrating(slot, targetId);
    int moved = 0;
    for (int round = 0; round < 10_000; round++) {
      List<String> keys = source.clusterGetKeysInSlot(slot, 1);
      if (keys.isEmpty()) {
        break;
      }
      String reply = source.migrate("127.0.0.1", ports.get(to), 0, 5_000, MigrateArgs.Builder.keys(keys));
      if (!"OK".equals(reply) && !"NOKEY".equals(reply)) {
        throw new IllegalStateException("MIGRATE of " + keys + " answered " + reply);
      }
      moved += keys.size();
      LockSupport.parkNanos(pauseBetweenKeys.toNanos());
    }
    // Target first, then source, then the others: what redis-cli does.
    target.clusterSetSlotNode(slot, targetId);
    source.clusterSetSlotNode(slot, targetId);
    for (int i = 0; i < masters.size(); i++) {
      if (i != from && i != to) {
        masters.get(i).clusterSetSlotNode(slot, targetId);
      }
    }
    return moved;
  }

  @Override
  public void close() {
    connections.forEach(StatefulRedisConnection::close);
    client.shutdown();
  }
}

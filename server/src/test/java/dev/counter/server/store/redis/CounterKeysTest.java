package dev.counter.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CounterKeysTest {
  private final CounterKeys keys = new CounterKeys("ctr:");

  @Test
  void ordinaryNamesStayReadable() {
    assertThat(keys.counter("page:views")).isEqualTo("ctr:{page:views}");
    assertThat(keys.writeToken("page:views", "abc-1")).isEqualTo("ctr:{page:views}:w:abc-1");
    assertThat(keys.nodeLease(3)).isEqualTo("ctr:node:3");
  }

  @Test
  void bracesAndPercentAreEscaped() {
    assertThat(keys.counter("a}b")).isEqualTo("ctr:{a%7Db}");
    assertThat(keys.counter("{x}")).isEqualTo("ctr:{%7Bx%7D}");
    assertThat(keys.counter("100%")).isEqualTo("ctr:{100%25}");
    // "%7D" itself must not collide with "}".
    assertThat(keys.counter("%7D")).isNotEqualTo(keys.counter("}"));
  }

  @Test
  void namesThatImitateOtherKeysCannotReachThem() {
    // A name crafted to look like another counter's suffixed key stays inside its own hash tag.
    String victim = "victim";
    String attacker = "victim}:i:0";
    assertThat(keys.counter(attacker)).isNotEqualTo(keys.counter(victim) + ":i:0");
    assertThat(hashTag(keys.counter(attacker))).isEqualTo("victim%7D:i:0");
    assertThat(keys.counter("node:1")).isNotEqualTo(keys.nodeLease(1));
  }

  @Test
  void randomNamesMapToDistinctKeysWhoseHashTagIsTheEscapedName() {
    Random random = new Random(42);
    Map<String, String> nameByKey = new HashMap<>();
    String alphabet = "ab{}%7D:\u0000 \n\uD83D\uDE00é";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder name = new StringBuilder();
      int length = 1 + random.nextInt(8);
      for (int j = 0; j < length; j++) {
        int start = random.nextInt(alphabet.length());
        if (Character.isHighSurrogate(alphabet.charAt(start))) {
          name.append(alphabet, start, start + 2);
        } else if (Character.isLowSurrogate(alphabet.charAt(start))) {
          name.append(alphabet, start - 1, start + 1);
        } else {
          name.append(alphabet.charAt(start));
        }
      }
      String key = keys.counter(name.toString());
      String previous = nameByKey.putIfAbsent(key, name.toString());
      assertThat(previous).as("key %s", key).isIn(null, name.toString());
      assertThat(hashTag(key)).isEqualTo(CounterKeys.escape(name.toString()));
      // Every key of the counter lands in the slot of its hash.
      assertThat(SlotHash.getSlot(keys.writeToken(name.toString(), "t"))).isEqualTo(SlotHash.getSlot(key));
    }
  }

  @Test
  void prefixMustNotContainBraces() {
    assertThatThrownBy(() -> new CounterKeys("a{")).isInstanceOf(IllegalArgumentException.class);
  }

  /** The hash tag as Redis Cluster computes it: between the first '{' and the next '}'. */
  private static String hashTag(String key) {
    int open = key.indexOf('{');
    int close = key.indexOf('}', open + 1);
    return key.substring(open + 1, close);
  }
}

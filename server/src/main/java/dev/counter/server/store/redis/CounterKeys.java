package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

/**
 * Names every Redis key of the service. A counter's keys are {@code <prefix>{<escaped name>}}
 * (its hash) plus suffixes after the closing brace (idempotency record generations, window
 * buckets, the list of windows, write tokens), so:
 * <ul>
 *   <li>all keys of one counter share the hash tag {@code <escaped name>}, hence one cluster slot;
 *   <li>the escaped name contains no brace, so the tag is exactly the escaped name, whatever the
 *       name's bytes, and no name can produce another counter's keys: a counter's hash key always
 *       ends right after the tag, and escaping is injective.
 * </ul>
 */
public final class CounterKeys {
  private final String prefix;

  /** @param prefix prepended to every key; must not contain braces */
  public CounterKeys(String prefix) {
    this.prefix = requireNonNull(prefix, "prefix is null");
    if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
      throw new IllegalArgumentException("key prefix must not contain braces: " + prefix);
    }
  }

  /** The hash holding every node's shard of counter {@code name}. */
  public String counter(String name) {
    return prefix + '{' + escape(name) + '}';
  }

  /**
   * One of the two hashes holding the counter's idempotency records ({@code generation} 0 or 1;
   * flush.lua, RECORDS, says how they alternate).
   */
  public String records(String name, int generation) {
    if (generation != 0 && generation != 1) {
      throw new IllegalArgumentException("generation must be 0 or 1: " + generation);
    }
    return counter(name) + ":r" + generation;
  }

  /** The hash listing the counter's windows (field = window id), so that Delete can find them. */
  public String meta(String name) {
    return counter(name) + ":m";
  }

  /** The hash holding the buckets of one window of the counter (a ring of slots; see flush.lua). */
  public String window(String name, String windowId) {
    return counter(name) + ":t:" + windowId;
  }

  /** The key that marks write {@code tokenId} as applied, in the slot of counter {@code anchorName}. */
  public String writeToken(String anchorName, String tokenId) {
    return counter(anchorName) + ":w:" + tokenId;
  }

  /** The lease of node id {@code id}. No brace, so it can never equal a counter's key. */
  public String nodeLease(int id) {
    return prefix + "node:" + id;
  }

  /**
   * A SCAN MATCH pattern for the value hashes of counters whose names start with {@code prefix}:
   * their keys end right after the hash tag, so no other key of a counter matches.
   */
  public String listPattern(String namePrefix) {
    return globEscape(prefix) + "{" + globEscape(escape(namePrefix)) + "*}";
  }

  /** The name of the counter whose value hash is {@code key} (the inverse of {@link #counter}). */
  public String nameOf(String key) {
    if (!key.startsWith(prefix + "{") || !key.endsWith("}")) {
      throw new IllegalArgumentException("not a counter's key: " + key);
    }
    return unescape(key.substring(prefix.length() + 1, key.length() - 1));
  }

  private static String globEscape(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 4);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  static String unescape(String escaped) {
    if (escaped.indexOf('%') < 0) {
      return escaped;
    }
    StringBuilder name = new StringBuilder(escaped.length());
    for (int i = 0; i < escaped.length(); i++) {
      if (escaped.startsWith("%25", i)) {
        name.append('%');
        i += 2;
      } else if (escaped.startsWith("%7B", i)) {
        name.append('{');
        i += 2;
      } else if (escaped.startsWith("%7D", i)) {
        name.append('}');
        i += 2;
      } else {
        name.append(escaped.charAt(i));
      }
    }
    return name.toString();
  }

  /**
   * Percent-encodes {@code %}, <code>{</code> and <code>}</code> and nothing else: injective (the
   * escape character is escaped too) and readable in redis-cli for ordinary names.
   */
  static String escape(String name) {
    int i = 0;
    while (i < name.length() && !needsEscape(name.charAt(i))) {
      i++;
    }
    if (i == name.length()) {
      return name;
    }
    StringBuilder escaped = new StringBuilder(name.length() + 8).append(name, 0, i);
    for (; i < name.length(); i++) {
      char c = name.charAt(i);
      switch (c) {
        case '%' -> escaped.append("%25");
        case '{' -> escaped.append("%7B");
        case '}' -> escaped.append("%7D");
        default -> escaped.append(c);
      }
    }
    return escaped.toString();
  }

  private static boolean needsEscape(char c) {
    return c == '%' || c == '{' || c == '}';
  }
}

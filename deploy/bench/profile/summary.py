#!/usr/bin/env python3
"""Summarises an async-profiler 'collapsed' file: where a server's CPU samples go.

usage: summary.py FILE.collapsed [FRAME]
  Without FRAME: self time by owner (first Java frame from the leaf: Netty, gRPC, Lettuce, this
  project, JDK, ...), and inclusive time of this project's code and of Lettuce.
  With FRAME (a substring of a frame, e.g. RedisCounterStore.writeOn): its inclusive share and
  its callees' shares.
"""
import collections
import sys

OWNERS = [("dev/counter", "counter code"), ("io/lettuce", "Lettuce"), ("io/grpc", "gRPC"),
          ("io/netty", "Netty"), ("com/google/protobuf", "protobuf"),
          ("io/prometheus", "metrics"), ("io/opentelemetry", "metrics"),
          ("java", "JDK"), ("jdk", "JDK"), ("sun", "JDK")]


def owner(frames):
    joined = ";".join(frames)
    if "CompileBroker" in joined or "Compiler::compile" in joined:
        return "JIT compiler"
    if "G1" in joined or "GCTaskThread" in joined or "ConcurrentGCThread" in joined:
        return "GC"
    for frame in reversed(frames):
        for prefix, name in OWNERS:
            if frame.startswith(prefix):
                return name
    return "native (kernel, libc, JVM)"


def stacks(path):
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(" ")
            yield stack.split(";"), int(count)


def main():
    path = sys.argv[1]
    total = sum(n for _, n in stacks(path))
    print(f"{path}: {total} samples")
    if len(sys.argv) == 2:
        self_time, inclusive = collections.Counter(), collections.Counter()
        for frames, n in stacks(path):
            self_time[owner(frames)] += n
            for prefix, name in (("dev/counter", "counter code"), ("io/lettuce", "Lettuce")):
                if any(f.startswith(prefix) for f in frames):
                    inclusive[name] += n
        for name, n in self_time.most_common():
            print(f"  {100 * n / total:5.1f}%  self: {name}")
        for name, n in inclusive.most_common():
            print(f"  {100 * n / total:5.1f}%  inclusive: {name}")
        return
    key, within, callees = sys.argv[2], 0, collections.Counter()
    for frames, n in stacks(path):
        hits = [i for i, f in enumerate(frames) if key in f]
        if hits:
            within += n
            i = hits[0]
            callees[frames[i + 1] if i + 1 < len(frames) else "(self)"] += n
    print(f"  {100 * within / total:5.1f}%  {key} (inclusive)")
    for name, n in callees.most_common(12):
        print(f"  {100 * n / total:5.1f}%    {name}")


if __name__ == "__main__":
    main()

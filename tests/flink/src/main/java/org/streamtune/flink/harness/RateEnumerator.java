package org.streamtune.flink.harness;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Hands the partitions not owned by any reader out round-robin once every
 * reader of the current parallelism has registered (so a fresh start spreads
 * them evenly). After a restore, readers bring their partitions back from
 * their own state; only never-assigned or returned ones are pending here.
 */
final class RateEnumerator implements SplitEnumerator<RateSplit, List<RateSplit>> {
  private final SplitEnumeratorContext<RateSplit> context;
  private final List<RateSplit> pending;

  RateEnumerator(SplitEnumeratorContext<RateSplit> context, List<RateSplit> pending) {
    this.context = context;
    this.pending = new ArrayList<>(pending);
  }

  @Override
  public void start() {}

  @Override
  public void handleSplitRequest(int subtaskId, String requesterHostname) {}

  @Override
  public void addSplitsBack(List<RateSplit> splits, int subtaskId) {
    pending.addAll(splits);
    assignPendingWhenAllRegistered();
  }

  @Override
  public void addReader(int subtaskId) {
    assignPendingWhenAllRegistered();
  }

  private void assignPendingWhenAllRegistered() {
    int parallelism = context.currentParallelism();
    if (pending.isEmpty() || context.registeredReaders().size() < parallelism) return;
    for (int i = 0; i < pending.size(); i++) {
      context.assignSplit(pending.get(i), i % parallelism);
    }
    pending.clear();
  }

  @Override
  public List<RateSplit> snapshotState(long checkpointId) {
    return new ArrayList<>(pending);
  }

  @Override
  public void close() {}

  /** Version 1: count, then each split as RateSplit.Serializer writes it. */
  static final class StateSerializer implements SimpleVersionedSerializer<List<RateSplit>> {
    private final RateSplit.Serializer splits = new RateSplit.Serializer();

    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(List<RateSplit> state) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(state.size());
        for (RateSplit split : state) {
          byte[] one = splits.serialize(split);
          out.writeInt(one.length);
          out.write(one);
        }
      }
      return bytes.toByteArray();
    }

    @Override
    public List<RateSplit> deserialize(int version, byte[] serialized) throws IOException {
      if (version != 1) throw new IOException("unknown enumerator state version " + version);
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        int count = in.readInt();
        List<RateSplit> state = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          byte[] one = new byte[in.readInt()];
          in.readFully(one);
          state.add(splits.deserialize(splits.getVersion(), one));
        }
        return state;
      }
    }
  }
}

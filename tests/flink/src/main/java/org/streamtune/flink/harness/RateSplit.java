package org.streamtune.flink.harness;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * One partition of the rate source (like a Kafka partition): its records
 * arrive at rate / partitions per second; `offset` counts those read.
 * Immutable; readers keep a mutable cursor.
 */
public final class RateSplit implements SourceSplit {
  public final int partition;
  public final long offset;

  public RateSplit(int partition, long offset) {
    this.partition = partition;
    this.offset = offset;
  }

  @Override
  public String splitId() {
    return Integer.toString(partition);
  }

  /** Version 1: partition (int), offset (long). */
  public static final class Serializer implements SimpleVersionedSerializer<RateSplit> {
    @Override
    public int getVersion() {
      return 1;
    }

    @Override
    public byte[] serialize(RateSplit split) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeInt(split.partition);
        out.writeLong(split.offset);
      }
      return bytes.toByteArray();
    }

    @Override
    public RateSplit deserialize(int version, byte[] serialized) throws IOException {
      if (version != 1) throw new IOException("unknown RateSplit version " + version);
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
        return new RateSplit(in.readInt(), in.readLong());
      }
    }
  }
}

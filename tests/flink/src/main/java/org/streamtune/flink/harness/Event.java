package org.streamtune.flink.harness;

/**
 * One generated record. A public POJO so Flink serialises it without Kryo.
 * `key` drives keyed stages (hot keys included); `partition` and `sequence`
 * identify the record within the source.
 */
public class Event {
  public long key;
  public int partition;
  public long sequence;
  public long value;

  public Event() {}

  public Event(long key, int partition, long sequence, long value) {
    this.key = key;
    this.partition = partition;
    this.sequence = sequence;
    this.value = value;
  }
}

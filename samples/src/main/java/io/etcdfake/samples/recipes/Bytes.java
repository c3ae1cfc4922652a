package io.etcdfake.samples.recipes;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.etcd.jetcd.ByteSequence;

/** UTF-8 strings to and from jetcd's byte sequences. */
public final class Bytes {
  private Bytes() {}

  public static ByteSequence bytes(String s) {
    return ByteSequence.from(s, UTF_8);
  }

  public static String string(ByteSequence b) {
    return b.toString(UTF_8);
  }
}

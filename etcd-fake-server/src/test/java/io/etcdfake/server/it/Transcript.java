package io.etcdfake.server.it;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client output made comparable between servers: revisions counted from the side's base (relative
 * revision 1 = the empty keyspace a flow starts from, as in the differential harness), the member's
 * identity (cluster_id, member_id, raft_term) zeroed, and timings and endpoint names taken out.
 */
final class Transcript {
  private static final Pattern IDENTITY = Pattern.compile("\"(cluster_id|member_id|raft_term)\":\\d+");
  private static final Pattern REVISION = Pattern.compile("\"(revision|create_revision|mod_revision|compact_revision)\":(\\d+)");
  /** etcdctl's -w fields output */
  private static final Pattern FIELD_IDENTITY = Pattern.compile("\"(ClusterID|MemberID|RaftTerm)\" : \\d+");
  private static final Pattern FIELD_REVISION = Pattern.compile("\"(Revision|CreateRevision|ModRevision|CompactRevision)\" : (\\d+)");
  private static final Pattern HEALTH = Pattern.compile("\\S+ is healthy: successfully committed proposal: took = \\S+");
  private static final Pattern COMPACTED = Pattern.compile("compacted revision (\\d+)");
  private static final Pattern ARG = Pattern.compile("\\{rev:(\\d+)}");

  private Transcript() {}

  /** Output with absolute revisions made relative to {@code base} and identity zeroed. */
  static String relative(String output, long base) {
    String out = IDENTITY.matcher(output).replaceAll("\"$1\":0");
    out = replace(REVISION, out, m -> "\"" + m.group(1) + "\":" + rel(Long.parseLong(m.group(2)), base));
    out = FIELD_IDENTITY.matcher(out).replaceAll("\"$1\" : 0");
    out = replace(FIELD_REVISION, out, m -> "\"" + m.group(1) + "\" : " + rel(Long.parseLong(m.group(2)), base));
    out = HEALTH.matcher(out).replaceAll("ENDPOINT is healthy: successfully committed proposal: took = TIME");
    return replace(COMPACTED, out, m -> "compacted revision " + rel(Long.parseLong(m.group(1)), base));
  }

  /** An argument with {@code {rev:N}} (relative) turned into the side's absolute revision. */
  static String absolute(String arg, long base) {
    return replace(ARG, arg, m -> String.valueOf(Long.parseLong(m.group(1)) + base - 1));
  }

  private static long rel(long revision, long base) {
    return revision == 0 ? 0 : revision - base + 1;
  }

  private static String replace(Pattern p, String s, java.util.function.Function<java.util.regex.MatchResult, String> f) {
    return p.matcher(s).replaceAll(m -> Matcher.quoteReplacement(f.apply(m)));
  }
}

/**
 * The differential harness: the same requests to the fake and to a real etcd, answers compared field
 * by field.
 *
 * <p>Run: {@code /work/shared/etcd/real-etcd start 12379} then
 * {@code mvn -B test -pl etcd-fake-server -Dtest='*DiffTest' -Detcd.reference.endpoint=http://127.0.0.1:12379}.
 * Without the property every test here is skipped, each with the reason.
 *
 * <p>Writing scenarios: annotate the class {@link io.etcdfake.server.difftest.Differential} and take a
 * {@link io.etcdfake.server.difftest.Scenario} parameter. Both sides start from an empty keyspace (the
 * real etcd also with its leases revoked). Then:
 * <ul>
 *   <li>{@code s.call(SomeGrpc.getXMethod(), request)} for any unary method of any etcd service;
 *       {@code s.put/range/delete/txn/compact} for KV, with the builders of {@link io.etcdfake.server.difftest.Kv};
 *   <li>{@code s.stream(WatchGrpc.getWatchMethod())} for a bidirectional stream: {@code send}, then
 *       {@code next()} per expected answer;
 *   <li>revisions in requests are relative ({@code rev(1)} = the scenario's start, {@code rev(2)} its
 *       first write); any int64 field named revision, rev or *_revision is translated, in requests and
 *       in answers, at any depth;
 *   <li>other server-chosen values (lease ids, watch ids) are not translated: choose lease ids in the
 *       request (LeaseGrant ID) so both sides use the same;
 *   <li>{@code s.call35(why, ...)} where etcd 3.5 (the fake's target) and the 3.4 reference differ;
 *   <li>{@code s.fake()} / {@code s.reference()} give each side's raw channel and base for what the
 *       above does not cover.
 * </ul>
 */
package io.etcdfake.server.difftest;

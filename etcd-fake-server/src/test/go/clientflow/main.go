// clientflow runs one flow of etcd's Go client (clientv3) against an endpoint and prints what it
// sees, revisions counted from the empty keyspace the flow starts on (1) and server identities left
// out, so that the output of the fake and of a real etcd can be compared line by line.
//
//	clientflow [-flow kv|watch] 127.0.0.1:2379
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"go.etcd.io/etcd/clientv3"
	"go.etcd.io/etcd/clientv3/concurrency"
	"go.etcd.io/etcd/mvcc/mvccpb"
)

var base int64

// rel turns an absolute revision into one relative to the flow's start.
func rel(rev int64) int64 {
	if rev == 0 {
		return 0
	}
	return rev - base + 1
}

func kv(k *mvccpb.KeyValue) string {
	if k == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s=%q create=%d mod=%d version=%d leased=%t", k.Key, k.Value, rel(k.CreateRevision),
		rel(k.ModRevision), k.Version, k.Lease != 0)
}

func say(format string, args ...interface{}) {
	fmt.Printf(format+"\n", args...)
}

func check(what string, err error) bool {
	if err != nil {
		say("%s: error: %v", what, err)
		return false
	}
	return true
}

func get(c *clientv3.Client, what, key string, opts ...clientv3.OpOption) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := c.Get(ctx, key, opts...)
	if !check(what, err) {
		return
	}
	say("%s: revision=%d count=%d more=%t", what, rel(r.Header.Revision), r.Count, r.More)
	for _, k := range r.Kvs {
		say("  %s", kv(k))
	}
}

func main() {
	which := flag.String("flow", "kv", "kv (KV, txn, compaction, lease), watch or lock")
	flag.Parse()
	c, err := clientv3.New(clientv3.Config{Endpoints: []string{flag.Arg(0)}, DialTimeout: 10 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	// an empty keyspace to start from, at a revision above any earlier compaction
	if _, err := c.Put(ctx, "clientflow-reset", "x"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	d, err := c.Delete(ctx, "", clientv3.WithPrefix())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	base = d.Header.Revision
	if *which == "watch" {
		watchFlow(c)
		say("done")
		return
	}
	if *which == "lock" {
		lockFlow(c)
		say("done")
		return
	}

	// the seed article's flow: put, get everything, delete each key
	p, err := c.Put(ctx, "key", "value")
	if check("put key", err) {
		say("put key: revision=%d", rel(p.Header.Revision))
	}
	all, err := c.Get(ctx, "", clientv3.WithPrefix())
	if check("get all", err) {
		for _, k := range all.Kvs {
			say("get all: %s", kv(k))
			dr, err := c.Delete(ctx, string(k.Key))
			if check("delete", err) {
				say("delete %s: deleted=%d revision=%d", k.Key, dr.Deleted, rel(dr.Header.Revision))
			}
		}
	}

	// KV with options
	for _, k := range []string{"a", "b", "b/1", "b/2", "c"} {
		_, err := c.Put(ctx, k, "v-"+k)
		check("put "+k, err)
	}
	p, err = c.Put(ctx, "a", "again", clientv3.WithPrevKV())
	if check("put a prev", err) {
		say("put a prev: revision=%d prev=%s", rel(p.Header.Revision), kv(p.PrevKv))
	}
	_, err = c.Put(ctx, "a", "", clientv3.WithIgnoreValue())
	check("put a ignore value", err)
	_, err = c.Put(ctx, "missing", "", clientv3.WithIgnoreValue())
	check("put missing ignore value", err)
	get(c, "get a", "a")
	get(c, "get prefix b", "b", clientv3.WithPrefix())
	get(c, "get from b/1", "b/1", clientv3.WithFromKey())
	get(c, "get a at 5", "a", clientv3.WithRev(base+4))
	get(c, "get future", "a", clientv3.WithRev(base+100))
	get(c, "get sorted", "", clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByModRevision, clientv3.SortDescend))
	get(c, "get limit", "", clientv3.WithPrefix(), clientv3.WithLimit(2))
	get(c, "get count", "b", clientv3.WithPrefix(), clientv3.WithCountOnly())
	get(c, "get keys", "", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	get(c, "get serializable", "c", clientv3.WithSerializable())
	get(c, "get min mod", "", clientv3.WithPrefix(), clientv3.WithMinModRev(base+5))
	get(c, "get range", "a", clientv3.WithRange("b/2"))

	// txn: both branches, nested reads see the txn's writes
	t, err := c.Txn(ctx).
		If(clientv3.Compare(clientv3.Value("a"), "=", "again"), clientv3.Compare(clientv3.CreateRevision("zz"), "=", 0)).
		Then(clientv3.OpPut("zz", "created"), clientv3.OpGet("zz"), clientv3.OpDelete("c", clientv3.WithPrevKV())).
		Else(clientv3.OpGet("a")).
		Commit()
	if check("txn then", err) {
		say("txn then: succeeded=%t revision=%d responses=%d", t.Succeeded, rel(t.Header.Revision), len(t.Responses))
		say("  get zz: %s", kv(t.Responses[1].GetResponseRange().Kvs[0]))
		say("  delete c: deleted=%d prev=%s", t.Responses[2].GetResponseDeleteRange().Deleted,
			kv(t.Responses[2].GetResponseDeleteRange().PrevKvs[0]))
	}
	t, err = c.Txn(ctx).
		If(clientv3.Compare(clientv3.Version("a"), ">", 5)).
		Then(clientv3.OpPut("never", "x")).
		Else(clientv3.OpGet("b", clientv3.WithPrefix(), clientv3.WithCountOnly())).
		Commit()
	if check("txn else", err) {
		say("txn else: succeeded=%t revision=%d count=%d", t.Succeeded, rel(t.Header.Revision),
			t.Responses[0].GetResponseRange().Count)
	}
	_, err = c.Txn(ctx).Then(clientv3.OpPut("dup", "1"), clientv3.OpPut("dup", "2")).Commit()
	check("txn duplicate", err)

	dr, err := c.Delete(ctx, "b", clientv3.WithPrefix(), clientv3.WithPrevKV())
	if check("delete prefix b", err) {
		say("delete prefix b: deleted=%d revision=%d", dr.Deleted, rel(dr.Header.Revision))
		for _, k := range dr.PrevKvs {
			say("  prev %s", kv(k))
		}
	}

	// compaction
	cr, err := c.Compact(ctx, base+6, clientv3.WithCompactPhysical())
	if check("compact", err) {
		say("compact: revision=%d", rel(cr.Header.Revision))
	}
	_, err = c.Compact(ctx, base+6)
	check("compact again", err)
	get(c, "get compacted", "a", clientv3.WithRev(base+5))
	get(c, "get at compaction", "a", clientv3.WithRev(base+6))

	// leases: ids are the server's choice, so only whether one was given is printed
	g, err := c.Grant(ctx, 60)
	if check("grant", err) {
		say("grant: ttl=%d id-set=%t", g.TTL, g.ID != 0)
		_, err = c.Put(ctx, "leased", "x", clientv3.WithLease(g.ID))
		check("put leased", err)
		get(c, "get leased", "leased")
		ttl, err := c.TimeToLive(ctx, g.ID, clientv3.WithAttachedKeys())
		if check("time to live", err) {
			say("time to live: granted=%d remaining-ok=%t keys=%q", ttl.GrantedTTL, ttl.TTL > 50 && ttl.TTL <= 60, ttl.Keys)
		}
		ka, err := c.KeepAliveOnce(ctx, g.ID)
		if check("keep alive once", err) {
			say("keep alive once: ttl=%d", ka.TTL)
		}
		rv, err := c.Revoke(ctx, g.ID)
		if check("revoke", err) {
			say("revoke: revision=%d", rel(rv.Header.Revision))
		}
		get(c, "get leased after revoke", "leased")
		_, err = c.Revoke(ctx, g.ID)
		check("revoke again", err)
	}
	_, err = c.Put(ctx, "k", "v", clientv3.WithLease(clientv3.LeaseID(12345)))
	check("put unknown lease", err)

	say("done")
}

// watchFlow watches a prefix from a past revision, then writes, and prints the events seen.
func watchFlow(c *clientv3.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start, err := c.Put(ctx, "w/1", "one")
	if !check("watch put", err) {
		return
	}
	events := c.Watch(ctx, "w/", clientv3.WithPrefix(), clientv3.WithRev(start.Header.Revision), clientv3.WithPrevKV())
	c.Put(ctx, "w/1", "two")
	c.Delete(ctx, "w/1")
	c.Put(ctx, "x", "not watched")
	c.Put(ctx, "w/2", "three")
	seen := 0
	for resp := range events {
		if err := resp.Err(); err != nil {
			say("watch: error: %v", err)
			return
		}
		for _, ev := range resp.Events {
			say("watch: %s %s prev=%s", ev.Type, kv(ev.Kv), kv(ev.PrevKv))
			seen++
		}
		if seen >= 4 {
			return
		}
	}
	say("watch: channel closed after %d events", seen)
}

// lockFlow is the seed article's TestLock: a session, NewMutex("/funtester/"), Lock, Unlock; a second
// session must wait while the first holds the lock (its bounded attempt times out and leaves no key
// behind), and then takes the lock once the first unlocks.
func lockFlow(c *clientv3.Client) {
	s1, err := concurrency.NewSession(c, concurrency.WithTTL(30))
	if !check("session 1", err) {
		return
	}
	defer s1.Close()
	s2, err := concurrency.NewSession(c, concurrency.WithTTL(30))
	if !check("session 2", err) {
		return
	}
	defer s2.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	m1 := concurrency.NewMutex(s1, "/funtester/")
	if check("lock 1", m1.Lock(ctx)) {
		say("lock 1: held, key under prefix=%t, revision=%d", len(m1.Key()) > len("/funtester/"), rel(m1.Header().Revision))
	}
	m2 := concurrency.NewMutex(s2, "/funtester/")
	waiting, stop := context.WithTimeout(ctx, 500*time.Millisecond)
	err = m2.Lock(waiting)
	stop()
	say("lock 2 while 1 holds it: %v", err)
	get(c, "lock keys", "/funtester/", clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithCountOnly())
	if check("unlock 1", m1.Unlock(ctx)) {
		say("unlock 1: done")
	}
	if check("lock 2", m2.Lock(ctx)) {
		say("lock 2: held, owner is session 2=%t", m2.Key() != m1.Key())
	}
	if check("unlock 2", m2.Unlock(ctx)) {
		say("unlock 2: done")
	}
	get(c, "lock keys", "/funtester/", clientv3.WithPrefix(), clientv3.WithCountOnly())
}

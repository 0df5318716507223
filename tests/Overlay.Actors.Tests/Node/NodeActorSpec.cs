using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.TestKit;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;

namespace Overlay.Actors.Tests.Node;

/// <summary>The node actor's decisions against a probe standing in for the registry and a
/// recording data path: acquire, data path start and restart, renewal, peer routes, lost lease.</summary>
public sealed class NodeActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NetworkConfig Network = NetworkConfigParser.Default;
    private static readonly Ipv4Subnet Mine = Ipv4Subnet.Parse("10.244.5.0/24");
    private static readonly NodeTimings Timings = new(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
    private readonly RecordingDataplane _dataplane = new();
    private readonly TestProbe _registry;

    public NodeActorSpec() : base(ActorSpecConfig.Cluster) => _registry = CreateTestProbe("registry");

    private static Lease LeaseOf(Ipv4Subnet subnet, string node, string ip, long version, TimeSpan? ttl = null) =>
        new(subnet, node, IPAddress.Parse(ip), 8285, DateTimeOffset.UtcNow + (ttl ?? TimeSpan.FromHours(24)), version, "");

    private IActorRef StartNode(Ipv4Subnet? requested = null, int? port = 8285) =>
        Sys.ActorOf(NodeActor.Props(new NodeIdentity("me", IPAddress.Parse("192.0.2.5"), port, requested), Timings,
            _registry.Ref, _dataplane), "node");

    /// <summary>Answers the node's acquire with <paramref name="lease"/>.</summary>
    private void Grant(Lease lease)
    {
        _registry.ExpectMsg<AcquireLease>();
        _registry.Reply(new LeaseAcquired(lease, Network));
    }

    /// <summary>Answers the subscriber's request for the view (skipping renewals and retries) with
    /// the whole view in one piece.</summary>
    private void AnswerSnapshot(long version, params Lease[] leases)
    {
        _registry.FishForMessage(m => m is GetLeaseSnapshotPiece { Index: 0 }, TimeSpan.FromSeconds(10));
        _registry.Reply(new LeaseSnapshotPiece(version, 0, 1, leases.Length, Network, leases));
    }

    [Fact]
    public void It_asks_for_the_subnet_of_the_old_subnet_env_and_starts_the_data_path_with_the_lease()
    {
        StartNode(Mine);
        var acquire = _registry.ExpectMsg<AcquireLease>();
        Assert.Equal(Mine, acquire.RequestedSubnet);
        Assert.Equal("me", acquire.NodeName);
        _registry.Reply(new LeaseAcquired(LeaseOf(Mine, "me", "192.0.2.5", 2), Network));
        AwaitAssert(() => Assert.Contains("start " + Mine, _dataplane.Calls));
    }

    [Fact]
    public void Without_a_port_of_its_own_it_asks_for_backend_port_and_binds_the_port_its_lease_records()
    {
        StartNode(port: null);
        Assert.Equal(AcquireLease.FollowBackendPort, _registry.ExpectMsg<AcquireLease>().Port);
        _registry.Reply(new LeaseAcquired(LeaseOf(Mine, "me", "192.0.2.5", 2) with { Port = 8300 },
            Network with { Backend = Network.Backend with { Port = 8300 } }));
        AwaitAssert(() => Assert.Equal(8300, _dataplane.Started?.Port));
    }

    [Fact]
    public void It_repeats_an_unanswered_acquire()
    {
        StartNode();
        _registry.ExpectMsg<AcquireLease>();
        _registry.ExpectMsg<AcquireLease>(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void A_data_path_that_fails_is_stopped_and_started_again()
    {
        StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2));
        AwaitAssert(() => Assert.Equal(1, _dataplane.Starts));
        _dataplane.RaiseFault(new IOException("read overlay0: EBADFD"));
        AwaitAssert(() => Assert.Equal(2, _dataplane.Starts), TimeSpan.FromSeconds(5));
        Assert.Contains("stop", _dataplane.Calls);
    }

    [Fact]
    public void A_data_path_that_cannot_start_is_retried()
    {
        _dataplane.FailNextStart = true;
        StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2));
        AwaitAssert(() => Assert.Equal(1, _dataplane.Starts), TimeSpan.FromSeconds(5));
        Assert.Contains("start-failed " + Mine, _dataplane.Calls);
    }

    [Fact]
    public async Task Peer_leases_become_routes_and_routes_go_when_their_lease_goes()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var peerA = LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 3);
        var peerB = LeaseOf(Ipv4Subnet.Parse("10.244.7.0/24"), "b", "192.0.2.7", 4);
        Grant(mine);
        AnswerSnapshot(4, mine, peerA, peerB);
        AwaitAssert(() => Assert.Equal(2, _dataplane.Peers.Count));
        Assert.Equal(IPEndPoint.Parse("192.0.2.6:8285"), _dataplane.Peers[peerA.Subnet]);
        Assert.False(_dataplane.Peers.ContainsKey(Mine), "the node routes its own subnet to itself");

        // Peer b moves to another host, peer a's lease ends.
        var moved = peerB with { PublicIp = IPAddress.Parse("192.0.2.77"), Version = 5 };
        node.Tell(new LeaseViewChanged(new LeaseView(6, Network,
            new[] { mine, moved }.ToImmutableSortedDictionary(l => l.Subnet, l => l))));
        AwaitAssert(() =>
        {
            Assert.False(_dataplane.Peers.ContainsKey(peerA.Subnet));
            Assert.Equal(IPEndPoint.Parse("192.0.2.77:8285"), _dataplane.Peers[peerB.Subnet]);
        });

        var status = await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(mine, status.Lease);
        Assert.True(status.DataplaneRunning);
        Assert.Equal(peerB.Subnet, Assert.Single(status.Peers).Lease.Subnet);
    }

    /// <summary>250 peers (every /24 of the network but the node's own and five spare).</summary>
    private static Lease[] ManyPeers() =>
        Enumerable.Range(0, 256).Where(i => i != 5 && i < 251)
            .Select(i => LeaseOf(Ipv4Subnet.Parse($"10.244.{i}.0/24"), "p" + i, $"192.0.2.{i % 250 + 1}", 10 + i)).ToArray();

    private int CallsStartingWith(string prefix) => _dataplane.Calls.Count(c => c.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public void A_lease_event_on_top_of_the_view_installs_or_removes_exactly_the_one_route_it_names()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var peers = ManyPeers();
        Grant(mine);
        AnswerSnapshot(300, [mine, .. peers]);
        AwaitAssert(() => Assert.Equal(peers.Length, _dataplane.Peers.Count), TimeSpan.FromSeconds(10));
        Assert.Equal(peers.Length, CallsStartingWith("set "));
        var view = new LeaseView(300, Network, peers.Append(mine).ToImmutableSortedDictionary(l => l.Subnet, l => l));

        // A grant: one route more, nothing else touched.
        var granted = LeaseOf(Ipv4Subnet.Parse("10.244.252.0/24"), "new", "192.0.2.252", 301);
        var grant = new LeaseGranted(granted);
        view = view.Apply(grant).View;
        node.Tell(new LeaseViewChanged(view, LeaseViewDelta.Of(grant)));
        AwaitAssert(() => Assert.Equal(IPEndPoint.Parse("192.0.2.252:8285"), _dataplane.Peers[granted.Subnet]));
        // A renewal: the route's lease is updated, the entry is not rewritten (same host and port).
        var renewal = new LeaseRenewed(peers[0].Subnet, DateTimeOffset.UtcNow.AddDays(2), 302);
        view = view.Apply(renewal).View;
        node.Tell(new LeaseViewChanged(view, LeaseViewDelta.Of(renewal)));
        // An end: exactly that route goes.
        var end = new LeaseEnded(peers[1].Subnet, LeaseEndReason.Released, 303);
        view = view.Apply(end).View;
        node.Tell(new LeaseViewChanged(view, LeaseViewDelta.Of(end)));
        AwaitAssert(() => Assert.False(_dataplane.Peers.ContainsKey(peers[1].Subnet)));

        Assert.Equal(peers.Length + 1, CallsStartingWith("set "));
        Assert.Equal(["remove " + peers[1].Subnet], _dataplane.Calls.Where(c => c.StartsWith("remove ", StringComparison.Ordinal)));
        Assert.Equal(peers.Length, _dataplane.Peers.Count);
    }

    [Fact]
    public void An_event_is_applied_to_its_subnet_alone_and_a_complete_view_after_a_gap_reconciles_every_route()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var peers = ManyPeers();
        Grant(mine);
        AnswerSnapshot(300, [mine, .. peers]);
        AwaitAssert(() => Assert.Equal(peers.Length, _dataplane.Peers.Count), TimeSpan.FromSeconds(10));

        // The view sent with a delta differs in more than its subnet (as a view does after events the
        // node missed): the delta is trusted, so only the named subnet is touched, O(1) per event.
        var granted = LeaseOf(Ipv4Subnet.Parse("10.244.252.0/24"), "new", "192.0.2.252", 305);
        var moved = peers[2] with { PublicIp = IPAddress.Parse("192.0.2.222"), Version = 304 };
        var afterGap = peers.Skip(3).Append(moved).Append(mine).Append(granted).ToImmutableSortedDictionary(l => l.Subnet, l => l);
        node.Tell(new LeaseViewChanged(new LeaseView(305, Network, afterGap), LeaseViewDelta.Of(new LeaseGranted(granted))));
        AwaitAssert(() => Assert.True(_dataplane.Peers.ContainsKey(granted.Subnet)));
        Assert.True(_dataplane.Peers.ContainsKey(peers[0].Subnet));
        Assert.Equal(IPEndPoint.Parse("192.0.2.3:8285"), _dataplane.Peers[peers[2].Subnet]);

        // The complete view (what the subscriber sends after a transfer) is compared as a whole:
        // peers 0 and 1 go, peer 2 moves, the rest stay without being rewritten.
        var setsBefore = CallsStartingWith("set ");
        node.Tell(new LeaseViewChanged(new LeaseView(305, Network, afterGap)));
        AwaitAssert(() =>
        {
            Assert.False(_dataplane.Peers.ContainsKey(peers[0].Subnet));
            Assert.False(_dataplane.Peers.ContainsKey(peers[1].Subnet));
            Assert.Equal(IPEndPoint.Parse("192.0.2.222:8285"), _dataplane.Peers[peers[2].Subnet]);
        });
        Assert.Equal(afterGap.Count - 1, _dataplane.Peers.Count);
        Assert.Equal(setsBefore + 1, CallsStartingWith("set "));
        Assert.Equal(2, CallsStartingWith("remove "));

        // A route that is retired and granted again in the next event comes back once the old one stopped.
        var end = new LeaseEnded(peers[3].Subnet, LeaseEndReason.Released, 306);
        var view = new LeaseView(305, Network, afterGap).Apply(end).View;
        node.Tell(new LeaseViewChanged(view, LeaseViewDelta.Of(end)));
        var back = new LeaseGranted(peers[3] with { Version = 307, PublicIp = IPAddress.Parse("192.0.2.233") });
        view = view.Apply(back).View;
        node.Tell(new LeaseViewChanged(view, LeaseViewDelta.Of(back)));
        AwaitAssert(() => Assert.Equal(IPEndPoint.Parse("192.0.2.233:8285"), _dataplane.Peers[peers[3].Subnet]));
        Assert.Equal(3, CallsStartingWith("remove "));
    }

    [Fact]
    public async Task Its_status_says_whether_the_node_itself_applied_a_complete_view()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var peer = LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 3);
        Grant(mine);
        AwaitAssert(() => Assert.Equal(1, _dataplane.Starts));
        Assert.False((await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3))).ViewApplied);

        AnswerSnapshot(3, mine, peer);
        await AwaitAssertAsync(async () =>
        {
            var status = await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
            Assert.True(status.ViewApplied);
            Assert.Equal(peer.Subnet, Assert.Single(status.Peers).Lease.Subnet);
        });
    }

    [Fact]
    public async Task Its_status_lists_every_peer_route_at_once_with_the_counters_the_data_path_counts_into()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var peer = LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 3);
        Grant(mine);
        AnswerSnapshot(3, mine, peer);
        AwaitAssert(() => Assert.True(_dataplane.Peers.ContainsKey(peer.Subnet)));

        var status = await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
        var route = Assert.Single(status.Peers);
        Assert.Equal(peer, route.Lease);
        Assert.Same(_dataplane.CountersOf(peer.Subnet), route.Counters);
    }

    [Fact]
    public async Task Its_status_carries_the_subscribers_stats_as_they_are_when_asked()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        Grant(mine);
        AnswerSnapshot(2, mine);
        // Once the view is complete the subscriber probes the registry without telling the node;
        // the first status asked after that probe must count it.
        _registry.FishForMessage(m => m is GetLeaseVersion, TimeSpan.FromSeconds(10));
        var status = await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.True(status.Subscriber?.Probes >= 1, $"probes: {status.Subscriber?.Probes}");
    }

    [Fact]
    public async Task Its_status_says_how_far_the_view_got_until_the_view_is_complete()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        Grant(mine);
        var peers = Enumerable.Range(10, 3).Select(i => LeaseOf(Ipv4Subnet.Parse($"10.244.{i}.0/24"), $"p{i}", $"192.0.2.{i}", i)).ToArray();
        // Piece 1 of 2 arrives; the second is still out.
        _registry.FishForMessage(m => m is GetLeaseSnapshotPiece { Index: 0 }, TimeSpan.FromSeconds(10));
        _registry.Reply(new LeaseSnapshotPiece(12, 0, 2, 4, Network, [mine, peers[0]]));
        _registry.FishForMessage(m => m is GetLeaseSnapshotPiece { Version: 12, Index: 1 }, TimeSpan.FromSeconds(10));
        var waiting = await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal("view incomplete: piece 2 of 2 of registry version 12", waiting.Subscriber?.View?.Describe());
        Assert.Empty(_dataplane.Peers);

        _registry.Reply(new LeaseSnapshotPiece(12, 1, 2, 4, Network, [peers[1], peers[2]]));
        AwaitAssert(() => Assert.Equal(3, _dataplane.Peers.Count));
        var ready = await node.Ask<NodeStatus>(GetNodeStatus.Instance, TimeSpan.FromSeconds(3));
        Assert.True(ready.Subscriber?.View?.HasView);
        Assert.Equal("view complete at registry version 12", ready.Subscriber!.View!.Describe());
    }

    [Fact]
    public void It_renews_its_lease_ahead_of_expiry()
    {
        StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2, ttl: TimeSpan.FromSeconds(3)));
        var renew = _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(5));
        Assert.Equal(Mine, renew.Subnet);
        Assert.Equal("me", renew.NodeName);
    }

    [Fact]
    public void A_lease_the_registry_ended_is_acquired_again_for_the_same_subnet()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        Grant(mine);
        AnswerSnapshot(2, mine);
        node.Tell(new LeaseViewChanged(new LeaseView(3, Network, ImmutableSortedDictionary<Ipv4Subnet, Lease>.Empty)));
        var again = _registry.FishForMessage<AcquireLease>(m => m is AcquireLease, TimeSpan.FromSeconds(5));
        Assert.Equal(Mine, again.RequestedSubnet);
    }

    [Fact]
    public void Stopping_the_node_leaves_the_data_path_and_its_routes_running_and_keeps_the_lease()
    {
        var node = StartNode();
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var peer = LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 3);
        Grant(mine);
        AnswerSnapshot(3, mine, peer);
        AwaitAssert(() => Assert.True(_dataplane.Peers.ContainsKey(peer.Subnet)));
        Watch(node);
        Sys.Stop(node);
        ExpectTerminated(node);
        Assert.DoesNotContain("stop", _dataplane.Calls);
        Assert.DoesNotContain(_dataplane.Calls, c => c.StartsWith("remove ", StringComparison.Ordinal));
        Assert.Equal(Mine, _dataplane.ServedSubnet);
        Assert.True(_dataplane.Peers.ContainsKey(peer.Subnet));
        // Nothing the node sent on its way out gave the lease back.
        var sent = _registry.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        Assert.DoesNotContain(sent, m => m is ReleaseLease);
    }

    [Fact]
    public async Task A_node_whose_actor_system_terminated_leaves_the_data_path_and_its_routes_as_they_were()
    {
        var old = Akka.Actor.ActorSystem.Create("incarnation-1", ActorSpecConfig.Cluster);
        try
        {
            var registry = CreateTestProbe(old, "old-registry");
            old.ActorOf(NodeActor.Props(new NodeIdentity("me", IPAddress.Parse("192.0.2.5"), 8285, null), Timings,
                registry.Ref, _dataplane), "node");
            var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
            var peer = LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 3);
            registry.ExpectMsg<AcquireLease>();
            registry.Reply(new LeaseAcquired(mine, Network));
            registry.FishForMessage(m => m is GetLeaseSnapshotPiece { Index: 0 }, TimeSpan.FromSeconds(10));
            registry.Reply(new LeaseSnapshotPiece(3, 0, 1, 2, Network, [mine, peer]));
            AwaitAssert(() => Assert.True(_dataplane.Peers.ContainsKey(peer.Subnet)));
        }
        finally
        {
            await old.Terminate().WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.DoesNotContain("stop", _dataplane.Calls);
        Assert.DoesNotContain(_dataplane.Calls, c => c.StartsWith("remove ", StringComparison.Ordinal));
        Assert.Equal(Mine, _dataplane.ServedSubnet);
        Assert.Equal(IPEndPoint.Parse("192.0.2.6:8285"), _dataplane.Peers[Ipv4Subnet.Parse("10.244.6.0/24")]);
    }

    [Fact]
    public void A_node_over_a_running_data_path_keeps_it_and_removes_only_the_routes_the_fresh_view_lacks()
    {
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var kept = LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 3);
        var moved = LeaseOf(Ipv4Subnet.Parse("10.244.7.0/24"), "b", "192.0.2.7", 4);
        var gone = Ipv4Subnet.Parse("10.244.8.0/24");
        _dataplane.Preload(mine,
            (kept.Subnet, IPEndPoint.Parse("192.0.2.6:8285")),
            (moved.Subnet, IPEndPoint.Parse("192.0.2.70:8285")),
            (gone, IPEndPoint.Parse("192.0.2.8:8285")));
        var keptCounters = _dataplane.CountersOf(kept.Subnet);

        // subnet.env of an older lease says otherwise: the served subnet wins.
        StartNode(Ipv4Subnet.Parse("10.244.99.0/24"));
        var acquire = _registry.ExpectMsg<AcquireLease>();
        Assert.Equal(Mine, acquire.RequestedSubnet);
        _registry.Reply(new LeaseAcquired(mine with { Version = 9 }, Network));
        AwaitAssert(() => Assert.Contains("start-noop " + Mine, _dataplane.Calls));
        // Nothing is flushed before the full view arrived.
        Assert.Equal(3, _dataplane.Peers.Count);

        AnswerSnapshot(9, mine, kept, moved);
        AwaitAssert(() =>
        {
            Assert.False(_dataplane.Peers.ContainsKey(gone));
            Assert.Equal(IPEndPoint.Parse("192.0.2.7:8285"), _dataplane.Peers[moved.Subnet]);
        });
        Assert.Equal(IPEndPoint.Parse("192.0.2.6:8285"), _dataplane.Peers[kept.Subnet]);
        // The unchanged route was never removed (no flap) and kept its counters.
        Assert.Equal(["remove " + gone], _dataplane.Calls.Where(c => c.StartsWith("remove ", StringComparison.Ordinal)));
        Assert.Same(keptCounters, _dataplane.CountersOf(kept.Subnet));
        Assert.DoesNotContain("stop", _dataplane.Calls);
        Assert.Equal(0, _dataplane.Starts);
    }

    [Fact]
    public void Another_subnet_granted_under_a_running_data_path_is_refused_loudly_and_changes_nothing()
    {
        var mine = LeaseOf(Mine, "me", "192.0.2.5", 2);
        var other = LeaseOf(Ipv4Subnet.Parse("10.244.42.0/24"), "me", "192.0.2.5", 7);
        var peer = Ipv4Subnet.Parse("10.244.6.0/24");
        _dataplane.Preload(mine, (peer, IPEndPoint.Parse("192.0.2.6:8285")));
        var conflicts = CreateTestProbe();
        Sys.EventStream.Subscribe(conflicts.Ref, typeof(DataPathSubnetConflict));

        StartNode();
        _registry.ExpectMsg<AcquireLease>();
        _registry.Reply(new LeaseAcquired(other, Network));

        var conflict = conflicts.ExpectMsg<DataPathSubnetConflict>();
        Assert.Equal(Mine, conflict.Served);
        Assert.Equal(other.Subnet, conflict.Granted);
        // No silent move: the running data path, its subnet and its routes are untouched, and the
        // node asks for nothing more (no subscriber, no renewal of the unwanted lease).
        _registry.ExpectNoMsg(TimeSpan.FromMilliseconds(800));
        Assert.Empty(_dataplane.Calls);
        Assert.Equal(Mine, _dataplane.ServedSubnet);
        Assert.True(_dataplane.Peers.ContainsKey(peer));
    }

    [Fact]
    public void A_served_subnet_leased_to_another_node_while_this_one_was_away_is_reported_and_not_served_on_silently()
    {
        // F4: frozen beyond the grace, the node's lease ended and its subnet went to a newcomer; the
        // pool has nothing else, so the registry rejects the re-acquire. The view tells the rest.
        _dataplane.Preload(LeaseOf(Mine, "me", "192.0.2.5", 2));
        var taken = CreateTestProbe();
        Sys.EventStream.Subscribe(taken.Ref, typeof(DataPathSubnetTaken));

        StartNode();
        _registry.ExpectMsg<AcquireLease>();
        _registry.Reply(new LeaseRequestRejected("out of subnets in 10.244.0.0/16"));
        AnswerSnapshot(9, LeaseOf(Mine, "h3", "192.0.2.13", 9));

        var message = taken.ExpectMsg<DataPathSubnetTaken>();
        Assert.Equal(Mine, message.Served);
        Assert.Equal("h3", message.Holder);
        Assert.Equal("192.0.2.13", message.HolderPublicIp);
        Assert.Equal(Mine, _dataplane.ServedSubnet);
        Assert.DoesNotContain("stop", _dataplane.Calls);
        // Off the subnet before the exit's cluster leave: the withdrawal names the new holder.
        Assert.Contains(_dataplane.Calls, c => c.StartsWith($"withdraw {Mine}: the registry leased {Mine} to h3 (192.0.2.13)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_rejected_re_acquire_whose_subnet_nobody_else_holds_keeps_serving_and_retrying()
    {
        _dataplane.Preload(LeaseOf(Mine, "me", "192.0.2.5", 2));
        var taken = CreateTestProbe();
        Sys.EventStream.Subscribe(taken.Ref, typeof(DataPathSubnetTaken));

        StartNode();
        _registry.ExpectMsg<AcquireLease>();
        _registry.Reply(new LeaseRequestRejected("registry journal unavailable: disk full"));
        AnswerSnapshot(9, LeaseOf(Ipv4Subnet.Parse("10.244.6.0/24"), "a", "192.0.2.6", 9));

        taken.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        _registry.FishForMessage(m => m is AcquireLease { RequestedSubnet: { } s } && s == Mine, TimeSpan.FromSeconds(5));
        Assert.Equal(Mine, _dataplane.ServedSubnet);
        Assert.DoesNotContain(_dataplane.Calls, c => c.StartsWith("withdraw", StringComparison.Ordinal));
    }

    // ---- renewal retry and refusals --------------------------------------------------

    [Fact]
    public void A_lost_renewal_is_sent_again_until_the_registry_answers()
    {
        StartNode();
        var lease = LeaseOf(Mine, "me", "192.0.2.5", 2, ttl: TimeSpan.FromSeconds(3));
        Grant(lease);
        _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(5));
        // No answer (lost, or the registry is failing over): the node asks again at RetryInterval.
        var again = _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(3));
        Assert.Equal(Mine, again.Subnet);
        _registry.Reply(new LeaseRenewalSucceeded(lease with { ExpiresAt = DateTimeOffset.UtcNow + TimeSpan.FromHours(1), Version = 3 }));
        // Answered with a long lease: the retries stop (the next renewal is 20 min away).
        var later = _registry.ReceiveWhile(TimeSpan.FromSeconds(1), m => m);
        Assert.DoesNotContain(later, m => m is RenewLease);
    }

    [Fact]
    public void A_renewal_the_registry_has_no_lease_for_becomes_an_acquire_for_the_same_subnet()
    {
        StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2, ttl: TimeSpan.FromSeconds(3)));
        _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(5));
        _registry.Reply(new LeaseNotFound(Mine));
        Assert.Equal(Mine, _registry.FishForMessage<AcquireLease>(m => m is AcquireLease, TimeSpan.FromSeconds(3)).RequestedSubnet);
    }

    [Fact]
    public void A_renewal_refused_because_the_registry_knows_another_holder_address_becomes_an_acquire()
    {
        StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2, ttl: TimeSpan.FromSeconds(3)));
        _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(5));
        _registry.Reply(new LeaseRefused(LeaseRefusal.NotHolder, Mine, "RenewLease for 10.244.5.0/24 (me) from x refused: the lease is held by y"));
        Assert.Equal(Mine, _registry.FishForMessage<AcquireLease>(m => m is AcquireLease, TimeSpan.FromSeconds(3)).RequestedSubnet);
    }

    [Fact]
    public void An_identity_conflict_is_reported_on_the_event_stream_and_the_acquire_keeps_being_retried()
    {
        var problems = CreateTestProbe();
        Sys.EventStream.Subscribe(problems.Ref, typeof(NodeLeaseProblem));
        StartNode();
        _registry.ExpectMsg<AcquireLease>();
        const string reason = "node name me is held by akka.tcp://overlay@192.0.2.12:4054 (10.244.2.0/24, public IP 192.0.2.12); " +
                              "refusing akka.tcp://overlay@192.0.2.13:4054";
        EventFilter.Error(contains: reason).ExpectOne(() =>
            _registry.Reply(new LeaseRefused(LeaseRefusal.IdentityConflict, Ipv4Subnet.Parse("10.244.2.0/24"), reason)));
        Assert.Equal("lease refused: " + reason, problems.ExpectMsg<NodeLeaseProblem>().Reason);
        _registry.ExpectMsg<AcquireLease>(TimeSpan.FromSeconds(3));

        // Once the other holder is gone the registry grants it, and the problem clears.
        _registry.Reply(new LeaseAcquired(LeaseOf(Mine, "me", "192.0.2.5", 9), Network));
        Assert.Null(problems.ExpectMsg<NodeLeaseProblem>().Reason);
        AwaitAssert(() => Assert.Equal(1, _dataplane.Starts));
    }

    [Theory]
    [InlineData(-90, 120, 70)]        // F22: node clock 90 s behind, TTL 2 min: renews after 70 s
    [InlineData(0, 120, 40)]
    [InlineData(0, 24 * 3600, 8 * 3600)]
    [InlineData(+13 * 3600, 120, 1)]  // a node clock far ahead still renews (every second, the floor)
    public void The_renewal_comes_well_before_expiry_even_with_a_skewed_node_clock(int nodeClockOffsetSeconds, int ttlSeconds,
        int expectedDelaySeconds)
    {
        var registryNow = new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
        var remaining = registryNow.AddSeconds(ttlSeconds) - registryNow.AddSeconds(nodeClockOffsetSeconds);
        var delay = NodeActor.RenewalDelay(remaining, shortestLifetime: null);
        Assert.Equal(TimeSpan.FromSeconds(expectedDelaySeconds), delay);
        Assert.True(delay < TimeSpan.FromSeconds(ttlSeconds));
    }

    [Fact]
    public void A_registry_clock_that_jumps_ahead_does_not_stretch_the_renewal_interval()
    {
        // TTL 2 min; the registry fails over to a host 13 h ahead: the next lease seems to live 13 h.
        var ttl = TimeSpan.FromMinutes(2);
        var jumped = ttl + TimeSpan.FromHours(13);
        Assert.Equal(TimeSpan.FromSeconds(40), NodeActor.RenewalDelay(jumped, shortestLifetime: ttl));
        Assert.Equal(TimeSpan.FromSeconds(20), NodeActor.RenewalDelay(TimeSpan.FromMinutes(1), shortestLifetime: ttl));
    }

    [Fact]
    public void The_renewal_interval_stays_short_after_a_lease_from_a_registry_whose_clock_is_ahead()
    {
        StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2, ttl: TimeSpan.FromSeconds(3)));
        var first = _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(5));
        // The answer comes from a registry 13 h ahead: the next renewal still comes about a second later.
        _registry.Reply(new LeaseRenewalSucceeded(LeaseOf(Mine, "me", "192.0.2.5", 3, ttl: TimeSpan.FromHours(13) + TimeSpan.FromSeconds(3))));
        Assert.Equal(first.Subnet, _registry.FishForMessage<RenewLease>(m => m is RenewLease, TimeSpan.FromSeconds(5)).Subnet);
    }
}

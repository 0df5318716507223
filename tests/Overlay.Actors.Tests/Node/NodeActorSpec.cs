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
    private readonly RecordingDataplane _dataplane = new();
    private readonly TestProbe _registry;

    public NodeActorSpec() : base(ActorSpecConfig.Cluster) => _registry = CreateTestProbe("registry");

    private static Lease LeaseOf(Ipv4Subnet subnet, string node, string ip, long version, TimeSpan? ttl = null) =>
        new(subnet, node, IPAddress.Parse(ip), 8285, DateTimeOffset.UtcNow + (ttl ?? TimeSpan.FromHours(24)), version, "");

    private IActorRef StartNode(Ipv4Subnet? requested = null) =>
        Sys.ActorOf(NodeActor.Props(new NodeIdentity("me", IPAddress.Parse("192.0.2.5"), 8285, requested,
            TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30)), _registry.Ref, _dataplane), "node");

    /// <summary>Answers the node's acquire with <paramref name="lease"/>.</summary>
    private void Grant(Lease lease)
    {
        _registry.ExpectMsg<AcquireLease>();
        _registry.Reply(new LeaseAcquired(lease, Network));
    }

    /// <summary>Answers the subscriber's snapshot request (skipping renewals and retries).</summary>
    private void AnswerSnapshot(long version, params Lease[] leases)
    {
        _registry.FishForMessage(m => m is GetLeaseSnapshot, TimeSpan.FromSeconds(10));
        _registry.Reply(new LeaseSnapshot(version, Network, leases));
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
    public void Stopping_the_node_stops_the_data_path_and_keeps_the_lease()
    {
        var node = StartNode();
        Grant(LeaseOf(Mine, "me", "192.0.2.5", 2));
        AwaitAssert(() => Assert.Equal(1, _dataplane.Starts));
        Watch(node);
        Sys.Stop(node);
        ExpectTerminated(node);
        Assert.Equal("stop", _dataplane.Calls.Last());
        // Nothing the node sent on its way out gave the lease back.
        var sent = _registry.ReceiveWhile(TimeSpan.FromMilliseconds(300), m => m);
        Assert.DoesNotContain(sent, m => m is ReleaseLease);
    }

    // ---- renewal retry and refusals (issue 13) --------------------------------------------------

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

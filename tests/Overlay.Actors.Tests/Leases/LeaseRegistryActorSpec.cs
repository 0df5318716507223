using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests.Leases;

/// <summary>
/// The registry actor's wiring of the trust rules: membership events drive removals
/// only for members this incarnation saw, a recovered registry inherits no removal time and gives
/// every lease a full TTL, and wall-clock steps (a <see cref="ManualClock"/>) expire nothing that the
/// monotonic clock calls renewed. In-memory journal; cluster events are told to the actor directly.
/// Each negative assertion rides on a positive control decided in the same sweep, so no test waits
/// for something not to happen.
/// </summary>
public sealed class LeaseRegistryActorSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string H2 = "akka.tcp://overlay@192.0.2.12:4054";
    private const string H3 = "akka.tcp://overlay@192.0.2.13:4054";
    private const string H4 = "akka.tcp://overlay@192.0.2.14:4054";
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly RegistrySettings Settings = new(Ttl, Grace, TimeSpan.FromMilliseconds(50), 1000);

    private static readonly Config Hocon = ConfigurationFactory.ParseString("""
        akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
        akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
        """).WithFallback(ActorSpecConfig.Cluster);

    private readonly ManualClock _clock = new(T0);

    public LeaseRegistryActorSpec() : base(Hocon)
    {
    }

    private IActorRef StartRegistry(string name = "registry") => Sys.ActorOf(LeaseRegistryActor.Props(Settings, _clock), name);

    private async Task<IActorRef> ConfiguredRegistryAsync()
    {
        var registry = StartRegistry();
        await registry.Ask<NetworkConfigured>(new ConfigureNetwork(NetworkConfigParser.Default), Wait);
        return registry;
    }

    private static async Task<Lease> AcquireAsync(IActorRef registry, string node, string member, int host) =>
        (await registry.Ask<LeaseAcquired>(new AcquireLease(node, IPAddress.Parse($"192.0.2.{host}"), 8285, null, member), Wait)).Lease;

    private static async Task<IReadOnlyList<string>> HoldersAsync(IActorRef registry) =>
        (await registry.Ask<LeaseSnapshot>(GetLeaseSnapshot.Instance, Wait)).Leases.Select(l => l.NodeName).Order().ToList();

    private static Member MemberAt(string address, MemberStatus status) => TestMembers.At(address, status, "node");

    /// <summary>Tells <paramref name="registry"/> that the member at <paramref name="address"/> came up
    /// and was then removed, as the cluster's event stream would, and waits until it handled both
    /// (the removal time is the clock's when the actor sees it).</summary>
    private static async Task UpThenRemovedAsync(IActorRef registry, string address)
    {
        registry.Tell(new ClusterEvent.MemberUp(MemberAt(address, MemberStatus.Up)));
        registry.Tell(new ClusterEvent.MemberRemoved(MemberAt(address, MemberStatus.Removed), MemberStatus.Exiting));
        await HoldersAsync(registry);
    }

    private async Task AwaitHoldersAsync(IActorRef registry, params string[] expected)
    {
        string[] last = [];
        await AwaitAssertAsync(async () =>
        {
            last = [.. await HoldersAsync(registry)];
            Assert.Equal(expected, last);
        }, Wait, TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Only_removals_this_registry_saw_end_leases_each_a_full_grace_after_it_saw_them()
    {
        var registry = await ConfiguredRegistryAsync();
        await AcquireAsync(registry, "h2", H2, 12);
        await AcquireAsync(registry, "h3", H3, 13); // never a member here (another cluster's node)
        await AcquireAsync(registry, "h4", H4, 14);

        await UpThenRemovedAsync(registry, H4);      // removed at t = 0
        _clock.Advance(TimeSpan.FromMinutes(2));
        await UpThenRemovedAsync(registry, H2);      // removed at t = 2 min

        _clock.Advance(TimeSpan.FromMinutes(3));     // t = 5 min: h4's grace is over, h2's is not
        await AwaitHoldersAsync(registry, "h2", "h3");

        _clock.Advance(TimeSpan.FromMinutes(2));     // t = 7 min: h2's grace is over; h3 was never seen
        await AwaitHoldersAsync(registry, "h3");
    }

    [Fact]
    public async Task A_recovered_registry_inherits_no_removal_time_and_gives_every_lease_a_full_ttl_from_recovery()
    {
        var registry = await ConfiguredRegistryAsync();
        await AcquireAsync(registry, "h2", H2, 12);
        await AcquireAsync(registry, "h4", H4, 14);
        await UpThenRemovedAsync(registry, H2);
        _clock.Advance(TimeSpan.FromMinutes(4));     // 1 min of h2's grace left when the registry fails over
        Watch(registry);
        Sys.Stop(registry);
        ExpectTerminated(registry);

        // The next incarnation starts two hours later by the wall clock: past every ExpiresAt.
        _clock.StepWall(TimeSpan.FromHours(2));
        registry = StartRegistry("registry-2");
        Assert.Equal(["h2", "h4"], await HoldersAsync(registry));
        await UpThenRemovedAsync(registry, H4);      // the control: removed under this incarnation

        _clock.Advance(Grace);                       // h4 ends; h2's removal was not seen here, its TTL runs from recovery
        await AwaitHoldersAsync(registry, "h2");

        _clock.Advance(Ttl - Grace);                 // one TTL after recovery without a renewal: expired
        await AwaitHoldersAsync(registry);
    }

    [Fact]
    public async Task A_wall_clock_13_hours_ahead_expires_only_what_the_monotonic_clock_calls_unrenewed()
    {
        var registry = await ConfiguredRegistryAsync();
        await AcquireAsync(registry, "h2", H2, 12);
        await AcquireAsync(registry, "h3", H3, 13);
        _clock.Advance(TimeSpan.FromMinutes(30));
        Assert.IsType<LeaseRenewalSucceeded>(await registry.Ask<IOverlayMessage>(
            new RenewLease("h3", Ipv4Subnet.Parse("10.244.2.0/24")), Wait));

        _clock.StepWall(TimeSpan.FromHours(13));     // every ExpiresAt is in the past now
        _clock.StepWall(TimeSpan.FromMinutes(10));   // and an NTP step on top

        _clock.Advance(TimeSpan.FromMinutes(30));    // h2: a TTL without renewal; h3: renewed 30 min ago
        await AwaitHoldersAsync(registry, "h3");

        _clock.StepWall(TimeSpan.FromMinutes(-20));  // a step back changes nothing for a lease that is due
        _clock.Advance(TimeSpan.FromMinutes(30));
        await AwaitHoldersAsync(registry);
    }

    [Fact]
    public async Task A_command_without_a_sender_is_refused_and_changes_nothing()
    {
        var registry = await ConfiguredRegistryAsync();
        var lease = await AcquireAsync(registry, "h2", H2, 12);
        registry.Tell(new ReleaseLease("h2", lease.Subnet), ActorRefs.NoSender);
        registry.Tell(new EvictLease(lease.Subnet), ActorRefs.NoSender);
        Assert.Equal(["h2"], await HoldersAsync(registry));
    }

    [Fact]
    public async Task A_live_member_holding_the_name_blocks_another_address_until_the_cluster_removes_it()
    {
        var registry = await ConfiguredRegistryAsync();
        registry.Tell(new ClusterEvent.MemberUp(MemberAt(H2, MemberStatus.Up)));
        var held = await AcquireAsync(registry, "h2", H2, 12);

        var refused = await registry.Ask<IOverlayMessage>(
            new AcquireLease("h2", IPAddress.Parse("192.0.2.13"), 8285, null, H3), Wait);
        Assert.Equal(new LeaseRefused(LeaseRefusal.IdentityConflict, held.Subnet,
            $"node name h2 is held by {H2} ({held.Subnet}, public IP 192.0.2.12); refusing {H3}"), refused);

        registry.Tell(new ClusterEvent.MemberRemoved(MemberAt(H2, MemberStatus.Removed), MemberStatus.Down));
        var moved = await registry.Ask<LeaseAcquired>(new AcquireLease("h2", IPAddress.Parse("192.0.2.13"), 8285, null, H3), Wait);
        Assert.Equal(held.Subnet, moved.Lease.Subnet);
        Assert.Equal(H3, moved.Lease.MemberAddress);
    }
}

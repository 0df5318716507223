using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Tests;

/// <summary>Helpers for driving a <see cref="LeaseRegistryState"/> as the registry actor does:
/// decide, then apply every event in order.</summary>
internal static class RegistryTestKit
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly RegistrySettings Settings = RegistrySettings.Default with { Ttl = TimeSpan.FromHours(1) };

    public static Ipv4Subnet S(string text) => Ipv4Subnet.Parse(text);

    public static IPAddress Ip(string text) => IPAddress.Parse(text);

    public static AcquireLease Acquire(string node, string ip, string? requested = null, string member = "", int port = 8285) =>
        new(node, Ip(ip), port, requested is null ? null : S(requested), member);

    /// <summary>Applies every event of <paramref name="decision"/>, checking the versions are the
    /// next ones, and returns the new state.</summary>
    public static LeaseRegistryState ApplyAll(this LeaseRegistryState state, RegistryDecision decision)
    {
        foreach (var e in decision.Events)
        {
            Assert.Equal(state.Version + 1, e.Version);
            state = state.Apply(e);
            Assert.Equal(e.Version, state.Version);
        }
        return state;
    }

    /// <summary>Process then apply; returns the new state and the decision.</summary>
    public static (LeaseRegistryState State, RegistryDecision Decision) Run(
        this LeaseRegistryState state, ILeaseRegistryCommand command, DateTimeOffset? now = null)
    {
        var decision = state.Process(command, now ?? T0, Settings);
        return (state.ApplyAll(decision), decision);
    }

    public static LeaseRegistryState Configured(NetworkConfig? config = null) =>
        LeaseRegistryState.Empty.Run(new ConfigureNetwork(config ?? NetworkConfigParser.Default)).State;

    /// <summary>A state where each node in turn acquired a lease, each from its own public IP in
    /// 198.51.100.0/24 (tests that pick addresses themselves use 192.0.2.0/24, so none collide).</summary>
    public static LeaseRegistryState WithNodes(this LeaseRegistryState state, params string[] nodes)
    {
        foreach (var node in nodes)
        {
            var ip = $"198.51.100.{1 + state.Version % 250}";
            (state, var decision) = state.Run(Acquire(node, ip, member: $"akka.tcp://overlay@{node}:4053"));
            Assert.IsType<LeaseAcquired>(decision.Reply);
        }
        return state;
    }

    public static Lease Granted(RegistryDecision decision) => Assert.IsType<LeaseAcquired>(decision.Reply).Lease;

    /// <summary>A decision as text, expanding the collections records print only by type name.</summary>
    public static string Describe(RegistryDecision decision)
    {
        var reply = decision.Reply switch
        {
            LeaseSnapshot snapshot => $"LeaseSnapshot {snapshot.Version} {snapshot.Network} [{string.Join(", ", snapshot.Leases)}]",
            null => "no reply",
            var other => other.ToString(),
        };
        return $"{reply} / [{string.Join(", ", decision.Events)}]";
    }
}

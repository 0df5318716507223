namespace Overlay.Seed.Membership;

/// <summary>
/// The seed list a seed starts with, so that a restarted seed rejoins the cluster that still exists
/// instead of forming an island.
/// </summary>
/// <remarks>
/// Akka.NET 1.5's join rules (ClusterDaemon.cs): when the first address of the seed list is the
/// member's own, it runs the FirstSeedNodeProcess: it sends InitJoin to every other address each
/// second, joins the first member that answers InitJoinAck (any initialized member that is not Down
/// or Exiting answers, nodes included), and joins itself, forming a new cluster, only when no one
/// answered within seed-node-timeout or all answered InitJoinNack (not initialized yet). Any other
/// list runs the JoinSeedNodeProcess, which never joins itself.
/// <list type="bullet">
/// <item>A seed that remembers no members (first start, or a wiped data directory) keeps the
///   configured list as it is: only the first configured seed may form a cluster, so a new cluster
///   forms once.</item>
/// <item>A seed that remembers members was part of a cluster: it starts with itself first, then the
///   other configured seeds, then the remembered members. Any live member of the old cluster vouches
///   for it; it forms a new cluster only when nobody answers.</item>
/// </list>
/// A member that still lists this seed's previous incarnation (same host and port) downs it when the
/// new one asks to join (Akka: "New incarnation of existing member is trying to join"), and the new
/// one joins once the old one is removed. A seed that remembers members but did not leave
/// gracefully waits <see cref="SeedConstants.RejoinDelayAfterCrash"/> before it starts joining (see
/// there why).
/// </remarks>
public static class SeedJoinPlan
{
    /// <summary>The seed list for <paramref name="self"/>, given the <paramref name="configured"/>
    /// seeds (which include <paramref name="self"/>) and the <paramref name="remembered"/> members.</summary>
    public static IReadOnlyList<string> SeedsFor(string self, IReadOnlyList<string> configured, IReadOnlyList<string> remembered)
    {
        var others = remembered.Where(a => a != self).ToList();
        if (others.Count == 0)
            return configured;
        var seeds = new List<string> { self };
        foreach (var address in configured.Concat(others.Take(SeedConstants.MaxKnownMembers)))
        {
            if (!seeds.Contains(address))
                seeds.Add(address);
        }
        return seeds;
    }

    /// <summary>Akka's seed-node-timeout for this start: <see cref="SeedConstants.SeedNodeTimeoutAfterDowned"/>
    /// when the cluster this seed remembers downed it (it most likely lives on), else null (Akka's 5 s).</summary>
    public static TimeSpan? SeedNodeTimeoutFor(string self, KnownMembersFile.Contents remembered) =>
        remembered.Downed && remembered.Addresses.Any(a => a != self) ? SeedConstants.SeedNodeTimeoutAfterDowned : null;

    /// <summary>How long to wait before joining: <see cref="SeedConstants.RejoinDelayAfterCrash"/> when
    /// the seed remembers members and did not record a graceful leave, else nothing. A seed its
    /// cluster downed does not wait either: the delay lets the members down and remove a crashed
    /// incarnation they still list, and this one they downed already. Waiting then only delays the
    /// nodes, which end their incarnations after 20 s without a registry and ask this seed to let
    /// them in (F3: the nodes and the restarted seed waited for each other for the whole 15 s).</summary>
    public static TimeSpan JoinDelayFor(string self, KnownMembersFile.Contents remembered) =>
        remembered.Addresses.Any(a => a != self) && !remembered.LeftGracefully && !remembered.Downed
            ? SeedConstants.RejoinDelayAfterCrash
            : TimeSpan.Zero;
}

using Akka.Cluster;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>
/// The downing decision of the overlay cluster: Akka's keep-oldest with <c>down-if-alone</c>, with
/// two changes that take the registry role into account. A pure function of the members (oldest
/// first, with their registry role) and the reachability table; every member that acts on the same
/// gossip reaches the same decision.
/// <list type="number">
/// <item>Indirectly connected members (each observes someone unreachable and is observed
/// unreachable itself: a link between two members is cut while others still reach both) are
/// downed, as in Akka's resolver, except the oldest registry member among them, which is kept.
/// Two seeds that lose only each other (fault F9) lose the younger one only; a node whose link to a
/// seed is cut one way (fault F13) is downed alone and never takes the seed with it.</item>
/// <item>The side to keep after a clean partition or a crash is the side of the oldest member with
/// the registry role (the oldest of all members only when no registry member is left), so a node
/// that became the oldest member after every seed restarted cannot make the seeds' side go down.
/// "Alone" (down-if-alone) counts all members, not only registry ones: with one seed, the nodes
/// must down a crashed seed and keep running.</item>
/// </list>
/// Not modelled from Akka's resolver: indirect connection seen only through the gossip's seen-by
/// set, the membership-change edge case (a member joining during the partition) and down-all when
/// unstable. A cycle that remains after the first step (three or more members cut pairwise) is
/// downed whole.
/// </summary>
public static class RegistryAwareDowning
{
    /// <summary>
    /// Decides whom to down. <paramref name="membersOldestFirst"/>: every known member, oldest first
    /// (Akka's age ordering); <paramref name="observations"/>: the unreachable records of the
    /// reachability table; <paramref name="downIfAlone"/>: keep-oldest's down-if-alone.
    /// </summary>
    public static DowningOutcome Decide(IReadOnlyList<DowningMember> membersOldestFirst, IReadOnlyCollection<UnreachableObservation> observations, bool downIfAlone)
    {
        var downable = membersOldestFirst.Where(m => m.Downable).Select(m => m.Address).ToHashSet();
        var records = observations.Where(o => downable.Contains(o.Observer) && downable.Contains(o.Subject) && !o.Observer.Equals(o.Subject)).ToList();
        if (records.Count == 0)
        {
            return DowningOutcome.Nothing;
        }

        var down = new HashSet<UniqueAddress>();
        var reasons = new List<string>();
        var indirect = IndirectlyConnected(records);
        if (indirect.Count > 0)
        {
            var kept = membersOldestFirst.FirstOrDefault(m => m.Registry && indirect.Contains(m.Address));
            down.UnionWith(indirect.Where(a => kept is null || !a.Equals(kept.Address)));
            reasons.Add(kept is null
                ? $"indirectly connected {Names(indirect)}: all downed (no registry member among them)"
                : $"indirectly connected {Names(indirect)}: the oldest registry member {kept.Address.Address} kept");
            records = records.Where(o => !down.Contains(o.Observer) && !down.Contains(o.Subject)).ToList();
            var still = IndirectlyConnected(records);
            if (still.Count > 0)
            {
                down.UnionWith(still);
                reasons.Add($"still indirectly connected {Names(still)}: downed");
                records = records.Where(o => !down.Contains(o.Observer) && !down.Contains(o.Subject)).ToList();
            }
        }

        var unreachable = records.Select(o => o.Subject).ToHashSet();
        if (unreachable.Count > 0)
        {
            var counted = membersOldestFirst.Where(m => m.Counted && !down.Contains(m.Address)).ToList();
            var anchor = counted.FirstOrDefault(m => m.Registry) ?? counted.FirstOrDefault();
            if (anchor is null)
            {
                down.UnionWith(downable);
                reasons.Add("no Up member left: all downed");
            }
            else
            {
                bool anchorHere = !unreachable.Contains(anchor.Address);
                int here = counted.Count(m => !unreachable.Contains(m.Address));
                int there = counted.Count(m => unreachable.Contains(m.Address));
                bool keepHere = anchorHere
                    ? !(downIfAlone && here == 1 && there >= 2)
                    : downIfAlone && there == 1 && here >= 2;
                var side = downable.Where(a => !down.Contains(a) && unreachable.Contains(a) == keepHere).ToList();
                down.UnionWith(side);
                string anchorKind = anchor.Registry ? "oldest registry member" : "oldest member (no registry member)";
                reasons.Add($"{anchorKind} {anchor.Address.Address} {(anchorHere ? "reachable" : "unreachable")}, {here} reachable and {there} unreachable counted: "
                    + (keepHere ? "the unreachable side downed" : "the reachable side downed"));
            }
        }

        return new DowningOutcome(down, string.Join("; ", reasons));
    }

    /// <summary>Members that observe someone unreachable and are observed unreachable themselves (a
    /// cycle in the unreachability graph: they still gossip through third members).</summary>
    public static HashSet<UniqueAddress> IndirectlyConnected(IReadOnlyCollection<UnreachableObservation> records)
    {
        var observers = records.Select(o => o.Observer).ToHashSet();
        observers.IntersectWith(records.Select(o => o.Subject));
        return observers;
    }

    private static string Names(IEnumerable<UniqueAddress> addresses) =>
        "[" + string.Join(", ", addresses.Select(a => a.Address.ToString()).Order(StringComparer.Ordinal)) + "]";
}

using System.Collections.Immutable;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

/// <summary>
/// A subscriber's copy of the registry: every live lease as of <see cref="Version"/>. Immutable;
/// built from a <see cref="LeaseSnapshot"/> and moved forward one event at a time, strictly in
/// version order.
/// </summary>
public sealed record LeaseView(long Version, NetworkConfig? Network, ImmutableSortedDictionary<Ipv4Subnet, Lease> Leases)
{
    /// <summary>A view that knows nothing yet.</summary>
    public static readonly LeaseView Empty = new(0, null, ImmutableSortedDictionary<Ipv4Subnet, Lease>.Empty);

    /// <summary>The view a snapshot describes.</summary>
    public static LeaseView From(LeaseSnapshot snapshot) =>
        new(snapshot.Version, snapshot.Network, snapshot.Leases.ToImmutableSortedDictionary(l => l.Subnet, l => l));

    /// <summary>What applying one event to a view means.</summary>
    public enum Outcome
    {
        /// <summary>The event was the next version and is applied.</summary>
        Applied,
        /// <summary>The view already has this version; nothing changes.</summary>
        Stale,
        /// <summary>One or more versions were missed: the view needs a new snapshot.</summary>
        Gap,
    }

    /// <summary>Applies <paramref name="e"/> if it is the next version.</summary>
    public (Outcome Outcome, LeaseView View) Apply(ILeaseEvent e)
    {
        if (e.Version <= Version)
            return (Outcome.Stale, this);
        if (e.Version != Version + 1)
            return (Outcome.Gap, this);
        var next = e switch
        {
            NetworkConfigured c => this with { Network = c.Config },
            LeaseGranted g => this with { Leases = Leases.SetItem(g.Lease.Subnet, g.Lease) },
            LeaseRenewed r when Leases.TryGetValue(r.Subnet, out var lease) =>
                this with { Leases = Leases.SetItem(r.Subnet, lease with { ExpiresAt = r.ExpiresAt, Version = r.Version }) },
            LeaseEnded x => this with { Leases = Leases.Remove(x.Subnet) },
            _ => this,
        };
        return (Outcome.Applied, next with { Version = e.Version });
    }
}

namespace Overlay.Actors.Leases;

/// <summary>How the lease registry times leases and snapshots its journal.</summary>
/// <param name="Ttl">Lease lifetime from grant or renewal. Default 24h (flannel's).</param>
/// <param name="GracePeriod">How long a lease outlives the cluster's removal of its holder. Default 5 min.</param>
/// <param name="SweepInterval">How often expiry and grace are checked. Default 1s.</param>
/// <param name="SnapshotEvery">Save a snapshot after this many events. Default 100.</param>
public sealed record RegistrySettings(TimeSpan Ttl, TimeSpan GracePeriod, TimeSpan SweepInterval, int SnapshotEvery)
{
    /// <summary>The defaults above.</summary>
    public static readonly RegistrySettings Default =
        new(TimeSpan.FromHours(24), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1), 100);
}

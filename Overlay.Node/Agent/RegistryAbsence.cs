namespace Overlay.Node.Agent;

/// <summary>
/// Decides when a node is on an island: Up in a cluster that has had no registry member for
/// <see cref="Limit"/>. Pure: fed observations, answers whether to give the incarnation up. Not
/// thread-safe (one watcher actor owns it).
/// </summary>
public sealed class RegistryAbsence(TimeSpan limit)
{
    private DateTimeOffset? _missingSince;

    /// <summary>How long the registry may be missing.</summary>
    public TimeSpan Limit { get; } = limit;

    /// <summary>Since when the registry has been missing while this member was Up, or null.</summary>
    public DateTimeOffset? MissingSince => _missingSince;

    /// <summary>Records one look at the membership; true when this member is Up and no registry
    /// member has been seen for at least <see cref="Limit"/>. A member that is not Up (joining, or
    /// leaving) never counts: joining through the seeds is the seed-node process's job.</summary>
    public bool Observe(DateTimeOffset now, bool selfUp, bool registryPresent)
    {
        if (!selfUp || registryPresent)
        {
            _missingSince = null;
            return false;
        }
        _missingSince ??= now;
        return now - _missingSince.Value >= Limit;
    }
}

namespace Overlay.Seed;

/// <summary>The numbers of overlay-seed, each with its reason.</summary>
public static class SeedConstants
{
    /// <summary>The file in the data directory that lists the cluster members this seed last saw.</summary>
    public const string KnownMembersFileName = "cluster-members.txt";

    /// <summary>How many remembered members a restarted seed asks to vouch for it. The join process
    /// sends each one an InitJoin every second until one answers; a few dozen are plenty to find a
    /// live member of the old cluster and keep that traffic small in a large cluster. Members with the
    /// registry role come first, then the oldest.</summary>
    public const int MaxKnownMembers = 32;
}

using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Rows;

/// <summary>Check sets the rows share.</summary>
internal static class RowChecks
{
    /// <summary>What every row checks: no duplicate subnet, no lost lease, the journal replays.</summary>
    public static readonly Check[] Always = [Check.I1NoDuplicateSubnet, Check.I2NoLeaseLost, Check.JournalReplay];

    /// <summary>After a control-plane fault: one cluster, converged views, a live registry, no loss, no silent switch.</summary>
    public static readonly Check[] ControlPlane =
        [.. Always, Check.I3OneCluster, Check.I4ViewsConverge, Check.I5Traffic, Check.I6RegistryLive, Check.I7NoSilentSwitch];
}

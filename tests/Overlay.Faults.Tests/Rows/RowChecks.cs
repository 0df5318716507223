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

    /// <summary>A node that stopped forwarding (killed, frozen) and comes back on its own subnet: a
    /// data-plane fault whose pods answer again within 20 s of healing, on the same subnet as before.</summary>
    public static RowExpectations NodeBackOnItsSubnet(string host) => new()
    {
        Checks = [.. Always, Check.I3OneCluster, Check.I4ViewsConverge, Check.I5Traffic, Check.I7NoSilentSwitch, Check.SameSubnet],
        Plane = FaultPlane.DataPlane,
        TrafficResumeWindow = 20,
        SameSubnetHosts = [host],
    };
}

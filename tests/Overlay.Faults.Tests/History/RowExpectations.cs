namespace Overlay.Faults.Tests.History;

/// <summary>Which part of the system a row's fault hits.</summary>
public enum FaultPlane
{
    /// <summary>Seeds, registry, database, cluster links: pods must not notice (I5: at most the loss bound).</summary>
    ControlPlane,

    /// <summary>The TUN, routes, the UDP path: traffic must come back within the resume bound.</summary>
    DataPlane,
}

/// <summary>What a row demands: the checks to run and their windows. Defaults are the matrix's.</summary>
public sealed record RowExpectations
{
    /// <summary>The checks to run.</summary>
    public required IReadOnlyList<Check> Checks { get; init; }

    /// <summary>Control-plane or data-plane fault (decides how I5 reads the probes).</summary>
    public FaultPlane Plane { get; init; } = FaultPlane.ControlPlane;

    /// <summary>I3: one cluster within this many seconds of healing.</summary>
    public double ClusterWindow { get; init; } = 60;

    /// <summary>I4: views converge within this many seconds of healing.</summary>
    public double ViewsWindow { get; init; } = 40;

    /// <summary>I6: every seed serves /leases within this many seconds of healing.</summary>
    public double RegistryWindow { get; init; } = 60;

    /// <summary>I5 on the data plane: probes answered again within this many seconds of healing.</summary>
    public double TrafficResumeWindow { get; init; } = 10;

    /// <summary>I5: the largest share of probes that may be lost, in percent.</summary>
    public double MaxLossPercent { get; init; } = 1;

    /// <summary>T: overlay0 back within this many seconds of healing.</summary>
    public double TunWindow { get; init; } = 5;

    /// <summary>S: hosts whose subnet must be the same after the fault as before it.</summary>
    public IReadOnlyList<string> SameSubnetHosts { get; init; } = [];

    /// <summary>Q: how many grants and ends the journal may gain after the fault starts.</summary>
    public int MaxJournalChanges { get; init; }
}

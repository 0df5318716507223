namespace Overlay.Faults.Tests.History;

/// <summary>
/// What one process answered at one tick. A null field means no answer (refused, timed out, not
/// 200, or not asked of this kind of process).
/// </summary>
public sealed record ProcessSample
{
    /// <summary>The tick number (every process and host is sampled once per tick).</summary>
    public required int Tick { get; init; }

    /// <summary>Seconds since the recording started.</summary>
    public required double T { get; init; }

    /// <summary>The harness's name of the process.</summary>
    public required string Process { get; init; }

    /// <summary>True while the OS process exists (it may be stopped).</summary>
    public required bool Running { get; init; }

    /// <summary>True while the row wants it running: false between the row killing or stopping it
    /// and starting or continuing it again. Invariants expect answers only from wanted processes.</summary>
    public required bool Wanted { get; init; }

    /// <summary>GET /health/ready answered 200 (true), another status (false), or nothing (null).</summary>
    public bool? Ready { get; init; }

    /// <summary>This process's own cluster address (from /cluster/members selfNode).</summary>
    public string? SelfAddress { get; init; }

    /// <summary>GET /cluster/members: every member it sees.</summary>
    public IReadOnlyList<MemberView>? Members { get; init; }

    /// <summary>Node: GET /lease's subnet.</summary>
    public string? LeaseSubnet { get; init; }

    /// <summary>Node: GET /routes's peers.</summary>
    public IReadOnlyList<RouteView>? Routes { get; init; }

    /// <summary>Seed: GET /leases.</summary>
    public LeaseTable? Leases { get; init; }
}

/// <summary>One member as a process sees it.</summary>
/// <param name="Address">The member's address.</param>
/// <param name="Status">Joining, Up, Leaving, Exiting, Down, Removed, WeaklyUp.</param>
/// <param name="Reachable">False when the process lists it as unreachable.</param>
public sealed record MemberView(string Address, string Status, bool Reachable);

/// <summary>One peer route of a node.</summary>
/// <param name="Subnet">The peer's subnet.</param>
/// <param name="Endpoint">Where datagrams for it go (ip:port).</param>
public sealed record RouteView(string Subnet, string Endpoint);

/// <summary>The registry's leases as one seed served them.</summary>
/// <param name="Version">The registry version.</param>
/// <param name="Leases">Every live lease.</param>
public sealed record LeaseTable(long Version, IReadOnlyList<LeaseRow> Leases);

/// <summary>One live lease.</summary>
/// <param name="Subnet">The subnet.</param>
/// <param name="NodeName">Its holder.</param>
/// <param name="PublicIp">The holder's underlay address.</param>
/// <param name="Version">The version of its last change.</param>
public sealed record LeaseRow(string Subnet, string NodeName, string PublicIp, long Version);

namespace Overlay.Faults.Tests.History;

/// <summary>What a process of the run is.</summary>
public enum ProcessKind
{
    /// <summary>overlay-seed (hosts the registry).</summary>
    Seed,

    /// <summary>overlay-node.</summary>
    Node,
}

/// <summary>One process the row started.</summary>
/// <param name="Process">The harness's name, e.g. "seed" or "h2".</param>
/// <param name="Kind">Seed or node.</param>
/// <param name="Host">The host namespace's short name ("h2") for nodes; null for seeds.</param>
/// <param name="NodeName">The lease identity (--node-name) for nodes.</param>
/// <param name="Intruder">True for a process the system must refuse (a duplicate name or address):
/// it is no expected cluster member and must never hold a lease.</param>
public sealed record ProcessInfo(string Process, ProcessKind Kind, string? Host, string? NodeName, bool Intruder = false);

namespace Overlay.Faults.Tests.History;

/// <summary>The registry settings of a run: what the checker needs to judge why a lease ended.</summary>
/// <param name="SubnetLength">Prefix length of every lease (net-conf SubnetLen).</param>
/// <param name="LeaseTtlSeconds">The seeds' --lease-ttl.</param>
/// <param name="LeaseGraceSeconds">The seeds' --lease-grace.</param>
public sealed record HistorySettings(int SubnetLength, double LeaseTtlSeconds, double LeaseGraceSeconds);

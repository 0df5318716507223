namespace Overlay.Faults.Tests.History;

/// <summary>One host's overlay state at one tick, read from inside its namespace and its files.</summary>
/// <param name="Tick">The tick number.</param>
/// <param name="T">Seconds since the recording started.</param>
/// <param name="Host">The host's short name, e.g. "h1".</param>
/// <param name="NodeRunning">True while the host's node process exists.</param>
/// <param name="Overlay0">overlay0's IPv4 address as CIDR (e.g. 10.244.1.0/32), or null when the
/// device or its address is missing.</param>
/// <param name="SubnetEnv">subnet.env's FLANNEL_SUBNET (gateway/length, e.g. 10.244.1.1/24), or null
/// when the file is missing or unreadable.</param>
public sealed record HostSample(int Tick, double T, string Host, bool NodeRunning, string? Overlay0, string? SubnetEnv);

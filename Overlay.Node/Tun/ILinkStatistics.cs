namespace Overlay.Node.Tun;

/// <summary>
/// Reads a link's kernel counters. Implementations: <see cref="ProcNetDevStatistics"/> (the kernel) and
/// <see cref="NoLinkStatistics"/> (in-memory devices). Thread-safe.
/// </summary>
public interface ILinkStatistics
{
    /// <summary>The counters of <paramref name="device"/> in the calling thread's network namespace, or
    /// null when it has no such link. Throws <see cref="IOException"/> naming the source when it cannot be read.</summary>
    LinkStatistics? Read(string device);
}

namespace Overlay.Node.Tun;

/// <summary>Link counters for in-memory devices: there is no kernel link, so there are none.</summary>
public sealed class NoLinkStatistics : ILinkStatistics
{
    /// <summary>The shared instance (stateless).</summary>
    public static readonly NoLinkStatistics Instance = new();

    /// <inheritdoc />
    public LinkStatistics? Read(string device) => null;
}

namespace Overlay.Node.Tun;

/// <summary>
/// Link counters from /proc/thread-self/net/dev: the calling thread's network namespace, like every
/// other link operation here (sysfs would show the namespace sysfs was mounted in, and /proc/self the
/// main thread's). Stateless and thread-safe.
/// </summary>
public sealed class ProcNetDevStatistics : ILinkStatistics
{
    /// <summary>The shared instance.</summary>
    public static readonly ProcNetDevStatistics Instance = new();

    private const string Path = "/proc/thread-self/net/dev";

    /// <inheritdoc />
    public LinkStatistics? Read(string device)
    {
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"failed to read {Path} for the counters of {device}: {e.Message}", e);
        }
        try
        {
            return LinkStatistics.Parse(text, device);
        }
        catch (FormatException e)
        {
            throw new IOException($"failed to parse {Path}: {e.Message}", e);
        }
    }
}

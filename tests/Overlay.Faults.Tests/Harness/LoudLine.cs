namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// Which printed lines count as a loud signal: warning level or above (the console format's
/// "warn:", "fail:", "crit:"), from the project's loggers or from its actors (Akka's logger with a
/// source under /user/). Akka's own machinery (remoting, cluster membership, the singleton proxy
/// looking for the registry) warns whenever a peer is away: that is noise, not a signal an
/// operator could act on. Pure.
/// </summary>
public static class LoudLine
{
    private static readonly string[] Markers = [" warn: ", " fail: ", " crit: "];

    /// <summary>True when <paramref name="line"/> is a loud signal.</summary>
    public static bool IsLoud(string line)
    {
        if (!Markers.Any(m => line.Contains(m, StringComparison.Ordinal)))
        {
            return false;
        }

        bool akka = line.Contains(": Akka.", StringComparison.Ordinal);
        return !akka || (line.Contains("/user/", StringComparison.Ordinal) && !line.Contains("ClusterSingleton", StringComparison.Ordinal));
    }
}

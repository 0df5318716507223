namespace Overlay.Node.Tests;

/// <summary>
/// A fact that needs root, /dev/net/tun and ip(8). Outside CI it is skipped with the reason when one is
/// missing; with CI=true it always runs (and fails loudly if the machine cannot do it).
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
            return;
        if (!Environment.IsPrivilegedProcess)
            Skip = "needs root (CI=true forces it to run)";
        else if (!File.Exists("/dev/net/tun"))
            Skip = "needs /dev/net/tun (CI=true forces it to run)";
        else if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
            Skip = "needs ip(8) from iproute2 (CI=true forces it to run)";
    }
}

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// What the root end-to-end tests need from the machine: root, /dev/net/tun and a few tools.
/// Outside CI a missing piece skips those tests with a reason; with CI=true they run and fail.
/// </summary>
public static class RootEnvironment
{
    /// <summary>The Debian packages that provide <see cref="BaseTools"/> and tcpdump.</summary>
    public const string DebianPackages = "iproute2 iputils-ping curl tcpdump iptables containernetworking-plugins openssl";

    /// <summary>Tools every root end-to-end test runs: ip (iproute2), ping (iputils-ping), curl, and
    /// what lab/topology.sh attaches pods with: the CNI bridge plugin (containernetworking-plugins,
    /// found by its full path) and iptables (the bridge plugin's and --ip-masq's masquerading).</summary>
    public static readonly IReadOnlyList<string> BaseTools = ["ip", "ping", "curl", "iptables", "/usr/lib/cni/bridge"];

    private static readonly string[] FallbackPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>True when CI=true: privileged tests must run, not skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the root tests cannot run here, or null when they can.</summary>
    /// <param name="needsTun">Whether the test needs /dev/net/tun (the overlay tests do; the topology tests do not).</param>
    /// <param name="extraTools">Tools beyond <see cref="BaseTools"/>, e.g. tcpdump.</param>
    public static string? MissingReason(bool needsTun, IEnumerable<string> extraTools)
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux())
        {
            missing.Add("Linux");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            missing.Add("root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)");
        }

        if (needsTun && !File.Exists("/dev/net/tun"))
        {
            missing.Add("/dev/net/tun");
        }

        foreach (string tool in BaseTools.Concat(extraTools))
        {
            if (FindTool(tool) is null)
            {
                missing.Add($"'{tool}' on PATH");
            }
        }

        return missing.Count == 0
            ? null
            : $"root end-to-end test needs {string.Join(", ", missing)} (Debian packages: {DebianPackages}); set CI=true to force it to run";
    }

    /// <summary>Throws when <see cref="MissingReason"/> names something: the CI path, where a
    /// skip would hide a broken environment.</summary>
    public static void Require(bool needsTun, IEnumerable<string> extraTools)
    {
        string? reason = MissingReason(needsTun, extraTools);
        if (reason is not null)
        {
            throw new InvalidOperationException(reason);
        }
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH (plus the sbin directories a
    /// non-login root shell may lack), or null.</summary>
    public static string? FindTool(string tool)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(FallbackPath);
        foreach (string directory in directories)
        {
            string candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

namespace Overlay.Testing;

/// <summary>
/// What the root tests need from the machine: Linux, root, /dev/net/tun and some tools. Outside CI a
/// missing piece skips those tests with a reason; with CI=true they run (and fail loudly).
/// </summary>
public static class RootEnvironment
{
    /// <summary>The Debian packages that provide the tools the root tests use.</summary>
    public const string DebianPackages = "iproute2 iputils-ping curl tcpdump iptables containernetworking-plugins openssl";

    private static readonly string[] FallbackPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>True when CI=true: privileged tests must run, not skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the root tests cannot run here, or null when they can.</summary>
    /// <param name="needsTun">Whether the test needs /dev/net/tun.</param>
    /// <param name="tools">Tools the test runs, by name on PATH or by full path.</param>
    public static string? MissingReason(bool needsTun, IEnumerable<string> tools)
    {
        var missing = new List<string>();
        if (!OperatingSystem.IsLinux())
            missing.Add("Linux");
        if (!Environment.IsPrivilegedProcess)
            missing.Add("root (network namespaces need CAP_SYS_ADMIN and CAP_NET_ADMIN)");
        if (needsTun && !File.Exists("/dev/net/tun"))
            missing.Add("/dev/net/tun");
        foreach (var tool in tools)
        {
            if (FindTool(tool) is null)
                missing.Add($"'{tool}' on PATH");
        }
        return missing.Count == 0
            ? null
            : $"root test needs {string.Join(", ", missing)} (Debian packages: {DebianPackages}); set CI=true to force it to run";
    }

    /// <summary>The skip reason of a root test attribute: none with CI=true (the test must run), else
    /// <see cref="MissingReason"/>.</summary>
    public static string? SkipReason(bool needsTun, IEnumerable<string> tools) => IsCi ? null : MissingReason(needsTun, tools);

    /// <summary>Throws when <see cref="MissingReason"/> names something: the CI path, where a skip
    /// would hide a broken environment.</summary>
    public static void Require(bool needsTun, IEnumerable<string> tools)
    {
        if (MissingReason(needsTun, tools) is { } reason)
            throw new InvalidOperationException(reason);
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH (plus the sbin directories a
    /// non-login root shell may lack), or null.</summary>
    public static string? FindTool(string tool)
    {
        if (Path.IsPathRooted(tool))
            return File.Exists(tool) ? tool : null;
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(FallbackPath);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}

using System.Diagnostics;

namespace Overlay.Compose.Tests.Infrastructure;

/// <summary>
/// Whether a Docker daemon can be had here: one answers already, or we are root with dockerd
/// installed (lab/docker-images.sh starts it, and installs docker.io itself when apt-get is
/// there). Outside CI a missing piece skips the compose tests with a reason; with CI=true they
/// always run, so a broken CI machine fails loudly.
/// </summary>
public static class DockerEnvironment
{
    private static readonly Lazy<string?> Reason = new(FindMissing);

    /// <summary>True when CI=true: the compose tests must run, not skip.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why Docker cannot be used here, or null when it can. Computed once.</summary>
    public static string? MissingReason => Reason.Value;

    private static string? FindMissing()
    {
        if (!OperatingSystem.IsLinux())
            return "the compose tests need Linux";
        if (!Environment.IsPrivilegedProcess)
            return "the compose tests need root (dockerd, TUN devices in containers); set CI=true to force them";
        if (!File.Exists("/dev/net/tun"))
            return "the compose tests need /dev/net/tun (the node containers get it); set CI=true to force them";
        if (DaemonAnswers())
            return null;
        if (FindTool("dockerd") is null && FindTool("apt-get") is null)
            return "no Docker daemon answers and neither dockerd nor apt-get (to install docker.io) is here; set CI=true to force them";
        return null;
    }

    private static bool DaemonAnswers()
    {
        if (FindTool("docker") is not { } docker)
            return false;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(docker, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
                return false;
            // Drain both pipes so a chatty daemon cannot block the probe.
            _ = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (process.WaitForExit(ComposeConstants.DockerProbeTimeout))
                return process.ExitCode == 0;
            process.Kill(entireProcessTree: true);
            return false;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>The full path of <paramref name="tool"/> on PATH (or the usual sbin/bin
    /// directories, which a non-login PATH may lack), or null.</summary>
    public static string? FindTool(string tool)
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]);
        return path.Select(dir => System.IO.Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
    }
}

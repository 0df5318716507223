using System.Reflection;

namespace Overlay.Hosting.Metrics;

/// <summary>The version both processes report in overlay_build_info, --version and the start log.</summary>
public static class BuildInfo
{
    /// <summary>The entry assembly's informational version without the source-revision suffix
    /// ("0.1.0", not "0.1.0+abc123"), or "unknown".</summary>
    public static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var assembly = Assembly.GetEntryAssembly() ?? typeof(BuildInfo).Assembly;
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(informational))
            return assembly.GetName().Version?.ToString() ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}

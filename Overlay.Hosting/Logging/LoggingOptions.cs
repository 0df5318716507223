using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Logging;

/// <summary>--log-format and --log-level, shared by both processes (env OVERLAY_LOG_FORMAT, OVERLAY_LOG_LEVEL).</summary>
public static class LoggingOptions
{
    private static readonly FlagChoice<LogFormat> Formats = new(("text", LogFormat.Text), ("json", LogFormat.Json));

    private static readonly FlagChoice<LogLevel> Levels = new(
        ("trace", LogLevel.Trace), ("debug", LogLevel.Debug), ("info", LogLevel.Information),
        ("warning", LogLevel.Warning), ("error", LogLevel.Error));

    /// <summary>--log-format.</summary>
    public static readonly Flag<LogFormat> Format = new("--log-format", "Console log format: text or json", ["OVERLAY_LOG_FORMAT"],
        LogSettings.Default.Format, Formats.Parse, show: Formats.Show);

    /// <summary>--log-level.</summary>
    public static readonly Flag<LogLevel> Level = new("--log-level", "Minimum level: trace, debug, info, warning or error", ["OVERLAY_LOG_LEVEL"],
        LogSettings.Default.Level, Levels.Parse, show: Levels.Show);

    /// <summary>Both flags in help order.</summary>
    public static readonly IReadOnlyList<Flag> All = [Format, Level];

    /// <summary>Reads both; throws <see cref="SettingsException"/> naming the bad value.</summary>
    public static LogSettings Bind(FlagReader flags) => new(flags.Read(Format), flags.Read(Level));

    /// <summary>The flag spelling of <paramref name="format"/>.</summary>
    public static string NameOf(LogFormat format) => Formats.Show(format);

    /// <summary>The flag spelling of <paramref name="level"/>.</summary>
    public static string NameOf(LogLevel level) => Levels.Show(level);
}

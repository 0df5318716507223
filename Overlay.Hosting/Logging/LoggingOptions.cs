using System.CommandLine;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Logging;

/// <summary>--log-format and --log-level, shared by both processes (env OVERLAY_LOG_FORMAT, OVERLAY_LOG_LEVEL).</summary>
public sealed class LoggingOptions
{
    private static readonly (string Name, LogLevel Level)[] Levels =
    [
        ("trace", LogLevel.Trace), ("debug", LogLevel.Debug), ("info", LogLevel.Information),
        ("warning", LogLevel.Warning), ("error", LogLevel.Error),
    ];

    /// <summary>--log-format.</summary>
    public FlagOption Format { get; } = new("--log-format", "Console log format: text or json", ["OVERLAY_LOG_FORMAT"], "text");

    /// <summary>--log-level.</summary>
    public FlagOption Level { get; } = new("--log-level", "Minimum level: trace, debug, info, warning or error", ["OVERLAY_LOG_LEVEL"], "info");

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(Level);
    }

    /// <summary>Reads both; throws <see cref="SettingsException"/> naming the bad value.</summary>
    public LogSettings Bind(FlagReader flags)
    {
        var format = flags.Choice(Format, "text", ["text", "json"]) == "json" ? LogFormat.Json : LogFormat.Text;
        var level = flags.Choice(Level, "info", Levels.Select(l => l.Name).ToArray());
        return new LogSettings(format, Levels.First(l => l.Name == level).Level);
    }

    /// <summary>The flag spelling of <paramref name="level"/>.</summary>
    public static string NameOf(LogLevel level) =>
        Levels.FirstOrDefault(l => l.Level == level).Name ?? level.ToString().ToLowerInvariant();
}

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
    public Option<string?> Format { get; } = new("--log-format")
    { Description = "Console log format: text or json [env OVERLAY_LOG_FORMAT; default text]" };

    /// <summary>--log-level.</summary>
    public Option<string?> Level { get; } = new("--log-level")
    { Description = "Minimum level: trace, debug, info, warning or error [env OVERLAY_LOG_LEVEL; default info]" };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Format);
        command.Options.Add(Level);
    }

    /// <summary>Reads both; throws <see cref="SettingsException"/> naming the bad value.</summary>
    public LogSettings Bind(FlagReader flags)
    {
        var format = flags.Choice(Format, "text", ["text", "json"], "OVERLAY_LOG_FORMAT") == "json" ? LogFormat.Json : LogFormat.Text;
        var level = flags.Choice(Level, "info", Levels.Select(l => l.Name).ToArray(), "OVERLAY_LOG_LEVEL");
        return new LogSettings(format, Levels.First(l => l.Name == level).Level);
    }

    /// <summary>The flag spelling of <paramref name="level"/>.</summary>
    public static string NameOf(LogLevel level) =>
        Levels.FirstOrDefault(l => l.Level == level).Name ?? level.ToString().ToLowerInvariant();
}

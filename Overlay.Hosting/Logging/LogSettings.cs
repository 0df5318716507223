using Microsoft.Extensions.Logging;

namespace Overlay.Hosting.Logging;

/// <summary>Console log format and minimum level; both apply to our loggers and to Akka's, which
/// Akka.Hosting routes into the same Microsoft.Extensions.Logging pipeline.</summary>
public sealed record LogSettings(LogFormat Format, LogLevel Level)
{
    /// <summary>Text at Information.</summary>
    public static LogSettings Default { get; } = new(LogFormat.Text, LogLevel.Information);

    /// <summary>The level's flag spelling ("info", "debug", ...).</summary>
    public string LevelName => LoggingOptions.NameOf(Level);

    /// <summary>The format's flag spelling ("text" or "json").</summary>
    public string FormatName => LoggingOptions.NameOf(Format);
}

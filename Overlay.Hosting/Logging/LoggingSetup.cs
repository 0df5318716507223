using Akka.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using MelLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Overlay.Hosting.Logging;

/// <summary>Applies <see cref="LogSettings"/> to a logging builder and maps the level onto Akka's.</summary>
public static class LoggingSetup
{
    /// <summary>Replaces every provider with one console provider in the chosen format and level.
    /// Text under systemd uses the systemd formatter (priority prefixes journald understands, no timestamps).</summary>
    public static ILoggingBuilder AddOverlayConsole(this ILoggingBuilder logging, LogSettings settings)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(settings.Level);
        if (settings.Format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = false;
            });
        }
        else if (SystemdHelpers.IsSystemdService())
            logging.AddSystemdConsole();
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            });
        }
        // ASP.NET's per-request lines are noise for an agent; its warnings and errors still show.
        logging.AddFilter("Microsoft.AspNetCore", settings.Level > MelLogLevel.Warning ? settings.Level : MelLogLevel.Warning);
        logging.AddFilter("Microsoft.Hosting.Lifetime", settings.Level);
        return logging;
    }

    /// <summary>Configures the actor system's logging to match <paramref name="settings"/>: Akka's level, and
    /// with JSON as few plain-text fallback lines as possible (Akka prints its last shutdown messages
    /// through its StandardOutLogger once the logger actors have stopped; only errors may do that).</summary>
    public static AkkaConfigurationBuilder WithOverlayLogging(this AkkaConfigurationBuilder builder, LogSettings settings)
    {
        builder.ConfigureLoggers(loggers => loggers.LogLevel = ToAkka(settings.Level));
        if (settings.Format == LogFormat.Json)
            builder.AddHocon("akka.stdout-loglevel = ERROR", HoconAddMode.Prepend);
        return builder;
    }

    /// <summary>Akka's level for <paramref name="level"/> (Akka has no trace: debug; nothing above error).</summary>
    public static Akka.Event.LogLevel ToAkka(MelLogLevel level) => level switch
    {
        MelLogLevel.Trace or MelLogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        MelLogLevel.Information => Akka.Event.LogLevel.InfoLevel,
        MelLogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };
}

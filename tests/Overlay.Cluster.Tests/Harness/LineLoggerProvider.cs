using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>Collects the log lines of in-process members (Akka's logs go through
/// Microsoft.Extensions.Logging), so that a failing test can print what its members saw.</summary>
public sealed class LineLoggerProvider(string prefix, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _prefix = prefix;
    private readonly LogLevel _minimum = minimum;

    /// <summary>Every line so far.</summary>
    public string Text => string.Join('\n', _lines);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                provider._lines.Enqueue($"{provider._prefix} {DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}");
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Overlay.Bench.ControlPlane;

/// <summary>A logger provider that keeps Information-and-above lines in memory (thread-safe) and
/// echoes warnings and errors to stderr, so a failing run explains itself.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>The captured lines, oldest first.</summary>
    public IEnumerable<string> Lines => _lines;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this);

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            var line = formatter(state, exception);
            // Bounded: the bench logs one line per grant; keep the last 200,000 at most.
            if (owner._lines.Count < 200_000)
                owner._lines.Enqueue(line);
            if (logLevel >= LogLevel.Warning)
                Console.Error.WriteLine($"[{logLevel}] {line}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>The outcome of one finished command: its exit code and everything it printed.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>True when the command exited with 0.</summary>
    public bool Succeeded => ExitCode == 0;

    /// <summary>Stdout and stderr together, for assertions on what a tool printed anywhere.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>Returns this result when the command succeeded; otherwise throws naming the command,
    /// its exit code and its output.</summary>
    public CommandResult EnsureSuccess()
    {
        return Succeeded
            ? this
            : throw new InvalidOperationException($"'{CommandLine}' exited with {ExitCode} after {Elapsed.TotalSeconds:F1}s\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <inheritdoc />
    public override string ToString() => $"'{CommandLine}' -> {ExitCode} ({Elapsed.TotalMilliseconds:F0} ms)\n{Stdout}{Stderr}";
}

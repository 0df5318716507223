using System.Diagnostics;
using System.Text;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A long-running process the tests started (seed, node, tcpdump, fuzz tool), usually through
/// <c>ip netns exec</c>, which execs in place so <see cref="Pid"/> is the program's own PID.
/// Keeps every line it prints (stdout and stderr, in order) in memory and in a log file.
/// <see cref="DisposeAsync"/> ends it by PID: SIGTERM, then SIGKILL after a grace period.
/// Thread-safe: output arrives on pool threads.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private int _disposed;
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private StreamWriter? _log;
    private readonly Lock _gate = new();

    private ManagedProcess(string name, Process process, string? logPath)
    {
        Name = name;
        _process = process;
        if (logPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
            _log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        }
    }

    /// <summary>A human name for messages, e.g. "node h2".</summary>
    public string Name { get; }

    /// <summary>The PID of the started program.</summary>
    public int Pid => _process.Id;

    /// <summary>The command line it was started with.</summary>
    public string CommandLine { get; private init; } = string.Empty;

    /// <summary>True once the process has exited (also after <see cref="DisposeAsync"/>, which ends it).</summary>
    public bool HasExited => _released || _process.HasExited;

    /// <summary>True after <see cref="DisposeAsync"/>: the process is gone and its PID and exit code
    /// are no longer known.</summary>
    public bool IsDisposed => _released;

    /// <summary>The exit code; only meaningful once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/>, inside namespace
    /// <paramref name="ns"/> when it is not null, logging to <paramref name="logPath"/> when given.</summary>
    public static ManagedProcess Start(string name, string? ns, string file, IEnumerable<string> arguments, string? logPath = null)
    {
        var info = new ProcessStartInfo(ns is null ? file : "ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (ns is not null)
        {
            foreach (string part in new[] { "netns", "exec", ns, file })
            {
                info.ArgumentList.Add(part);
            }
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(name, process, logPath)
        {
            CommandLine = CommandRunner.Describe(info.FileName, info.ArgumentList),
        };
        process.OutputDataReceived += (_, e) => managed.Append(e.Data);
        process.ErrorDataReceived += (_, e) => managed.Append(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"failed to start {name}: '{managed.CommandLine}'");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        managed.Append($"# started PID {process.Id}: {managed.CommandLine}");
        return managed;
    }

    /// <summary>A copy of every line printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The last <paramref name="count"/> lines, joined for a message.</summary>
    public string Tail(int count = 80)
    {
        var lines = Lines;
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - count)));
    }

    /// <summary>The last <paramref name="count"/> lines that are not failed health checks (a node that is
    /// not ready logs one every probe and would push its start-up out of a plain tail), with how many
    /// such lines were left out: what a failure report shows of a process.</summary>
    public string TailWithoutHealthChecks(int count = 80)
    {
        var health = Lines.ToLookup(l => l.Contains("DefaultHealthCheckService", StringComparison.Ordinal));
        var kept = health[false].ToList();
        var tail = string.Join('\n', kept.Skip(Math.Max(0, kept.Count - count)));
        var omitted = health[true].ToList();
        return omitted.Count == 0 ? tail : $"{tail}\n({omitted.Count} failed health-check lines left out; the last: {omitted[^1]})";
    }

    /// <summary>Waits until a printed line satisfies <paramref name="predicate"/> and returns it;
    /// fails early when the process exits first.</summary>
    public async Task<string> WaitForLineAsync(string what, Func<string, bool> predicate, TimeSpan timeout)
    {
        string? found = null;
        await Poll.UntilAsync($"{Name} prints {what}", timeout, () =>
        {
            found = Lines.FirstOrDefault(predicate);
            if (found is not null)
            {
                return Task.FromResult<string?>(null);
            }

            if (HasExited)
            {
                throw new ProcessExitedException($"{Name} (PID {Pid}) exited with {ExitCode} before printing {what}:\n{Tail()}");
            }

            return Task.FromResult<string?>($"not yet; last lines:\n{Tail(5)}");
        });
        return found!;
    }

    /// <summary>Waits for the exit, bounded; throws naming the process when it does not exit.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (PID {Pid}) did not exit within {timeout.TotalSeconds:F0}s:\n{Tail(20)}");
        }
    }

    /// <summary>Sends <paramref name="signal"/> to this process only.</summary>
    public void Signal(int signal)
    {
        if (!HasExited)
        {
            PosixSignals.Send(Pid, signal);
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (HasExited)
        {
            return;
        }

        Signal(PosixSignals.SigTerm);
        try
        {
            await WaitForExitAsync(grace);
        }
        catch (TimeoutException)
        {
            Append($"# no exit within {grace.TotalSeconds:F0}s of SIGTERM: SIGKILL to PID {Pid}");
            try
            {
                _process.Kill(entireProcessTree: false);
            }
            catch (InvalidOperationException)
            {
                // Exited meanwhile.
            }

            await WaitForExitAsync(grace);
        }
    }

    /// <inheritdoc />
    /// <remarks>Idempotent: a test's <c>await using</c> and the lab's clean-up may both dispose one process.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync(EndToEndConstants.ProcessStopTimeout);
        }
        finally
        {
            // Let the asynchronous readers deliver the last lines before the log closes; bounded
            // in case something the process left behind still holds its pipes.
            _process.WaitForExit(TimeSpan.FromSeconds(5));
            lock (_gate)
            {
                _log?.Dispose();
                _log = null;
            }

            _released = true;
            _process.Dispose();
        }
    }

    // Set once the Process object is released (after the process ended): its PID and exit code are gone.
    private volatile bool _released;


    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
            _log?.WriteLine(line);
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>
/// A real overlay process (overlay-seed or overlay-node) started by a test from the build output
/// beside the test assembly. Keeps its output; Dispose ends it (by its PID only) if still running.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ChildProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue("ERR " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>True while it runs.</summary>
    public bool Running => !_process.HasExited;

    /// <summary>Its exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything it printed so far.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts <paramref name="dll"/> (e.g. "overlay-seed.dll") with <paramref name="args"/>, with the
    /// test cluster's certificate (<see cref="TestCertificates"/>) unless the test gives its own TLS settings.</summary>
    public static ChildProcess Start(string dll, IReadOnlyCollection<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, dll));
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        // Remoting runs with mutual TLS unless the test says otherwise (its own OVERLAY_TLS_* or --insecure-cluster).
        var given = environment ?? new Dictionary<string, string>();
        if (!given.ContainsKey("OVERLAY_TLS_CERT") && !given.ContainsKey("OVERLAY_INSECURE_CLUSTER") && !args.Contains("--insecure-cluster"))
        {
            foreach (var (key, value) in TestCertificates.Environment)
                info.Environment[key] = value;
        }
        foreach (var (key, value) in given)
            info.Environment[key] = value;
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"failed to start dotnet {dll}"));
    }

    /// <summary>SIGKILL: no shutdown at all, as a crash.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM: the graceful shutdown path.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
            _ = kill(_process.Id, SigTerm);
    }

    /// <summary>Waits for exit; false on timeout.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) =>
        _process.WaitForExitAsync(new CancellationTokenSource(timeout).Token)
            .ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Overlay.Compose.Tests.Infrastructure;

/// <summary>
/// Runs lab/compose-smoke.sh (both scenarios) once, on first request, and hands every test the
/// same <see cref="SmokeRun"/>: the images are built once and the two compose projects run one
/// after the other. The script cleans up after itself (trap): its compose projects and the
/// dockerd it started. It runs under timeout(1): SIGTERM at <see cref="ComposeConstants.SmokeTimeout"/>
/// (the script's trap still cleans up), SIGKILL after <see cref="ComposeConstants.CleanupGrace"/> more.
/// Thread-safe: the run starts at most once.
/// </summary>
public sealed class ComposeSmokeFixture
{
    private readonly Lazy<Task<SmokeRun>> _run = new(RunScriptAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The run's outcome (starts it on the first call).</summary>
    public Task<SmokeRun> RunAsync() => _run.Value;

    private static async Task<SmokeRun> RunScriptAsync()
    {
        var root = RepositoryRoot.Path;
        var script = Path.Combine(root, "lab", "compose-smoke.sh");
        var start = new ProcessStartInfo("timeout")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--signal=TERM",
                     $"--kill-after={(int)ComposeConstants.CleanupGrace.TotalSeconds}",
                     ((int)ComposeConstants.SmokeTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                     "bash", script, "all",
                 })
            start.ArgumentList.Add(argument);

        var lines = new List<string>();
        var diagnostics = new StringBuilder();
        var watch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (lines) lines.Add(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (diagnostics) diagnostics.AppendLine(e.Data);
        };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // timeout(1) bounds the script; this guard only catches a timeout(1) that itself hangs.
        using var guard = new CancellationTokenSource(ComposeConstants.SmokeTimeout + ComposeConstants.CleanupGrace + TimeSpan.FromMinutes(1));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        // WaitForExit without a timeout also waits for the redirected streams to reach EOF.
        process.WaitForExit();
        lock (lines)
        lock (diagnostics)
            return new SmokeRun(process.ExitCode, lines.ToList(), diagnostics.ToString(), watch.Elapsed);
    }
}

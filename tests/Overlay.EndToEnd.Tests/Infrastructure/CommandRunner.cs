using System.Diagnostics;

namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Runs short commands to completion with a time bound. A command that outlives its bound is
/// killed by its PID (it is ours) and reported as a <see cref="TimeoutException"/>. Thread-safe.
/// </summary>
public static class CommandRunner
{
    /// <summary>Runs <paramref name="file"/> with <paramref name="arguments"/> and returns what it printed.</summary>
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        var bound = timeout ?? EndToEndConstants.CommandTimeout;
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        string commandLine = Describe(file, info.ArgumentList);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"failed to start '{commandLine}'");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(bound);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            throw new TimeoutException($"'{commandLine}' did not finish within {bound.TotalSeconds:F0}s (killed PID {process.Id})\nstdout so far:\n{await Drain(stdout)}\nstderr so far:\n{await Drain(stderr)}");
        }

        return new CommandResult(commandLine, process.ExitCode, await stdout, await stderr, clock.Elapsed);
    }

    /// <summary>Runs a command inside network namespace <paramref name="ns"/> (ip netns exec).</summary>
    public static Task<CommandResult> RunInAsync(string ns, string file, IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        return RunAsync("ip", ["netns", "exec", ns, file, .. arguments], timeout);
    }

    /// <summary>A shell-like rendering of a command for messages.</summary>
    public static string Describe(string file, IEnumerable<string> arguments)
    {
        return string.Join(' ', new[] { file }.Concat(arguments).Select(a => a.Contains(' ') ? $"'{a}'" : a));
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Exited between the timeout and the kill: nothing left to end.
        }
    }

    private static async Task<string> Drain(Task<string> reader)
    {
        var finished = await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(2)));
        return finished == reader ? await reader : "(still open)";
    }
}

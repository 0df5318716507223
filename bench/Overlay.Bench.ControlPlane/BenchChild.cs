using System.Diagnostics;
using System.Globalization;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// A bench child process ("dotnet overlay-bench-control-plane.dll &lt;command&gt; ...") driven by a
/// line protocol: commands on its stdin, one answer line each on its stdout; its stderr goes to a log
/// file. Dispose sends "quit", waits, and kills it (by its own PID, whole tree) only if it hangs.
/// </summary>
public sealed class BenchChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private BenchChild(Process process, StreamWriter log, string name)
    {
        _process = process;
        _log = log;
        Name = name;
    }

    /// <summary>Name for messages ("member-2").</summary>
    public string Name { get; }

    /// <summary>The child's PID (for /proc).</summary>
    public int Pid => _process.Id;

    /// <summary>Starts the bench itself as a child with <paramref name="args"/>; stderr to <paramref name="logPath"/>.</summary>
    public static BenchChild Start(string name, string logPath, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Running as "dotnet overlay-bench-control-plane.dll" the process path is dotnet itself.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(typeof(BenchChild).Assembly.Location);
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"starting {name} ({string.Join(' ', args)}) failed");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (log)
                    log.WriteLine(e.Data);
        };
        process.BeginErrorReadLine();
        return new BenchChild(process, log, name);
    }

    /// <summary>Sends <paramref name="command"/> (null: none) and returns the next answer line;
    /// throws on "err ...", end of output or <paramref name="timeout"/>.</summary>
    public async Task<string> AskAsync(string? command, TimeSpan timeout)
    {
        if (command is not null)
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
        }
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(timeout)
                   ?? throw new InvalidOperationException($"{Name} (pid {Pid}) ended while answering '{command}'");
        if (line.StartsWith("err ", StringComparison.Ordinal))
            throw new InvalidOperationException($"{Name} (pid {Pid}) answered '{command}' with: {line[4..]}");
        return line;
    }

    /// <summary>Asks "quit" and waits for the exit; kills this child (by PID) after 60 s.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("quit");
                await _process.StandardInput.FlushAsync();
                _process.StandardInput.Close();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            Console.Error.WriteLine($"{Name} (pid {_process.Id.ToString(CultureInfo.InvariantCulture)}) did not quit; killing it");
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
            lock (_log)
                _log.Dispose();
        }
    }
}

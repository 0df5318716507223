using System.CommandLine;

namespace Overlay.Hosting.Cli;

/// <summary>Runs a process's root command so that every bad input ends the same way: one readable
/// line on stderr and a non-zero exit code, never a stack trace or a page of help.</summary>
public static class ProcessRunner
{
    /// <summary>Exit code for bad flags, environment or config.</summary>
    public const int BadSettingsExitCode = 2;

    /// <summary>Parses <paramref name="args"/> and invokes the chosen command.</summary>
    public static async Task<int> RunAsync(RootCommand root, string[] args)
    {
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            Console.Error.WriteLine($"{root.Name}: {parsed.Errors[0].Message}");
            return BadSettingsExitCode;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                // SIGTERM belongs to the generic host, which runs Akka's coordinated shutdown (cluster
                // leave); System.CommandLine's own handler would end the process after 2s.
                ProcessTerminationTimeout = null,
            });
        }
        catch (SettingsException ex)
        {
            Console.Error.WriteLine($"{root.Name}: {ex.Message}");
            return BadSettingsExitCode;
        }
    }
}

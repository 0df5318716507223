using System.CommandLine;
using System.Text.Json;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Management.Client;

/// <summary>
/// Builds an inspection subcommand: it reads one management route into the record the server wrote
/// it from and prints it as a table, or with --json as indented JSON. Exit codes: 0 printed, 1 the endpoint failed (one line on stderr
/// naming the request), 2 bad flags.
/// </summary>
public static class InspectionCommand
{
    /// <summary>Exit code when the management endpoint could not be read.</summary>
    public const int RequestFailedExitCode = 1;

    /// <summary>A command named <paramref name="name"/> that GETs <paramref name="path"/> as a
    /// <typeparamref name="T"/>; <paramref name="table"/> renders it as text, --json prints it as JSON.
    /// Error lines start with "&lt;process&gt; <paramref name="fullName"/>:" (default: the name).</summary>
    public static Command Create<T>(string name, string description, string path, Func<T, string> table,
        TextWriter? output = null, TextWriter? error = null, string? fullName = null)
    {
        fullName ??= name;
        var command = new Command(name, description);
        var options = new ManagementClientOptions();
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var stdout = output ?? Console.Out;
            var stderr = error ?? Console.Error;
            Uri baseAddress;
            try
            {
                baseAddress = ManagementClientOptions.BaseAddress(parse);
            }
            catch (SettingsException ex)
            {
                await stderr.WriteLineAsync($"{parse.RootCommandResult.Command.Name} {fullName}: {ex.Message}");
                return ProcessRunner.BadSettingsExitCode;
            }
            using var client = new ManagementClient(baseAddress);
            try
            {
                var body = await client.GetAsync<T>(path, cancellation);
                await stdout.WriteAsync(parse.GetValue(options.Json)
                    ? JsonSerializer.Serialize(body, ManagementClient.PrintOptions) + "\n"
                    : table(body));
                return 0;
            }
            catch (ManagementClientException ex)
            {
                await stderr.WriteLineAsync($"{parse.RootCommandResult.Command.Name} {fullName}: {ex.Message}");
                return RequestFailedExitCode;
            }
        });
        return command;
    }

    /// <summary>A timestamp as the tables print it: UTC, to the second.</summary>
    public static string Timestamp(DateTimeOffset at) =>
        at.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}

using System.CommandLine;

namespace Overlay.Hosting.Logging;

/// <summary>
/// `check-config`: binds the same flags, environment and files as the process would, and prints
/// the effective settings (redacted) as aligned lines or, with --json, one JSON object. A bad value
/// ends it with the usual one line on stderr and exit code 2 (the <see cref="Cli.SettingsException"/>
/// propagates to <see cref="Cli.ProcessRunner"/>).
/// </summary>
public static class CheckConfigCommand
{
    /// <summary>A check-config command; <paramref name="addOptions"/> adds the process's flags,
    /// <paramref name="bind"/> validates them and lists the effective settings.</summary>
    public static Command Create(string processName, Action<Command> addOptions, Func<ParseResult, EffectiveSettings> bind,
        TextWriter? output = null)
    {
        var command = new Command("check-config",
            $"Validate {processName}'s flags, environment and config files, print the effective settings (secrets redacted) and exit");
        addOptions(command);
        var json = new Option<bool>("--json") { Description = "Print the settings as a JSON object" };
        command.Options.Add(json);
        command.SetAction(async (parse, _) =>
        {
            var settings = bind(parse);
            var stdout = output ?? Console.Out;
            await stdout.WriteAsync(parse.GetValue(json) ? settings.ToJson() : settings.ToTable());
            return 0;
        });
        return command;
    }
}

using System.CommandLine;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Management;

/// <summary>--management-token-file (env OVERLAY_MANAGEMENT_TOKEN_FILE), or the token itself in
/// env OVERLAY_MANAGEMENT_TOKEN. A file wins over the variable; surrounding whitespace is ignored.</summary>
public sealed class ManagementTokenOption
{
    /// <summary>The environment variable that holds the token itself.</summary>
    public const string TokenVariable = "OVERLAY_MANAGEMENT_TOKEN";

    /// <summary>--management-token-file.</summary>
    public static readonly Flag<string?> TokenFile = new("--management-token-file",
        $"File holding the bearer token required by the write routes (PUT/DELETE); or the token itself in {TokenVariable}",
        ["OVERLAY_MANAGEMENT_TOKEN_FILE"], null, FlagParsers.Text, "none (writes open; allowed only with a loopback --management-host)");

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(TokenFile.CreateOption());

    /// <summary><paramref name="settings"/> with the token read; throws <see cref="SettingsException"/>
    /// for an unreadable or empty file, a file group or others can read (never printing its
    /// content), and for write routes left open beyond loopback.</summary>
    public ManagementSettings Apply(ManagementSettings settings, FlagReader flags, Func<string, string?>? environment = null)
    {
        return RequireTokenBeyondLoopback(Read(settings, flags, environment));
    }

    /// <summary><paramref name="settings"/> unchanged, unless its write routes would be open on an
    /// address other than loopback: then <see cref="SettingsException"/>, because anyone who reaches
    /// that address could then down members and delete leases.</summary>
    public static ManagementSettings RequireTokenBeyondLoopback(ManagementSettings settings) =>
        settings.Token is not null || ManagementSettings.IsLoopback(settings.Host)
            ? settings
            : throw new SettingsException(
                $"--management-host: the write routes (PUT/DELETE) would be open to anyone who reaches '{settings.Host}'; "
                + $"give --management-token-file (or {TokenVariable}), or keep the default 127.0.0.1");

    private ManagementSettings Read(ManagementSettings settings, FlagReader flags, Func<string, string?>? environment)
    {
        var (path, source) = flags.Raw(TokenFile);
        if (path is not null)
        {
            FilePermissions.RequirePrivate(path, source, "token file");
            string token;
            try
            {
                token = File.ReadAllText(path).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new SettingsException($"{source}: cannot read '{path}': {ex.Message}");
            }
            if (token.Length == 0)
                throw new SettingsException($"{source}: the token file '{path}' is empty");
            if (token.Any(char.IsWhiteSpace))
                throw new SettingsException($"{source}: the token in '{path}' contains whitespace");
            return settings with { Token = token, TokenSource = $"{source} {path}" };
        }
        var fromEnvironment = (environment ?? Environment.GetEnvironmentVariable)(TokenVariable)?.Trim();
        return string.IsNullOrEmpty(fromEnvironment)
            ? settings
            : settings with { Token = fromEnvironment, TokenSource = TokenVariable };
    }
}

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
    public Option<string?> TokenFile { get; } = new("--management-token-file")
    {
        Description = $"File holding the bearer token required by the write routes (PUT/DELETE) [env OVERLAY_MANAGEMENT_TOKEN_FILE, or the token itself in {TokenVariable}; default: writes open]",
    };

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(TokenFile);

    /// <summary><paramref name="settings"/> with the token read; throws <see cref="SettingsException"/>
    /// for an unreadable or empty file (never printing its content).</summary>
    public ManagementSettings Apply(ManagementSettings settings, FlagReader flags, Func<string, string?>? environment = null)
    {
        var (path, source) = flags.Raw(TokenFile, "OVERLAY_MANAGEMENT_TOKEN_FILE");
        if (path is not null)
        {
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

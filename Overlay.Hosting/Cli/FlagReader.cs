using System.CommandLine;
using System.CommandLine.Parsing;

namespace Overlay.Hosting.Cli;

/// <summary>
/// Reads flag values with environment mirrors: the flag if given, else the first environment
/// variable that is set, else the default. Every parse error names where the value came from
/// ("--cluster-port" or "CLUSTER_PORT") and the value.
/// </summary>
public sealed class FlagReader(ParseResult result, Func<string, string?>? environment = null)
{
    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    /// <summary>The bound value of <paramref name="flag"/>: parsed from the flag or the first set variable,
    /// else its default; a switch given alone reads as "true".</summary>
    public T Read<T>(Flag<T> flag)
    {
        if (flag.IsSwitch && result.GetResult(flag.Name) is OptionResult { Implicit: false } alone && alone.Tokens.Count == 0)
            return flag.Parse("true", flag.Name);
        var (value, source) = Raw(flag);
        return value is null ? flag.Default : flag.Parse(value, source);
    }

    /// <summary>The bound value of <paramref name="flag"/> read with <paramref name="parse"/> instead of the
    /// declaration's parser, for a flag whose valid range depends on other settings (--mtu on the --iface MTU).</summary>
    public T Read<T>(Flag<T> flag, Func<string, T> parse)
    {
        var (value, source) = Raw(flag);
        return value is null ? flag.Default : Flag<T>.ParseWith(parse, value, source);
    }

    /// <summary>The text of <paramref name="flag"/> and where it came from, or (null, flag name) when nothing is set.</summary>
    public (string? Value, string Source) Raw(Flag flag) =>
        Raw((result.GetResult(flag.Name) as OptionResult)?.GetValueOrDefault<string?>(), flag.Name, flag.Environment);

    /// <summary>The raw value of a plain option and its source, or (null, option name) when nothing is set.</summary>
    public (string? Value, string Source) Raw(Option<string?> option, params string[] environmentNames) =>
        option is FlagOption declared ? Raw(declared.Declaration) : Raw(result.GetValue(option), option.Name, environmentNames);

    private (string? Value, string Source) Raw(string? fromFlag, string name, IEnumerable<string> environmentNames)
    {
        if (fromFlag is not null)
            return (fromFlag, name);
        foreach (var variable in environmentNames)
        {
            var fromEnvironment = _environment(variable);
            if (!string.IsNullOrEmpty(fromEnvironment))
                return (fromEnvironment, variable);
        }
        return (null, name);
    }

    /// <summary>A string value, or <paramref name="fallback"/>.</summary>
    public string String(Option<string?> option, string fallback, params string[] environmentNames) =>
        Raw(option, environmentNames).Value ?? fallback;

    /// <summary>An optional string value.</summary>
    public string? OptionalString(Option<string?> option, params string[] environmentNames) =>
        Raw(option, environmentNames).Value;

    /// <summary>A TCP/UDP port; 0 only when <paramref name="allowZero"/>.</summary>
    public int Port(Option<string?> option, int fallback, bool allowZero, params string[] environmentNames) =>
        Parse(option, fallback, FlagParsers.Port(allowZero), environmentNames);

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int Integer(Option<string?> option, int fallback, int min, int max, params string[] environmentNames) =>
        Parse(option, fallback, FlagParsers.Integer(min, max), environmentNames);

    /// <summary>An optional IPv4 address.</summary>
    public System.Net.IPAddress? Ipv4(Option<string?> option, params string[] environmentNames) =>
        Parse(option, null, FlagParsers.Ipv4, environmentNames);

    /// <summary>A duration such as "24h", "5m", "30s", "500ms", "1d" or "00:05:00".</summary>
    public TimeSpan Duration(Option<string?> option, TimeSpan fallback, params string[] environmentNames) =>
        Parse(option, fallback, FlagParsers.Duration, environmentNames);

    /// <summary>A comma-separated list of cluster seed addresses.</summary>
    public List<string> SeedAddresses(Option<string?> option, params string[] environmentNames) =>
        Parse(option, [], FlagParsers.SeedAddresses, environmentNames).ToList();

    /// <summary>One of <paramref name="allowed"/> (case-insensitive), returned in lower case.</summary>
    public string Choice(Option<string?> option, string fallback, string[] allowed, params string[] environmentNames) =>
        Parse(option, fallback, FlagParsers.Choice(allowed), environmentNames);

    /// <summary>Parses "24h", "5m", "30s", "500ms", "1d" or a .NET TimeSpan ("00:05:00").</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration) => FlagParsers.TryParseDuration(text, out duration);

    private T Parse<T>(Option<string?> option, T fallback, Func<string, T> parse, string[] environmentNames)
    {
        var (value, source) = Raw(option, environmentNames);
        return value is null ? fallback : Flag<T>.ParseWith(parse, value, source);
    }
}
